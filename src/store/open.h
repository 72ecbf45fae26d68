// Builds the Store a `--store` URL names. The only place that knows every backend.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/redis/redis_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "util/worker_pool.h"

namespace vestibule::store {

// The defaults are the backends' own (SqliteOptions, RedisOptions), written there once.
struct OpenOptions {
  // Blocking backends (SQLite): worker threads and connections.
  std::size_t threads = sqlite::kDefaultThreads;
  // Network backends (Redis) run their I/O here: the server's io_context.
  boost::asio::any_io_executor executor;
  std::string redis_key_prefix = redis::kDefaultKeyPrefix;
  // SQLite: false acknowledges a commit before it reaches the disk (synchronous=OFF). Only for
  // bulk loads that are thrown away if interrupted, such as the benchmark's seeding; the server
  // always keeps the default.
  bool durable = true;  // as SqliteOptions: only bulk loads turn it off
  // SQLite: connections for point reads on the calling thread (one per network thread).
  std::size_t inline_readers = sqlite::kDefaultInlineReaders;
  // Re-keys accounts during migrations; opening data that needs re-keying fails without it.
  EmailKeyFunction email_key{};
  // Where the store reports failures and migrations; none: nothing is logged (never the global
  // default logger).
  std::shared_ptr<spdlog::logger> logger{};
};

// The file a `sqlite:PATH` store URL names (percent-decoded, as open_store reads it), or
// std::nullopt for any other URL.
std::optional<std::string> sqlite_path(std::string_view url);

// `sqlite:PATH` (relative or absolute; the directory is created), or
// `redis://[user:password@]HOST:PORT[/DB]`. `rediss://` (TLS) is reserved and refused for now.
boost::system::result<std::unique_ptr<Store>, OpenError> open_store(std::string_view url, const OpenOptions& options);

// The file descriptors the store `url` names, opened with `options`, holds at most (SQLite: two
// per connection, and its connections grow with threads and inline_readers; Redis: its socket,
// and one more while it reconnects). 0 for a URL open_store refuses.
std::size_t descriptors_needed(std::string_view url, const OpenOptions& options);

// The worker pool `store` runs its blocking calls on (SQLite's), for monitoring: queued() and
// active(); nullptr for a backend without one (Redis). Lives as long as the store. `store` must
// be the one open_store made, not a wrapper around it (store::instrument).
const util::WorkerPool* worker_pool(const Store& store);

}  // namespace vestibule::store
