// What vestibule does while Redis is down or hung, and that it recovers by itself: requests that
// need the store get 503 store_unavailable with Retry-After, promptly (no request hangs), /readyz
// says 503 while /healthz still says 200, and once Redis is back the service works again without
// a restart. Always runs against a private redis-server, whatever VESTIBULE_E2E_STORE says.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "api_helpers.h"
#include "server_process.h"
// Last: it declares vestibule::testing, which would hide ::testing in the headers above.
#include "support/redis_server.h"

namespace vestibule::e2e {
namespace {

// The server's Redis commands time out after 2 s and a reconnect is tried at most every 200 ms,
// so every answer during an outage must come well within this; a slower one throws.
constexpr std::chrono::seconds kRequestBound{5};
constexpr std::chrono::seconds kRecoveryBound{10};

::testing::AssertionResult is_store_unavailable(const Response& res) {
  auto problem = is_problem(res, 503, "store_unavailable");
  if (!problem) return problem;
  if (!std::regex_match(std::string(res[http::field::retry_after]), std::regex("[0-9]+"))) {
    return ::testing::AssertionFailure() << "no numeric Retry-After in:\n" << describe(res);
  }
  return ::testing::AssertionSuccess();
}

TEST(RedisOutageTest, RequestsGet503WhileRedisIsDownAndWorkAgainOnceItIsBack) {
  vestibule::testing::RedisServer redis;
  redis.start();
  ServerConfig config;
  config.store_args = {"--store", redis.url(), "--redis-key-prefix", "outage:"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port(), kRequestBound);
  const Account account = register_account(client, "outage");
  const std::string token = login(client, account);
  ASSERT_EQ(client.get("/readyz").result_int(), 200u);

  redis.stop();
  EXPECT_TRUE(is_store_unavailable(client.get("/v1/users/me", token)));
  EXPECT_TRUE(is_store_unavailable(client.post("/v1/sessions", {{"email", account.email}, {"password", account.password}})));
  EXPECT_TRUE(is_store_unavailable(
      client.post("/v1/users", {{"name", "Late"}, {"email", unique_email("outage")}, {"password", kPassword}})));
  EXPECT_TRUE(is_store_unavailable(client.get("/readyz")));
  EXPECT_EQ(client.get("/healthz").result_int(), 200u) << "the process itself is fine";

  // Back on the same port, empty (it keeps nothing on disk). The service finds it by itself.
  redis.start();
  const auto deadline = std::chrono::steady_clock::now() + kRecoveryBound;
  unsigned ready = 0;
  while ((ready = client.get("/readyz").result_int()) != 200u && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a real condition, bounded
  }
  ASSERT_EQ(ready, 200u) << "not ready again within " << kRecoveryBound.count() << " s of Redis coming back; log:\n"
                         << server->log();
  const Account again = register_account(client, "after-outage");
  const std::string new_token = login(client, again);
  ASSERT_FALSE(new_token.empty());
  EXPECT_EQ(client.get("/v1/users/me", new_token).result_int(), 200u);

  EXPECT_TRUE(server->running()) << server->exit_description();
  EXPECT_EQ(server->stop(), 0) << server->log();
}

TEST(RedisOutageTest, AHungRedisGets503WithinTheCommandTimeoutAndNothingIsMixedUpAfterwards) {
  vestibule::testing::RedisServer redis;
  redis.start();
  ServerConfig config;
  config.store_args = {"--store", redis.url(), "--redis-key-prefix", "hung:"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port(), kRequestBound);
  const Account account = register_account(client, "hung");
  const std::string token = login(client, account);

  // Connected, but no reply ever comes: only the server's command timeout ends the wait.
  redis.pause();
  EXPECT_TRUE(is_store_unavailable(client.get("/v1/users/me", token)));
  EXPECT_TRUE(is_store_unavailable(client.get("/readyz")));
  EXPECT_EQ(client.get("/healthz").result_int(), 200u);

  // The replies Redis still owes belong to the abandoned connection; none may be taken for the
  // answer to a later command, so the same data reads back correctly once it answers again.
  redis.resume();
  const auto deadline = std::chrono::steady_clock::now() + kRecoveryBound;
  unsigned ready = 0;
  while ((ready = client.get("/readyz").result_int()) != 200u && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a real condition, bounded
  }
  ASSERT_EQ(ready, 200u) << "log:\n" << server->log();
  Response me = client.get("/v1/users/me", token);
  ASSERT_EQ(me.result_int(), 200u) << describe(me);
  EXPECT_EQ(text(body_object(me)["id"]), account.id);
  EXPECT_EQ(text(body_object(me)["email"]), account.email);
  EXPECT_EQ(server->stop(), 0) << server->log();
}

}  // namespace
}  // namespace vestibule::e2e
