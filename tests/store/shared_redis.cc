#include "shared_redis.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

namespace vestibule::store {

testing::RedisServer& shared_redis() {
  static testing::RedisServer server = [] {
    if (!testing::RedisServer::available()) throw std::runtime_error("redis-server is not installed");
    return testing::RedisServer{};
  }();
  static std::once_flag started;
  std::call_once(started, [] { server.start(); });
  return server;
}

std::string fresh_redis_prefix(const std::string& name) {
  static std::atomic<int> next{0};
  return name + "-" + std::to_string(next++) + ":";
}

}  // namespace vestibule::store
