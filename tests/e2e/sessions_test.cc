// Logging out (DELETE /v1/sessions/current), logging out everywhere (DELETE /v1/sessions) and
// token expiry.
#include <gtest/gtest.h>

#include <thread>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

testing::AssertionResult is_revoked(const Response& res) {
  testing::AssertionResult problem = is_problem(res, 401, "invalid_token");
  if (!problem) return problem;
  if (res[http::field::www_authenticate] != kInvalidTokenChallenge) {
    return testing::AssertionFailure() << "expected the invalid_token challenge in:\n" << describe(res);
  }
  return testing::AssertionSuccess();
}

class SessionsTest : public SharedServerTest {};

TEST_F(SessionsTest, LogoutRevokesOnlyTheCurrentSession) {
  Account a = register_account(client(), "logout");
  const std::string current = login(client(), a);
  const std::string other = login(client(), a);

  Response res = client().del("/v1/sessions/current", current);
  ASSERT_EQ(res.result_int(), 204u) << describe(res);
  EXPECT_TRUE(res.body().empty());

  EXPECT_TRUE(is_revoked(client().get("/v1/users/me", current)));
  EXPECT_EQ(client().get("/v1/users/me", other).result_int(), 200u);
  EXPECT_TRUE(is_revoked(client().del("/v1/sessions/current", current))) << "a revoked token cannot log out again";
}

TEST_F(SessionsTest, LogoutEverywhereRevokesEverySessionOfTheCallerOnly) {
  Account a = register_account(client(), "everywhere");
  Account b = register_account(client(), "bystander");
  const std::string a1 = login(client(), a);
  const std::string a2 = login(client(), a);
  const std::string b1 = login(client(), b);

  Response res = client().del("/v1/sessions", a2);
  ASSERT_EQ(res.result_int(), 204u) << describe(res);
  EXPECT_TRUE(res.body().empty());

  EXPECT_TRUE(is_revoked(client().get("/v1/users/me", a1)));
  EXPECT_TRUE(is_revoked(client().get("/v1/users/me", a2)));
  EXPECT_EQ(client().get("/v1/users/me", b1).result_int(), 200u);

  // Logging out is not locking out: a new login works.
  const std::string fresh = login(client(), a);
  EXPECT_EQ(client().get("/v1/users/me", fresh).result_int(), 200u);
}

TEST_F(SessionsTest, LogoutWithoutTokenIsChallenged) {
  for (std::string_view target : {"/v1/sessions/current", "/v1/sessions"}) {
    // Direct: the contract proxy answers a missing token itself.
    Response res = direct_client().del(target);
    EXPECT_TRUE(is_problem(res, 401, "invalid_token")) << target;
    EXPECT_EQ(res[http::field::www_authenticate], kBearerChallenge) << target;
  }
}

TEST_F(SessionsTest, LogoutRejectsAnUnknownToken) {
  EXPECT_TRUE(is_revoked(client().del("/v1/sessions/current", std::string(43, 'A'))));
  EXPECT_TRUE(is_revoked(client().del("/v1/sessions", std::string(43, 'A'))));
}

TEST(TokenExpiryTest, ATokenIsRejectedOnceItsLifetimeHasPassed) {
  ServerConfig config;
  config.extra_args = {"--token-ttl", "1"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  Account a = register_account(client, "expiry");
  Response login_res = client.post("/v1/sessions", {{"email", a.email}, {"password", a.password}});
  ASSERT_EQ(login_res.result_int(), 201u) << describe(login_res);
  boost::json::object session = body_object(login_res);
  EXPECT_EQ(session["expires_in"], 1);
  const std::string token(session["token"].as_string());

  Response res = client.get("/v1/users/me", token);
  ASSERT_EQ(res.result_int(), 200u) << "the token must work before it expires: " << describe(res);

  // Polls a real condition (the token's expiry, 1 s after issue), bounded in time and count.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int polls = 0; res.result_int() == 200u && polls < 100 && std::chrono::steady_clock::now() < deadline; ++polls) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    res = client.get("/v1/users/me", token);
  }
  EXPECT_TRUE(is_revoked(res)) << "still accepted 5 s after a 1 s lifetime";
  EXPECT_TRUE(is_revoked(client.del("/v1/sessions/current", token)));
}

}  // namespace
}  // namespace vestibule::e2e
