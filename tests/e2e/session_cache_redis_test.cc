// Two instances on one Redis with their session caches warm, while what keeps the caches exact
// is taken away: the tracking connections killed (CLIENT KILL), the data flushed (FLUSHALL).
// Neither may let a stale answer through. A private redis-server, since the test kills and
// flushes.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "api_helpers.h"
#include "server_process.h"
#include "support/exposition.h"
// Last: they declare vestibule::testing, which would hide ::testing in the headers above.
#include "support/command.h"
#include "support/redis_server.h"

namespace vestibule::e2e {
namespace {

using namespace std::chrono_literals;

class SessionCacheRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.start();
    ServerConfig config;
    config.store_args = {"--store", redis_.url(), "--redis-key-prefix", "shared:"};
    config.metrics = true;
    first_ = ServerProcess::start(config);
    second_ = ServerProcess::start(config);
    a_ = std::make_unique<HttpClient>(first_->port());
    b_ = std::make_unique<HttpClient>(second_->port());
  }

  std::string redis(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/redis-cli", "-p", std::to_string(redis_.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return vestibule::testing::command_output(argv);
  }

  // Kills the tracking connections (named vestibule-session-cache); how many there were.
  int kill_tracking() {
    std::istringstream list(redis({"CLIENT", "LIST"}));
    int killed = 0;
    for (std::string line; std::getline(list, line);) {
      if (line.find(" name=vestibule-session-cache ") == std::string::npos) continue;
      redis({"CLIENT", "KILL", "ID", line.substr(3, line.find(' ') - 3)});
      ++killed;
    }
    return killed;
  }

  double series(ServerProcess& server, const std::string& name) {
    Response res = HttpClient(server.metrics_port()).get("/metrics");
    EXPECT_EQ(res.result_int(), 200u);
    auto values = vestibule::testing::series_values(res.body());
    return values.contains(name) ? values.at(name) : 0;
  }

  // Both instances' caches answer from memory again: b's hit counter moves on a second check.
  void wait_until_b_answers_from_memory(const std::string& token) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    const std::string hits = "vestibule_session_cache_lookups_total{result=\"hit\"}";
    for (;;) {
      ASSERT_EQ(b_->get("/v1/users/me", token).result_int(), 200u);
      const double before = series(*second_, hits);
      ASSERT_EQ(b_->get("/v1/users/me", token).result_int(), 200u);
      if (series(*second_, hits) == before + 1) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "b's cache did not answer again within 10 s";
    }
  }

  vestibule::testing::RedisServer redis_;  // first, so that it is stopped after both instances
  std::unique_ptr<ServerProcess> first_;
  std::unique_ptr<ServerProcess> second_;
  std::unique_ptr<HttpClient> a_;
  std::unique_ptr<HttpClient> b_;
};

TEST_F(SessionCacheRedisTest, KillingTheTrackingConnectionsLetsNoStaleAnswerThrough) {
  const Account account = register_account(*a_, "killed");
  int stale = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string token = login(*a_, account);
    wait_until_b_answers_from_memory(token);
    ASSERT_EQ(kill_tracking(), 2) << "round " << i;
    // Until b's tracking connection is back nothing would tell it of this logout.
    ASSERT_EQ(a_->del("/v1/sessions/current", token).result_int(), 204u);
    if (b_->get("/v1/users/me", token).result_int() == 200u) ++stale;
  }
  EXPECT_EQ(stale, 0);
  EXPECT_GE(series(*second_, "vestibule_session_cache_resets_total"), 20);
  EXPECT_TRUE(second_->wait_for_log("invalidation connection lost", 1s));
}

TEST_F(SessionCacheRedisTest, AfterFlushallNoCachedSessionIsAnsweredAgain) {
  const Account account = register_account(*a_, "flushed");
  const std::string token = login(*a_, account);
  wait_until_b_answers_from_memory(token);
  const double resets = series(*second_, "vestibule_session_cache_resets_total");
  EXPECT_EQ(redis({"FLUSHALL"}), "OK");
  // The notice may reach b a few microseconds after FLUSHALL's reply (docs/redis.md); this
  // request comes milliseconds later (redis-cli's exit, then a new connection).
  Response me = b_->get("/v1/users/me", token);
  EXPECT_TRUE(is_problem(me, 401, "invalid_token")) << describe(me);
  EXPECT_EQ(series(*second_, "vestibule_session_cache_resets_total"), resets + 1);
}

}  // namespace
}  // namespace vestibule::e2e
