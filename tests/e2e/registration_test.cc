// POST /v1/users: the created user, normalisation, uniqueness, validation and body errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using testing::Pair;
using testing::UnorderedElementsAre;

class RegistrationTest : public SharedServerTest {
 protected:
  json::object valid_body(std::string_view tag) {
    return {{"name", "Ann Lee"}, {"email", unique_email(tag)}, {"password", kPassword}};
  }
  Response send_text(std::string body, std::string content_type) {
    return send_text(client(), std::move(body), std::move(content_type));
  }
  // Bodies that are not JSON objects go to direct_client(): the contract proxy would parse and
  // re-encode them, or answer them itself (contract_proxy.h).
  static Response send_text(HttpClient& via, std::string body, std::string content_type) {
    Request req{http::verb::post, "/v1/users", 11};
    req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    return via.send(std::move(req));
  }
};

TEST_F(RegistrationTest, RegisterReturnsTheCreatedUserAndItsLocation) {
  const std::string email = unique_email("created");
  Response res = client().post("/v1/users", {{"name", "Ann Lee"}, {"email", email}, {"password", kPassword}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::location], "/v1/users/me");
  json::object user = body_object(res);
  EXPECT_TRUE(is_user(user));  // exactly the User keys: no password, no hash
  EXPECT_EQ(user["name"], "Ann Lee");
  EXPECT_EQ(text(user["email"]), email);
  EXPECT_EQ(user["created_at"], user["updated_at"]);
  EXPECT_EQ(res.body().find(std::string(kPassword)), std::string::npos);
}

TEST_F(RegistrationTest, RegisterTrimsTheName) {
  Response res = client().post("/v1/users", {{"name", " \t Ann Lee \t "}, {"email", unique_email("trim")},
                                             {"password", kPassword}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  EXPECT_EQ(body_object(res)["name"], "Ann Lee");
}

TEST_F(RegistrationTest, RegisterLowerCasesTheEmailDomainButNotTheLocalPart) {
  const std::string unique = unique_email("Ann.Case");
  const std::string local = unique.substr(0, unique.find('@'));
  Response res = client().post("/v1/users", {{"name", "Ann"}, {"email", local + "@Example.COM"}, {"password", kPassword}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  EXPECT_EQ(text(body_object(res)["email"]), local + "@example.com");

  // An internationalised domain is kept in lower-case Unicode form, not turned into punycode.
  res = client().post("/v1/users", {{"name", "Ann"}, {"email", local + "@B\u00dcCHER.Example.COM"}, {"password", kPassword}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  EXPECT_EQ(text(body_object(res)["email"]), local + "@b\u00fccher.example.com");
}

TEST_F(RegistrationTest, RegisterRejectsAnAddressTakenInAnotherCase) {
  const std::string email = unique_email("taken");
  ASSERT_EQ(client().post("/v1/users", {{"name", "First"}, {"email", email}, {"password", kPassword}}).result_int(), 201u);
  std::string shouted = email;
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Response res = client().post("/v1/users", {{"name", "Second"}, {"email", shouted}, {"password", kPassword}});
  EXPECT_TRUE(is_problem(res, 409, "email_taken"));
}

TEST_F(RegistrationTest, RegisterIgnoresFieldsItDoesNotDefine) {
  json::object body = valid_body("extra");
  const std::string forged_id = "11111111-1111-4111-8111-111111111111";
  body["id"] = forged_id;
  body["created_at"] = "2000-01-01T00:00:00.000Z";
  body["updated_at"] = "2000-01-01T00:00:00.000Z";
  body["password_hash"] = "$argon2id$forged";
  body["is_admin"] = true;
  Response res = client().post("/v1/users", body);
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  json::object user = body_object(res);
  EXPECT_TRUE(is_user(user));
  EXPECT_NE(text(user["id"]), forged_id);
  EXPECT_NE(user["created_at"], "2000-01-01T00:00:00.000Z");
  EXPECT_NE(user["updated_at"], "2000-01-01T00:00:00.000Z");
  // The forged hash was not stored either: the real password logs in.
  EXPECT_FALSE(login(client(), body["email"].as_string(), kPassword).empty());
}

TEST_F(RegistrationTest, RegisterAcceptsTheLongestAndShortestAllowedValues) {
  for (const auto& [name, password] : {std::pair{std::string(128, 'n'), std::string(8, 'p')},
                                       std::pair{std::string("N"), std::string(1024, 'p')},
                                       // Characters are code points, not bytes: 8 two-byte ones.
                                       std::pair{std::string("N"), std::string("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9")}}) {
    Response res = client().post("/v1/users", {{"name", name}, {"email", unique_email("limits")}, {"password", password}});
    EXPECT_EQ(res.result_int(), 201u) << describe(res);
  }
}

TEST_F(RegistrationTest, RegisterReportsMissingFieldsAsRequired) {
  Response res = client().post("/v1/users", json::object{});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("name", "required"), Pair("email", "required"),
                                                      Pair("password", "required")));

  res = client().post("/v1/users", {{"name", "Ann"}, {"email", unique_email("missing")}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("password", "required")));
}

TEST_F(RegistrationTest, RegisterReadsAnEmptyBodyAsAnEmptyObject) {
  Request req{http::verb::post, "/v1/users", 11};
  Response res = client().send(std::move(req));
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("name", "required"), Pair("email", "required"),
                                                      Pair("password", "required")));
}

TEST_F(RegistrationTest, RegisterReportsEveryBrokenRuleAtOnce) {
  Response res = client().post("/v1/users", {{"name", ""}, {"email", "no-at-sign"}, {"password", "s3cr3t!"}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("name", "required"), Pair("email", "invalid_email"),
                                                      Pair("password", "too_short")));
  EXPECT_EQ(res.body().find("s3cr3t!"), std::string::npos) << "the refused password must not be echoed";
}

TEST_F(RegistrationTest, RegisterRejectsInvalidJsonAsMalformed) {
  for (const char* body : {R"({"name": "Ann", )", "nonsense"}) {
    EXPECT_TRUE(is_problem(send_text(direct_client(), body, "application/json"), 400, "malformed_request")) << body;
  }
}

TEST_F(RegistrationTest, RegisterRejectsJsonThatIsNotAnObjectAsMalformed) {
  for (const char* body : {"[]", R"(["Ann"])", R"("Ann")", "42", "null"}) {
    EXPECT_TRUE(is_problem(send_text(direct_client(), body, "application/json"), 400, "malformed_request")) << body;
  }
}

TEST_F(RegistrationTest, RegisterRejectsMembersOfTheWrongTypeAsMalformed) {
  for (const char* key : {"name", "email", "password"}) {
    for (json::value wrong : {json::value(5), json::value(nullptr), json::value(true), json::value(json::array{})}) {
      json::object body = valid_body("types");
      body[key] = wrong;
      EXPECT_TRUE(is_problem(client().post("/v1/users", body), 400, "malformed_request")) << json::serialize(body);
    }
  }
}

TEST_F(RegistrationTest, RegisterRejectsABodyThatIsNotJsonAsUnsupportedMediaType) {
  const std::string body = json::serialize(valid_body("media"));
  EXPECT_TRUE(is_problem(send_text(body, "text/plain"), 415, "unsupported_media_type"));
  EXPECT_TRUE(is_problem(send_text(body, "application/x-www-form-urlencoded"), 415, "unsupported_media_type"));
  EXPECT_TRUE(is_problem(send_text(body, "application/json; charset=latin1"), 415, "unsupported_media_type"));
}

TEST_F(RegistrationTest, RegisterAcceptsJsonWithUtf8Charset) {
  Response res = send_text(json::serialize(valid_body("charset")), "application/json; charset=utf-8");
  EXPECT_EQ(res.result_int(), 201u) << describe(res);
}

// One broken rule per case: the body is otherwise valid, and `errors` names exactly that rule.
struct InvalidField {
  const char* label;
  const char* field;
  std::string value;
  const char* code;
  const char* email = nullptr;  // replaces the generated address when set

  friend void PrintTo(const InvalidField& c, std::ostream* os) { *os << c.label; }
};

class RegistrationValidationTest : public SharedServerTest, public testing::WithParamInterface<InvalidField> {};

TEST_P(RegistrationValidationTest, RegisterRejectsTheFieldWithItsCode) {
  const InvalidField& c = GetParam();
  json::object body{{"name", "Ann Lee"}, {"email", unique_email("invalid")}, {"password", kPassword}};
  if (c.email) body["email"] = c.email;
  body[c.field] = c.value;
  Response res = client().post("/v1/users", body);
  ASSERT_TRUE(is_problem(res, 422, "validation_failed")) << json::serialize(body);
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair(c.field, c.code)));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, RegistrationValidationTest,
    testing::Values(InvalidField{"PasswordOfSevenCharacters", "password", "1234567", "too_short"},
                    InvalidField{"PasswordOfSevenTwoByteCharacters", "password",
                                 "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", "too_short"},
                    InvalidField{"PasswordOf1025Characters", "password", std::string(1025, 'p'), "too_long"},
                    InvalidField{"EmptyName", "name", "", "required"},
                    InvalidField{"BlankName", "name", " \t  ", "required"},
                    InvalidField{"NameOf129Characters", "name", std::string(129, 'n'), "too_long"},
                    InvalidField{"NameWithControlCharacter", "name", "Ann\x07Lee", "invalid_characters"},
                    InvalidField{"NameWithNewline", "name", "Ann\nLee", "invalid_characters"},
                    InvalidField{"EmailWithoutAtSign", "email", "ann.example.com", "invalid_email"},
                    InvalidField{"EmailWithTwoAtSigns", "email", "ann@lee@example.com", "invalid_email"},
                    InvalidField{"EmailWithoutDomainDot", "email", "ann@example", "invalid_email"},
                    InvalidField{"EmailUnderTestDomain", "email", "x@example.test", "special_use_domain"},
                    InvalidField{"EmailUnderInvalidDomain", "email", "x@mail.invalid", "special_use_domain"},
                    InvalidField{"EmailWithLocalPartOf65Characters", "email", std::string(65, 'a') + "@example.com",
                                 "too_long"},
                    // 64 + 1 + 190 = 255 octets, each part within its own limit.
                    InvalidField{"EmailOf255Octets", "email",
                                 std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                                     std::string(58, 'd') + ".com",
                                 "too_long"},
                    // docs/openapi.yaml (NewPassword) promises these two codes as well.
                    InvalidField{"PasswordFromCommonList", "password", "password", "password_too_common"},
                    InvalidField{"PasswordSameAsEmail", "password", "ann.lee.similar@example.com", "password_too_similar",
                                 "ann.lee.similar@example.com"}),
    [](const testing::TestParamInfo<InvalidField>& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace vestibule::e2e
