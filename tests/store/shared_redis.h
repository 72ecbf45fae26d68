// One private redis-server for the whole store test binary (started on first use, on a free
// loopback port, empty and without persistence); each test uses a fresh key prefix on it, which
// is how deployments share a server too. Throws if redis-server is not installed.
#pragma once

#include <string>

#include "support/redis_server.h"

namespace vestibule::store {

testing::RedisServer& shared_redis();

// A key prefix no other test in this process uses, e.g. "contract-3:".
std::string fresh_redis_prefix(const std::string& name);

}  // namespace vestibule::store
