// RedisStore::connected() (through Store::connected()) follows the client's connection to a
// private redis-server of its own: down before the first command, up once one succeeded, down
// once a command failed after the server stopped, up again after it restarted and a command
// reconnected. Failed commands are the deterministic signal; no waiting on timers.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "store/redis/redis_store.h"
#include "support/redis_server.h"
#include "support/run_awaitable.h"

namespace vestibule::store {
namespace {

TEST(RedisConnection, IsReportedUpWhileTheServerAnswersAndDownOnceACommandFailed) {
  if (!testing::RedisServer::available()) GTEST_SKIP() << "needs redis-server (Debian: redis-server)";
  testing::RedisServer server;
  server.start();
  boost::asio::io_context io;  // outlives the store
  redis::RedisOptions options;
  options.client.port = std::to_string(server.port());
  options.client.reconnect_backoff = std::chrono::milliseconds(0);  // reconnect on the next command
  options.key_prefix = "connection:";
  auto store = std::make_unique<redis::RedisStore>(io.get_executor(), options);
  auto ping = [&] { return testing::run_awaitable(io, store->ping()); };

  EXPECT_EQ(store->connected(), false) << "lazy: no connection before the first command";
  ASSERT_TRUE(ping());
  EXPECT_EQ(store->connected(), true);

  server.stop();
  EXPECT_FALSE(ping());
  EXPECT_EQ(store->connected(), false);
  EXPECT_FALSE(ping()) << "still down: the reconnect is refused";
  EXPECT_EQ(store->connected(), false);

  server.start();  // same port
  ASSERT_TRUE(ping());
  EXPECT_EQ(store->connected(), true);
}

}  // namespace
}  // namespace vestibule::store
