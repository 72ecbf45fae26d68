// The Redis data's version and history. `<prefix>schema_version` holds the layout version of a
// keyspace (docs/redis.md): an empty keyspace gets the current one on first use; older data is
// upgraded in place, one numbered migration at a time (migration N brings version N-1 to N,
// and the version key moves on after each); newer data is refused. A keyspace with keys but no
// version key was written by the first release: version 1. Run once per process, before
// serving (Store::prepare); every instance on one keyspace should be stopped while an upgrade
// runs. Not thread-safe: one run at a time.
#pragma once

#include <boost/system/result.hpp>
#include <string>

#include "store/redis/redis_client.h"
#include "store/store.h"

namespace vestibule::store::redis {

// The data version this binary reads and writes.
inline constexpr int kDataVersion = 5;

// Checks and upgrades the keyspace under `prefix`. OpenError when Redis cannot be reached, the
// version key is not a number, or the data is newer ("incompatible schema: ..."). `now` stands
// in for times older data did not keep (version 4: when a session was created). All references
// must outlive the task.
Task<boost::system::result<void, OpenError>> prepare_data(RedisClient& client, const std::string& prefix,
                                                          const EmailKeyFunction& email_key, spdlog::logger& log,
                                                          TimePoint now);

// `text` with Redis glob characters escaped, for SCAN MATCH.
std::string glob_escape(std::string_view text);

}  // namespace vestibule::store::redis
