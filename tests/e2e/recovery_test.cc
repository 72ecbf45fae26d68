// The answers of the mailed flows that need no mailbox: the shapes of 202 Accepted, the
// validation of their bodies, link tokens refused with 400 (not 401), a fresh verification link,
// an address change under --email-verification optional, and the per-client limit of mail
// requests. The flows through delivered mail are in mail_flows_test.cc. In the contract run
// these answers pass through the validating proxy too (contract_proxy.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using testing::ElementsAre;
using testing::Pair;
using testing::UnorderedElementsAre;

// A 202 Accepted body: exactly {status: "accepted", message}.
testing::AssertionResult is_accepted(const Response& res) {
  if (res.result_int() != 202) return testing::AssertionFailure() << "expected 202 in:\n" << describe(res);
  if (res[http::field::content_type] != "application/json") return testing::AssertionFailure() << describe(res);
  json::object body = body_object(res);
  if (keys_of(body) != std::set<std::string>{"status", "message"} || body["status"] != "accepted" ||
      !body["message"].is_string()) {
    return testing::AssertionFailure() << "expected exactly {status: accepted, message} in:\n" << describe(res);
  }
  return has_standard_headers(res);
}

class RecoveryTest : public SharedServerTest {
 protected:
  Response confirm_reset(const json::value& token) {
    return client().post("/v1/password-resets/confirm", {{"token", token}, {"password", "a brand new passphrase"}});
  }
};

TEST_F(RecoveryTest, APasswordResetForAnUnknownAddressIsAcceptedLikeAnyOther) {
  const Account ann = register_account(client(), "known");
  Response known = client().post("/v1/password-resets", {{"email", ann.email}});
  Response unknown = client().post("/v1/password-resets", {{"email", unique_email("nobody")}});
  EXPECT_TRUE(is_accepted(known));
  EXPECT_TRUE(is_accepted(unknown));
  EXPECT_EQ(unknown.body(), known.body());
}

TEST_F(RecoveryTest, APasswordResetNeedsAValidAddress) {
  Response missing = client().post("/v1/password-resets", json::object{});
  EXPECT_TRUE(is_problem(missing, 422, "validation_failed"));
  EXPECT_THAT(field_errors(missing), ElementsAre(Pair("email", "required")));
  Response invalid = client().post("/v1/password-resets", {{"email", "no at-sign"}});
  EXPECT_TRUE(is_problem(invalid, 422, "validation_failed"));
  EXPECT_THAT(field_errors(invalid), ElementsAre(Pair("email", "invalid_email")));
  EXPECT_TRUE(is_problem(client().post("/v1/password-resets", {{"email", 42}}), 400, "malformed_request"));
}

TEST_F(RecoveryTest, AResetConfirmationReportsMissingFieldsAsRequired) {
  Response res = client().post("/v1/password-resets/confirm", json::object{});
  EXPECT_TRUE(is_problem(res, 422, "validation_failed"));
  EXPECT_THAT(field_errors(res), UnorderedElementsAre(Pair("token", "required"), Pair("password", "required")));
}

TEST_F(RecoveryTest, AResetConfirmationRefusesAMalformedOrUnknownTokenWith400) {
  for (const std::string& token : {std::string("abc"), std::string(43, 'A'), std::string(44, 'A')}) {
    Response res = confirm_reset(json::value(token));
    EXPECT_TRUE(is_problem(res, 400, "invalid_token")) << token;
    // A field of the body, not a bearer token: no challenge.
    EXPECT_EQ(res.count(http::field::www_authenticate), 0u) << token;
  }
  EXPECT_TRUE(is_problem(confirm_reset(json::value(7)), 400, "malformed_request"));
}

TEST_F(RecoveryTest, AnEmailVerificationRefusesAMissingMalformedOrUnknownToken) {
  Response missing = client().post("/v1/email-verifications", json::object{});
  EXPECT_TRUE(is_problem(missing, 422, "validation_failed"));
  EXPECT_THAT(field_errors(missing), ElementsAre(Pair("token", "required")));
  for (const std::string& token : {std::string("abc"), std::string(43, 'A')}) {
    Response res = client().post("/v1/email-verifications", {{"token", token}});
    EXPECT_TRUE(is_problem(res, 400, "invalid_token")) << token;
    EXPECT_EQ(res.count(http::field::www_authenticate), 0u) << token;
  }
}

TEST_F(RecoveryTest, ANewAccountIsUnverifiedAndGetsAFreshLinkOnRequest) {
  const Account ann = register_account(client(), "fresh");
  const std::string token = login(client(), ann);
  json::object me = body_object(client().get("/v1/users/me", token));
  EXPECT_TRUE(is_user(me));
  EXPECT_EQ(me["email_verified"], false);
  EXPECT_FALSE(me.contains("pending_email"));
  EXPECT_TRUE(is_accepted(client().request(http::verb::post, "/v1/users/me/email-verification", std::nullopt, token)));
}

TEST_F(RecoveryTest, AFreshLinkNeedsABearerToken) {
  // Direct: the contract proxy answers a missing token itself.
  Response res = direct_client().request(http::verb::post, "/v1/users/me/email-verification");
  EXPECT_TRUE(is_problem(res, 401, "invalid_token"));
  EXPECT_EQ(res[http::field::www_authenticate], kBearerChallenge);
}

TEST_F(RecoveryTest, AnAddressChangeAppliesAtOnceUnderOptionalVerification) {
  const Account ann = register_account(client(), "move");
  const std::string token = login(client(), ann);
  const std::string moved = unique_email("moved");
  Response res = client().patch("/v1/users/me", {{"email", moved}, {"current_password", ann.password}}, token);
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  json::object user = body_object(res);
  EXPECT_TRUE(is_user(user));
  EXPECT_EQ(text(user["email"]), moved);
  EXPECT_EQ(user["email_verified"], false);
  EXPECT_FALSE(user.contains("pending_email"));
}

TEST(RecoveryLimitTest, MailRequestsAreLimitedPerClientAddress) {
  ServerConfig config;
  config.extra_args = {"--mail-request-client-limit", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(is_accepted(client.post("/v1/password-resets", {{"email", unique_email("flood")}})));
  Response res = client.post("/v1/password-resets", {{"email", unique_email("flood")}});
  EXPECT_TRUE(is_problem(res, 429, "too_many_attempts"));
  EXPECT_FALSE(res[http::field::retry_after].empty()) << describe(res);
}

}  // namespace
}  // namespace vestibule::e2e
