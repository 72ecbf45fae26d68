// A fixture for the Redis store's own tests: a fresh key prefix on the suite's private
// redis-server, a store opened on it as main opens one (open(); prepare() is the test's to call),
// raw commands under the prefix to lay out or inspect data as a release wrote it, and the
// store's log. Everything runs on the fixture's io_context on the test's thread.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "shared_redis.h"
#include "store/open.h"
#include "store/redis/redis_client.h"
#include "store/store.h"
#include "support/run_awaitable.h"
#include "test_email_key.h"

namespace vestibule::store {

// 2100-01-01T00:00:00.123Z, as in the contract suite: far ahead, so Redis TTLs never end a test's
// data. Not inline: one per test file, apart from contract_fixture.h's.
constexpr TimePoint kT0{std::chrono::milliseconds(4'102'444'800'123)};

class RedisStoreTest : public ::testing::Test {
 protected:
  RedisStoreTest() : prefix_(fresh_redis_prefix("data")) {
    log_ = std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    redis::ClientOptions client;
    client.port = std::to_string(shared_redis().port());
    raw_ = std::make_shared<redis::RedisClient>(io_.get_executor(), client);
  }
  ~RedisStoreTest() override { raw_->close(); }

  template <typename T>
  T run(Task<T> task) {
    return testing::run_awaitable(io_, std::move(task));
  }

  // One raw command under this test's prefix ("P" in a key is replaced by it).
  redis::Reply raw(std::vector<std::string> args) {
    for (auto& a : args) {
      if (a.starts_with("P:")) a = prefix_ + a.substr(2);
    }
    Result<redis::Reply> reply = run(raw_->command(std::move(args)));
    if (!reply) throw std::runtime_error("redis did not answer");
    if (reply->is_error()) throw std::runtime_error(reply->str);
    return *reply;
  }

  std::unique_ptr<Store> open() {
    OpenOptions options;
    options.executor = io_.get_executor();
    options.redis_key_prefix = prefix_;
    options.email_key = test_email_key;
    options.logger = log_;
    return open_store(shared_redis().url(), options).value();
  }

  std::string logged() {
    log_->flush();
    return log_text_.str();
  }

  boost::asio::io_context io_;  // first: outlives the clients that use it
  std::string prefix_;

 private:
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<redis::RedisClient> raw_;
};

inline std::string ms(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

}  // namespace vestibule::store
