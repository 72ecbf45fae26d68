// POST /v1/sessions: issuing bearer tokens, and refusing bad credentials without telling which
// part was wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using testing::Pair;
using testing::UnorderedElementsAre;

class LoginTest : public SharedServerTest {};

TEST_F(LoginTest, LoginReturnsABearerTokenForTheAccount) {
  HttpClient& c = client();
  Response created = c.post("/v1/users", {{"name", "Ann"}, {"email", unique_email("login")}, {"password", kPassword}});
  ASSERT_EQ(created.result_int(), 201u) << describe(created);
  json::object user = body_object(created);

  Response res = c.post("/v1/sessions", {{"email", user["email"]}, {"password", kPassword}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  json::object session = body_object(res);
  EXPECT_EQ(keys_of(session), (std::set<std::string>{"token", "token_type", "expires_in", "expires_at", "user"}));
  ASSERT_TRUE(session["token"].is_string());
  EXPECT_TRUE(is_token(session["token"].as_string())) << session["token"];
  EXPECT_EQ(session["token_type"], "Bearer");
  EXPECT_EQ(session["expires_in"], 86400);
  ASSERT_TRUE(session["user"].is_object());
  EXPECT_EQ(session["user"].as_object(), user);

  // expires_at is a day after the login, which happened after the registration.
  ASSERT_TRUE(session["expires_at"].is_string());
  const auto expires = timestamp_ms(session["expires_at"].as_string());
  const auto registered = timestamp_ms(user["created_at"].as_string());
  ASSERT_TRUE(expires && registered) << session["expires_at"];
  EXPECT_GE(*expires - *registered, 86'400'000);
  EXPECT_LT(*expires - *registered, 86'400'000 + 60'000);

  EXPECT_EQ(c.get("/v1/users/me", session["token"].as_string()).result_int(), 200u);
}

TEST_F(LoginTest, EveryLoginIssuesADistinctToken) {
  Account a = register_account(client(), "distinct");
  std::set<std::string> tokens;
  for (int i = 0; i < 5; ++i) tokens.insert(login(client(), a));
  EXPECT_EQ(tokens.size(), 5u);
}

TEST_F(LoginTest, LoginMatchesTheEmailIgnoringCase) {
  Account a = register_account(client(), "AnyCase");
  std::string shouted = a.email;
  for (char& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  Response res = client().post("/v1/sessions", {{"email", shouted}, {"password", a.password}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  EXPECT_EQ(text(body_object(res)["user"].as_object()["id"]), a.id);
}

TEST_F(LoginTest, LoginRejectsAWrongPassword) {
  Account a = register_account(client(), "wrong");
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", a.email}, {"password", "not the password"}}), 401,
                         "invalid_credentials"));
  // Passwords are compared exactly: case matters.
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", a.email}, {"password", "CORRECT HORSE BATTERY"}}),
                         401, "invalid_credentials"));
}

TEST_F(LoginTest, LoginAnswersUnknownEmailAndWrongPasswordAlike) {
  Account a = register_account(client(), "alike");
  Response wrong = client().post("/v1/sessions", {{"email", a.email}, {"password", "not the password"}});
  Response unknown = client().post("/v1/sessions", {{"email", unique_email("nobody")}, {"password", kPassword}});
  Response invalid = client().post("/v1/sessions", {{"email", "not an address"}, {"password", kPassword}});
  ASSERT_TRUE(is_problem(wrong, 401, "invalid_credentials"));
  ASSERT_TRUE(is_problem(unknown, 401, "invalid_credentials"));
  ASSERT_TRUE(is_problem(invalid, 401, "invalid_credentials"));

  // Identical except for the request id in `instance`.
  json::object expected = body_object(wrong);
  expected.erase("instance");
  for (const Response* other : {&unknown, &invalid}) {
    json::object body = body_object(*other);
    body.erase("instance");
    EXPECT_EQ(body, expected);
    EXPECT_EQ((*other)[http::field::www_authenticate], wrong[http::field::www_authenticate]);
  }
}

TEST_F(LoginTest, LoginReportsMissingFieldsAsRequired) {
  Response res = client().post("/v1/sessions", json::object{});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("email", "required"), Pair("password", "required")));

  res = client().post("/v1/sessions", {{"email", unique_email("nopassword")}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("password", "required")));
}

TEST_F(LoginTest, LoginRejectsMembersOfTheWrongTypeAsMalformed) {
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", 5}, {"password", kPassword}}), 400,
                         "malformed_request"));
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", unique_email("types")}, {"password", nullptr}}), 400,
                         "malformed_request"));
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", json::array{"a", "b"}), 400, "malformed_request"));
}

}  // namespace
}  // namespace vestibule::e2e
