#include "store_under_test.h"

#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "support/redis_server.h"

namespace vestibule::e2e {
namespace {

// Started on first use and stopped when the test process exits. If it cannot start, the next
// call tries again (and fails the same way, in the test that made it).
vestibule::testing::RedisServer& shared_redis() {
  struct Started {
    Started() { server.start(); }
    vestibule::testing::RedisServer server;
  };
  static Started started;
  return started.server;
}

}  // namespace

StoreKind store_under_test() {
  // Read here rather than once at startup: the suite's only configuration is which store, and
  // the test binary has no main of its own (gtest_main).
  const char* value = std::getenv("VESTIBULE_E2E_STORE");
  const std::string_view kind = value == nullptr ? "" : value;
  if (kind.empty() || kind == "sqlite") return StoreKind::sqlite;
  if (kind == "redis") return StoreKind::redis;
  throw std::runtime_error("VESTIBULE_E2E_STORE must be 'sqlite' or 'redis', not '" + std::string(kind) + "'");
}

std::vector<std::string> store_args(const std::filesystem::path& data_dir) {
  if (store_under_test() == StoreKind::sqlite) return {"--store", "sqlite:" + (data_dir / "v.db").string()};
  // The data dir's path is unique among live temp dirs (mkdtemp), and the same on a restart.
  return {"--store", shared_redis().url(0), "--redis-key-prefix", "e2e:" + data_dir.string() + ":"};
}

}  // namespace vestibule::e2e
