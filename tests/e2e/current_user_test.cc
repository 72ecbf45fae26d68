// /v1/users/me: reading the caller's account (and the bearer challenge), changing it (PATCH) and
// deleting it (DELETE).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using testing::Pair;
using testing::UnorderedElementsAre;

// Requests without a usable bearer scheme go to direct_client(): the contract proxy would
// answer them itself (contract_proxy.h).
class CurrentUserTest : public SharedServerTest {
 protected:
  Response get_me_with_authorization(std::string_view value) { return get_me_with_authorization(client(), value); }
  static Response get_me_with_authorization(HttpClient& via, std::string_view value) {
    Request req{http::verb::get, "/v1/users/me", 11};
    req.set(http::field::authorization, value);
    return via.send(std::move(req));
  }
};

TEST_F(CurrentUserTest, GetMeReturnsTheCallersAccount) {
  Response created = client().post("/v1/users", {{"name", "Ann"}, {"email", unique_email("me")}, {"password", kPassword}});
  ASSERT_EQ(created.result_int(), 201u);
  json::object user = body_object(created);
  const std::string token = login(client(), user["email"].as_string(), kPassword);

  Response res = client().get("/v1/users/me", token);
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(body_object(res), user);
}

TEST_F(CurrentUserTest, GetMeAcceptsTheSchemeNameInAnyCase) {
  Account a = register_account(client(), "scheme");
  const std::string token = login(client(), a);
  // Direct: Prism takes the scheme name as case-sensitive, against RFC 9110 11.1.
  EXPECT_EQ(get_me_with_authorization(direct_client(), "bearer " + token).result_int(), 200u);
  EXPECT_EQ(get_me_with_authorization(direct_client(), "BEARER " + token).result_int(), 200u);
}

TEST_F(CurrentUserTest, GetMeWithoutTokenIsChallengedWithoutAnError) {
  Response res = direct_client().get("/v1/users/me");
  EXPECT_TRUE(is_problem(res, 401, "invalid_token"));
  EXPECT_EQ(res[http::field::www_authenticate], kBearerChallenge);
}

TEST_F(CurrentUserTest, GetMeWithAnotherSchemeIsChallengedWithoutAnError) {
  Response res = get_me_with_authorization(direct_client(), "Basic YW5uOnBhc3N3b3Jk");
  EXPECT_TRUE(is_problem(res, 401, "invalid_token"));
  EXPECT_EQ(res[http::field::www_authenticate], kBearerChallenge);
}

TEST_F(CurrentUserTest, GetMeRejectsMalformedTokens) {
  Account a = register_account(client(), "malformed");
  const std::string token = login(client(), a);
  for (const std::string& bad : {std::string("Bearer abc"), "Bearer " + token + "A",
                                 "Bearer " + token.substr(0, 42), "Bearer " + token.substr(0, 42) + "!",
                                 "Bearer " + token.substr(0, 42) + "=", "Bearer " + token + " " + token}) {
    Response res = get_me_with_authorization(bad);
    EXPECT_TRUE(is_problem(res, 401, "invalid_token")) << bad;
    EXPECT_EQ(res[http::field::www_authenticate], kInvalidTokenChallenge) << bad;
  }
}

TEST_F(CurrentUserTest, GetMeRejectsAWellFormedUnknownToken) {
  Response res = client().get("/v1/users/me", std::string(43, 'A'));
  EXPECT_TRUE(is_problem(res, 401, "invalid_token"));
  EXPECT_EQ(res[http::field::www_authenticate], kInvalidTokenChallenge);
}

class ProfileUpdateTest : public SharedServerTest {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    account_ = register_account(client(), "profile");
    token_ = login(client(), account_);
    Response me = client().get("/v1/users/me", token_);
    ASSERT_EQ(me.result_int(), 200u);
    before_ = body_object(me);
  }
  Response patch(const json::value& body) { return client().patch("/v1/users/me", body, token_); }
  json::object me() { return body_object(client().get("/v1/users/me", token_)); }

  Account account_;
  std::string token_;
  json::object before_;
};

TEST_F(ProfileUpdateTest, UpdateChangesTheNameWithoutAPassword) {
  Response res = patch({{"name", "  Ann Renamed "}});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  json::object after = body_object(res);
  EXPECT_TRUE(is_user(after));
  EXPECT_EQ(after["name"], "Ann Renamed");
  EXPECT_EQ(after["id"], before_["id"]);
  EXPECT_EQ(after["email"], before_["email"]);
  EXPECT_EQ(after["created_at"], before_["created_at"]);
  EXPECT_GE(*timestamp_ms(after["updated_at"].as_string()), *timestamp_ms(before_["updated_at"].as_string()));
  EXPECT_EQ(me(), after);
}

TEST_F(ProfileUpdateTest, UpdateWithAnEmptyObjectChangesNothing) {
  Response res = patch(json::object{});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(body_object(res), before_);

  // Without a body at all, too; and current_password alone is not a change either.
  Request req{http::verb::patch, "/v1/users/me", 11};
  req.set(http::field::authorization, "Bearer " + token_);
  res = client().send(std::move(req));
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(body_object(res), before_);
  res = patch({{"current_password", "wrong password"}});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(me(), before_);
}

TEST_F(ProfileUpdateTest, UpdateOfEmailOrPasswordRequiresTheCurrentPassword) {
  Response res = patch({{"email", unique_email("new")}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("current_password", "required")));

  res = patch({{"password", "a brand new password"}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("current_password", "required")));
  EXPECT_EQ(me(), before_);
}

TEST_F(ProfileUpdateTest, UpdateRejectsAWrongCurrentPasswordAndChangesNothing) {
  Response res = patch({{"email", unique_email("new")}, {"current_password", "not the password"}});
  EXPECT_TRUE(is_problem(res, 403, "invalid_password"));
  res = patch({{"name", "Changed"}, {"password", "a brand new password"}, {"current_password", "not the password"}});
  EXPECT_TRUE(is_problem(res, 403, "invalid_password"));
  EXPECT_EQ(me(), before_);
  EXPECT_FALSE(login(client(), account_).empty());
}

TEST_F(ProfileUpdateTest, UpdateReportsEveryBrokenRuleBeforeCheckingThePassword) {
  Response res = patch({{"name", ""}, {"email", "no-at-sign"}, {"password", "short"}, {"current_password", "wrong"}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("name", "required"), Pair("email", "invalid_email"),
                                                      Pair("password", "too_short")));
}

TEST_F(ProfileUpdateTest, UpdateRejectsTheAddressOfAnotherAccount) {
  Account other = register_account(client(), "other");
  std::string shouted = other.email;
  for (char& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const std::string& email : {other.email, shouted}) {
    Response res = patch({{"name", "Not Applied"}, {"email", email}, {"current_password", account_.password}});
    EXPECT_TRUE(is_problem(res, 409, "email_taken")) << email;
  }
  EXPECT_EQ(me(), before_) << "all changes are applied together or not at all";
}

TEST_F(ProfileUpdateTest, UpdateOfEmailMovesTheLoginToTheNewAddress) {
  const std::string new_email = unique_email("moved");
  Response res = patch({{"email", new_email}, {"current_password", account_.password}});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(text(body_object(res)["email"]), new_email);
  EXPECT_EQ(text(me()["email"]), new_email);

  EXPECT_FALSE(login(client(), new_email, account_.password).empty());
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", account_.email}, {"password", account_.password}}),
                         401, "invalid_credentials"));
  // The old address is free for someone else.
  Response taken = client().post("/v1/users", {{"name", "Bo"}, {"email", account_.email}, {"password", kPassword}});
  EXPECT_EQ(taken.result_int(), 201u) << describe(taken);
}

TEST_F(ProfileUpdateTest, UpdateOfPasswordRevokesEveryOtherSession) {
  const std::string other_session = login(client(), account_);
  ASSERT_EQ(client().get("/v1/users/me", other_session).result_int(), 200u);

  Response res = patch({{"password", "a brand new password"}, {"current_password", account_.password}});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);

  EXPECT_EQ(client().get("/v1/users/me", token_).result_int(), 200u) << "the token that made the change stays valid";
  Response revoked = client().get("/v1/users/me", other_session);
  EXPECT_TRUE(is_problem(revoked, 401, "invalid_token"));
  EXPECT_EQ(revoked[http::field::www_authenticate], kInvalidTokenChallenge);

  EXPECT_FALSE(login(client(), account_.email, "a brand new password").empty());
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", account_.email}, {"password", account_.password}}),
                         401, "invalid_credentials"));
}

TEST_F(ProfileUpdateTest, UpdateChecksTheTokenBeforeTheBody) {
  Request req{http::verb::patch, "/v1/users/me", 11};
  req.set(http::field::content_type, "application/json");
  req.body() = "{not json";
  // Direct: the contract proxy answers a missing token, and a body that is not JSON, itself.
  Response res = direct_client().send(req);
  EXPECT_TRUE(is_problem(res, 401, "invalid_token"));

  req.set(http::field::authorization, "Bearer " + token_);
  EXPECT_TRUE(is_problem(direct_client().send(req), 400, "malformed_request"));
}

TEST_F(ProfileUpdateTest, UpdateRejectsMembersOfTheWrongTypeAsMalformed) {
  EXPECT_TRUE(is_problem(patch({{"name", 5}}), 400, "malformed_request"));
  EXPECT_TRUE(is_problem(patch({{"name", nullptr}}), 400, "malformed_request"));
  EXPECT_TRUE(is_problem(patch({{"email", unique_email("x")}, {"current_password", 12345678}}), 400,
                         "malformed_request"));
  EXPECT_EQ(me(), before_);
}

TEST_F(ProfileUpdateTest, UpdateRejectsABodyThatIsNotJsonAsUnsupportedMediaType) {
  Request req{http::verb::patch, "/v1/users/me", 11};
  req.set(http::field::authorization, "Bearer " + token_);
  req.set(http::field::content_type, "text/plain");
  req.body() = R"({"name": "Plain"})";
  EXPECT_TRUE(is_problem(client().send(req), 415, "unsupported_media_type"));
  EXPECT_EQ(me(), before_);
}

class AccountDeletionTest : public SharedServerTest {};

TEST_F(AccountDeletionTest, DeleteRequiresThePassword) {
  Account a = register_account(client(), "delete-missing");
  const std::string token = login(client(), a);
  Response res = client().del("/v1/users/me", token, json::object{});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("password", "required")));
  res = client().del("/v1/users/me", token);  // no body at all reads as {}
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("password", "required")));
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
}

TEST_F(AccountDeletionTest, DeleteRejectsAWrongPassword) {
  Account a = register_account(client(), "delete-wrong");
  const std::string token = login(client(), a);
  EXPECT_TRUE(is_problem(client().del("/v1/users/me", token, json::object{{"password", "not the password"}}), 403,
                         "invalid_password"));
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
  EXPECT_FALSE(login(client(), a).empty());
}

TEST_F(AccountDeletionTest, DeleteRemovesTheAccountAndEveryOneOfItsSessions) {
  Account a = register_account(client(), "delete");
  const std::string first = login(client(), a);
  const std::string second = login(client(), a);

  Response res = client().del("/v1/users/me", first, json::object{{"password", a.password}});
  ASSERT_EQ(res.result_int(), 204u) << describe(res);
  EXPECT_TRUE(res.body().empty());

  for (const std::string& token : {first, second}) {
    Response me = client().get("/v1/users/me", token);
    EXPECT_TRUE(is_problem(me, 401, "invalid_token"));
    EXPECT_EQ(me[http::field::www_authenticate], kInvalidTokenChallenge);
  }
  EXPECT_TRUE(is_problem(client().post("/v1/sessions", {{"email", a.email}, {"password", a.password}}), 401,
                         "invalid_credentials"));

  // The address can register again, as a new account.
  Response again = client().post("/v1/users", {{"name", "Again"}, {"email", a.email}, {"password", kPassword}});
  ASSERT_EQ(again.result_int(), 201u) << describe(again);
  EXPECT_NE(text(body_object(again)["id"]), a.id);
}

TEST_F(AccountDeletionTest, DeleteRejectsAPasswordOfTheWrongTypeAsMalformed) {
  Account a = register_account(client(), "delete-type");
  const std::string token = login(client(), a);
  EXPECT_TRUE(is_problem(client().del("/v1/users/me", token, json::object{{"password", 12345678}}), 400,
                         "malformed_request"));
  EXPECT_TRUE(is_problem(client().del("/v1/users/me", token, json::array{a.password}), 400, "malformed_request"));
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
}

TEST_F(AccountDeletionTest, DeleteWithoutTokenIsChallenged) {
  // Direct: the contract proxy answers a missing token itself.
  Response res = direct_client().del("/v1/users/me", {}, json::object{{"password", kPassword}});
  EXPECT_TRUE(is_problem(res, 401, "invalid_token"));
  EXPECT_EQ(res[http::field::www_authenticate], kBearerChallenge);
}

}  // namespace
}  // namespace vestibule::e2e
