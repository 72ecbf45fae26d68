#include "store/open.h"

#include <boost/url/parse.hpp>

#include "store/redis/redis_store.h"
#include "store/sqlite/sqlite_store.h"

#include <charconv>

namespace vestibule::store {

std::optional<std::string> sqlite_path(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "sqlite" || parsed->has_authority()) return std::nullopt;
  std::string path = parsed->path();  // percent-decoded
  if (path.empty()) return std::nullopt;
  return path;
}

std::size_t descriptors_needed(std::string_view url, const OpenOptions& options) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return 0;
  if (parsed->scheme() == "sqlite") {
    sqlite::SqliteOptions sized;
    sized.threads = options.threads;
    sized.inline_readers = options.inline_readers;
    return sqlite::SqliteStore::descriptors(sized);
  }
  if (parsed->scheme() == "redis") return 2;  // the connection, and its successor while reconnecting
  return 0;
}

const util::WorkerPool* worker_pool(const Store& store) {
  if (const auto* s = dynamic_cast<const sqlite::SqliteStore*>(&store)) return &s->pool();
  return nullptr;
}

boost::system::result<std::unique_ptr<Store>, OpenError> open_store(std::string_view url, const OpenOptions& options) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return OpenError{"--store must be a URL such as sqlite:data/vestibule.db"};
  if (parsed->scheme() == "sqlite") {
    std::string path = parsed->path();  // percent-decoded
    if (path.empty() || parsed->has_authority()) {
      return OpenError{"--store sqlite:PATH needs a file path, e.g. sqlite:data/vestibule.db"};
    }
    auto opened = sqlite::SqliteStore::open(sqlite::SqliteOptions{.path = path,
                                                                   .threads = options.threads,
                                                                   .durable = options.durable,
                                                                   .inline_readers = options.inline_readers,
                                                                   .email_key = options.email_key,
                                                                   .logger = options.logger});
    if (!opened) return std::move(opened).error();
    return std::unique_ptr<Store>(std::move(*opened));
  }
  if (parsed->scheme() == "redis") {
    if (!options.executor) return OpenError{"internal: the Redis store needs an executor"};
    if (parsed->host().empty()) return OpenError{"--store redis://HOST:PORT[/DB] needs a host"};
    redis::RedisOptions ro;
    ro.key_prefix = options.redis_key_prefix;
    ro.email_key = options.email_key;
    ro.logger = options.logger;
    ro.client.host = parsed->host();  // percent-decoded; brackets of IPv6 literals removed below
    if (ro.client.host.size() > 2 && ro.client.host.front() == '[') ro.client.host = ro.client.host.substr(1, ro.client.host.size() - 2);
    ro.client.port = parsed->has_port() ? std::string(parsed->port()) : "6379";
    if (parsed->has_userinfo()) {
      ro.client.user = parsed->user();
      ro.client.password = parsed->password();
      if (!parsed->has_password()) {  // redis://password@host, as redis-cli accepts
        ro.client.password = ro.client.user;
        ro.client.user.clear();
      }
    }
    std::string db = parsed->path();
    if (!db.empty() && db.front() == '/') db.erase(0, 1);
    if (!db.empty()) {
      int n = -1;
      auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
      if (ec != std::errc() || end != db.data() + db.size() || n < 0) {
        return OpenError{"--store redis://HOST:PORT/DB needs a numeric database index"};
      }
      ro.client.db = n;
    }
    return std::unique_ptr<Store>(std::make_unique<redis::RedisStore>(options.executor, std::move(ro)));
  }
  if (parsed->scheme() == "rediss") return OpenError{"rediss:// (Redis over TLS) is not supported yet"};
  return OpenError{"unsupported --store scheme '" + std::string(parsed->scheme()) + "' (supported: sqlite, redis)"};
}

}  // namespace vestibule::store
