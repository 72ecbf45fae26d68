// Throttling of password guessing and registrations (NIST SP 800-63B 5.2.2, OWASP ASVS 2.2.1):
// past a limit the answer is 429 too_many_attempts with Retry-After, before any hash is spent.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "http_client.h"
#include "parallel_clients.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

// A login or registration sent as if from `client` through a trusted proxy.
Response post_from(HttpClient& c, std::string_view client, std::string_view target, const boost::json::object& body) {
  Request req{http::verb::post, target, 11};
  req.set(http::field::content_type, "application/json");
  req.set("X-Forwarded-For", "198.51.100.250, " + std::string(client));  // the proxy appends the last entry
  req.body() = boost::json::serialize(body);
  return c.send(std::move(req));
}

testing::AssertionResult is_throttled(const Response& res) {
  auto problem = is_problem(res, 429, "too_many_attempts");
  if (!problem) return problem;
  const std::string retry(res[http::field::retry_after]);
  if (retry.empty() || std::stol(retry) < 1) return testing::AssertionFailure() << "Retry-After: '" << retry << "'";
  return testing::AssertionSuccess();
}

TEST(ThrottlingTest, TheEleventhFailedLoginOfAnAccountIsRefusedEvenWithTheRightPassword) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  const Account account = register_account(client, "guessed");
  for (int i = 0; i < 10; ++i) {
    Response res = client.post("/v1/sessions", {{"email", account.email}, {"password", "wrong guess " + std::to_string(i)}});
    ASSERT_TRUE(is_problem(res, 401, "invalid_credentials")) << "failure " << i << ": " << describe(res);
  }
  Response wrong = client.post("/v1/sessions", {{"email", account.email}, {"password", "wrong guess 10"}});
  EXPECT_TRUE(is_throttled(wrong)) << describe(wrong);
  Response right = client.post("/v1/sessions", {{"email", account.email}, {"password", account.password}});
  EXPECT_TRUE(is_throttled(right)) << describe(right);
  // The rest of the 15-minute window the first failure opened, a few seconds ago at most.
  const long retry_after = std::stol(std::string(right[http::field::retry_after]));
  EXPECT_LE(retry_after, 900);
  EXPECT_GE(retry_after, 880);
  // Another account is not affected.
  const Account other = register_account(client, "bystander");
  EXPECT_FALSE(login(client, other).empty());
}

TEST(ThrottlingTest, AParallelBurstOfGuessesCannotOvershootTheAccountLimit) {
  ServerConfig config;
  config.extra_args = {"--login-account-limit", "3"};
  auto server = ServerProcess::start(config);
  HttpClient setup(server->port());
  const Account account = register_account(setup, "burst");
  constexpr int kGuesses = 20;
  std::vector<unsigned> statuses(kGuesses);
  std::vector<std::string> errors = run_together(server->port(), kGuesses, [&](int i, HttpClient& c) {
    statuses[i] = c.post("/v1/sessions", {{"email", account.email}, {"password", "burst guess " + std::to_string(i)}})
                      .result_int();
  });
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 401u), 3) << "exactly the limit got a verdict";
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429u), kGuesses - 3);
}

TEST(ThrottlingTest, OnlyTheLastForwardedForFieldIsBelievedBehindATrustedProxy) {
  ServerConfig config;
  config.extra_args = {"--trust-proxy", "--login-client-limit", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  // The client sends its own X-Forwarded-For line; the proxy appends another with the real
  // address. Varying the client's line must not escape the real address's limit.
  auto guess = [&](int i) {
    Request req{http::verb::post, "/v1/sessions", 11};
    req.set(http::field::content_type, "application/json");
    req.insert("X-Forwarded-For", "192.0.2." + std::to_string(i));
    req.insert("X-Forwarded-For", "203.0.113.50");
    req.body() = boost::json::serialize(boost::json::object{{"email", unique_email("xff")}, {"password", "xff guess"}});
    return client.send(std::move(req));
  };
  EXPECT_TRUE(is_problem(guess(1), 401, "invalid_credentials"));
  EXPECT_TRUE(is_problem(guess(2), 401, "invalid_credentials"));
  EXPECT_TRUE(is_throttled(guess(3)));
}

TEST(ThrottlingTest, ASuccessfulLoginResetsTheAccountsCount) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  const Account account = register_account(client, "forgetful");
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 9; ++i) {
      Response res = client.post("/v1/sessions", {{"email", account.email}, {"password", "not it " + std::to_string(i)}});
      ASSERT_TRUE(is_problem(res, 401, "invalid_credentials")) << "round " << round << ", failure " << i;
    }
    EXPECT_FALSE(login(client, account).empty()) << "round " << round;
  }
}

TEST(ThrottlingTest, UnknownAddressesAreThrottledLikeKnownOnes) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  const std::string nobody = unique_email("nobody");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(is_problem(client.post("/v1/sessions", {{"email", nobody}, {"password", "whatever guess"}}), 401,
                           "invalid_credentials"));
  }
  EXPECT_TRUE(is_throttled(client.post("/v1/sessions", {{"email", nobody}, {"password", "whatever guess"}})));
}

TEST(ThrottlingTest, FailedLoginsAreLimitedPerClientAddressBehindATrustedProxy) {
  ServerConfig config;
  config.extra_args = {"--trust-proxy", "--login-client-limit", "3"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  // Different accounts, one client: the per-account limit is never reached.
  for (int i = 0; i < 3; ++i) {
    Response res = post_from(client, "203.0.113.7", "/v1/sessions",
                             {{"email", unique_email("spray")}, {"password", "spray guess"}});
    ASSERT_TRUE(is_problem(res, 401, "invalid_credentials")) << describe(res);
  }
  Response blocked = post_from(client, "203.0.113.7", "/v1/sessions", {{"email", unique_email("spray")}, {"password", "spray guess"}});
  EXPECT_TRUE(is_throttled(blocked)) << describe(blocked);
  Response other = post_from(client, "203.0.113.8", "/v1/sessions", {{"email", unique_email("spray")}, {"password", "spray guess"}});
  EXPECT_TRUE(is_problem(other, 401, "invalid_credentials")) << "another client is not affected: " << describe(other);
}

TEST(ThrottlingTest, WithoutTrustProxyAForgedForwardedForDoesNotEscapeTheLimit) {
  ServerConfig config;
  config.extra_args = {"--login-client-limit", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(is_problem(post_from(client, "192.0.2." + std::to_string(i), "/v1/sessions",
                                     {{"email", unique_email("forger")}, {"password", "forged guess"}}),
                           401, "invalid_credentials"));
  }
  EXPECT_TRUE(is_throttled(post_from(client, "192.0.2.99", "/v1/sessions",
                                     {{"email", unique_email("forger")}, {"password", "forged guess"}})));
}

// A PATCH or DELETE of /v1/users/me with a bearer token, as if from `client` through a proxy.
Response me_from(HttpClient& c, std::string_view client, http::verb method, std::string_view token,
                 const boost::json::object& body) {
  Request req{method, "/v1/users/me", 11};
  req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer " + std::string(token));
  req.set("X-Forwarded-For", std::string(client));
  req.body() = boost::json::serialize(body);
  return c.send(std::move(req));
}

TEST(ThrottlingTest, FailedReauthenticationsCountTowardTheAccountsLoginLimit) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  const Account account = register_account(client, "stolen-token");
  const std::string token = login(client, account);
  // A stolen token gives no more guesses than the login form: 10 in all, PATCH and DELETE alike.
  for (int i = 0; i < 5; ++i) {
    Response patched = client.patch("/v1/users/me", {{"email", unique_email("moved")}, {"current_password", "guess " + std::to_string(i)}}, token);
    ASSERT_TRUE(is_problem(patched, 403, "invalid_password")) << i << ": " << describe(patched);
    Response deleted = client.del("/v1/users/me", token, boost::json::object{{"password", "guess " + std::to_string(i)}});
    ASSERT_TRUE(is_problem(deleted, 403, "invalid_password")) << i << ": " << describe(deleted);
  }
  Response patched = client.patch("/v1/users/me", {{"password", "a brand new password"}, {"current_password", account.password}}, token);
  EXPECT_TRUE(is_throttled(patched)) << describe(patched);
  Response deleted = client.del("/v1/users/me", token, boost::json::object{{"password", account.password}});
  EXPECT_TRUE(is_throttled(deleted)) << describe(deleted);
  Response logged_in = client.post("/v1/sessions", {{"email", account.email}, {"password", account.password}});
  EXPECT_TRUE(is_throttled(logged_in)) << "the same count as failed logins: " << describe(logged_in);
  EXPECT_EQ(client.get("/v1/users/me", token).result_int(), 200u) << "nothing was changed or deleted";
}

TEST(ThrottlingTest, FailedReauthenticationsAreLimitedPerClientAddress) {
  ServerConfig config;
  config.extra_args = {"--trust-proxy", "--login-client-limit", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  const Account account = register_account(client, "reauth-client");
  const std::string token = login(client, account);
  for (int i = 0; i < 2; ++i) {
    Response res = me_from(client, "203.0.113.60", http::verb::patch, token,
                           {{"password", "a brand new password"}, {"current_password", "wrong guess"}});
    ASSERT_TRUE(is_problem(res, 403, "invalid_password")) << describe(res);
  }
  Response refused = me_from(client, "203.0.113.60", http::verb::delete_, token, {{"password", account.password}});
  EXPECT_TRUE(is_throttled(refused)) << describe(refused);
  Response elsewhere = me_from(client, "203.0.113.61", http::verb::patch, token, {{"name", "Still Here"}});
  EXPECT_EQ(elsewhere.result_int(), 200u) << "no password, no throttle: " << describe(elsewhere);
}

TEST(ThrottlingTest, AClientOverItsLimitCannotLockOutTheAccountsItNames) {
  ServerConfig config;
  config.extra_args = {"--trust-proxy", "--login-client-limit", "2", "--login-account-limit", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  const Account victim = register_account(client, "victim");
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(is_problem(post_from(client, "203.0.113.70", "/v1/sessions", {{"email", unique_email("x")}, {"password", "spray guess"}}),
                           401, "invalid_credentials"));
  }
  // The client is over its limit: its guesses at the victim are refused without counting there.
  for (int i = 0; i < 5; ++i) {
    Response res = post_from(client, "203.0.113.70", "/v1/sessions", {{"email", victim.email}, {"password", "spray guess"}});
    ASSERT_TRUE(is_throttled(res)) << i << ": " << describe(res);
  }
  // So the victim's budget is intact: one failure (of two) and then the right password.
  EXPECT_TRUE(is_problem(post_from(client, "198.51.100.71", "/v1/sessions", {{"email", victim.email}, {"password", "typo"}}),
                         401, "invalid_credentials"));
  Response own = post_from(client, "198.51.100.71", "/v1/sessions", {{"email", victim.email}, {"password", victim.password}});
  EXPECT_EQ(own.result_int(), 201u) << describe(own);
}

TEST(ThrottlingTest, RegistrationsAreLimitedPerClientAddress) {
  ServerConfig config;
  config.extra_args = {"--trust-proxy", "--register-client-limit", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  auto registration = [](std::string_view tag) {
    return boost::json::object{{"name", "Office"}, {"email", unique_email(tag)}, {"password", kPassword}};
  };
  EXPECT_EQ(post_from(client, "198.51.100.1", "/v1/users", registration("office")).result_int(), 201u);
  EXPECT_EQ(post_from(client, "198.51.100.1", "/v1/users", registration("office")).result_int(), 201u);
  EXPECT_TRUE(is_throttled(post_from(client, "198.51.100.1", "/v1/users", registration("office"))));
  EXPECT_EQ(post_from(client, "198.51.100.2", "/v1/users", registration("office")).result_int(), 201u);
}

}  // namespace
}  // namespace vestibule::e2e
