// Builds a service's object graph from Settings, once, in dependency order: metrics (when on) -> store -> mail
// courier -> hashing pool -> hasher -> account and admin services -> handlers -> routers. Every subcommand that needs a part of it (serve today;
// admin, import and migrations next) builds it here instead of copying serve's wiring.
// Destroyed in reverse order. Thread-safe once built (each part is).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/result.hpp>
#include <memory>
#include <string>

#include "accounts/account_service.h"
#include "accounts/admin_service.h"
#include "accounts/backups.h"
#include "api/routes.h"
#include "app/logging.h"
#include "app/settings.h"
#include "http/descriptors.h"
#include "http/router.h"
#include "mail/courier.h"
#include "metrics/metrics.h"
#include "security/password_hasher.h"
#include "store/caching_store.h"
#include "store/store.h"
#include "util/worker_pool.h"

namespace vestibule::app {

// Why a part could not be built, said so an operator can act on it.
struct BuildError {
  std::string message;
};

// The file descriptors `settings` need with `connections` connections (every listener's limit,
// added up) on `listeners` listeners: what serve checks against RLIMIT_NOFILE before it opens
// anything. The store's share grows with --store-threads and --io-threads (SQLite: two per
// connection, and a reader connection per network thread), mail's with --mail-threads.
http::DescriptorBudget descriptor_budget(const Settings& settings, std::size_t connections, std::size_t listeners);

// The store `settings` names, its network I/O (Redis) on `executor`.
boost::system::result<std::unique_ptr<store::Store>, BuildError> open_store(const Settings& settings,
                                                                             boost::asio::any_io_executor executor,
                                                                             const Loggers& loggers);

class App {
 public:
  // `executor` runs the store's network I/O and the mail courier's loop, and must outlive the App.
  static boost::system::result<std::unique_ptr<App>, BuildError> build(
      const Settings& settings, boost::asio::io_context::executor_type executor, const Loggers& loggers);

  store::Store& store() { return *store_; }
  // The threads argon2id runs on: for metrics (queued(), active()) and for shutdown (drop_queued()).
  util::WorkerPool& hash_pool() { return *hash_pool_; }
  security::PasswordHasher& hasher() { return *hasher_; }
  // Delivers the outbox; serve starts it once the store is prepared and stops it on shutdown.
  mail::Courier& courier() { return *courier_; }
  accounts::AccountService& accounts() { return *accounts_; }
  const http::Router& router() const { return *router_; }
  // The admin listener's routes, or nullptr when Settings::admin_listen is empty.
  const http::Router* admin_router() const { return admin_router_.get(); }
  // The metrics every layer records into, or nullptr when Settings::metrics_listen is empty:
  // then nothing is recorded anywhere (each layer gets a null pointer to its area).
  metrics::Metrics* metrics() { return metrics_.get(); }
  // The metrics listener's routes (GET /metrics), or nullptr with metrics off.
  const http::Router* metrics_router() const { return metrics_router_.get(); }

  // After the store is prepared, before serving: when this start made the secrets key (SQLite,
  // no --secrets-key-file, no secrets.key beside the database), refuses to go on if the store
  // already holds sealed TOTP secrets, which a new key cannot open: the key was lost or left
  // behind (a database restored without it). The new key is removed again then. A scan of the
  // accounts, on that start only.
  boost::asio::awaitable<boost::system::result<void, BuildError>> check_new_secrets_key();

 private:
  App() = default;
  // The secrets key this start made ("": none made).
  std::string created_secrets_key_;

  // Destroyed bottom-up: router, handlers, account service (the only caller of the hasher and
  // of the courier's nudge), then
  // the hash pool, whose destructor runs the jobs still queued and joins its threads, then the
  // hasher, then the courier, then the store. The pool is built before the hasher but declared after it for that
  // order, the one it had as the hasher's last member: no pool thread is still running once the
  // hasher is gone. (The hasher's jobs copy what they use, so that is not needed today, but it
  // keeps a future job that reaches into the hasher safe.) And the pool joins only once nothing
  // can post to it any more.
  // First, so destroyed last: every part below may hold a pointer to its area.
  std::unique_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<store::Store> store_;
  store::CachingStore* session_cache_ = nullptr;  // store_ itself, when the cache is on
  // After the store (it claims from it), before the account service (which nudges it).
  std::unique_ptr<mail::Courier> courier_;
  std::unique_ptr<security::PasswordHasher> hasher_;
  std::unique_ptr<util::WorkerPool> hash_pool_;
  std::unique_ptr<accounts::AccountService> accounts_;
  std::unique_ptr<accounts::AdminService> admin_;
  std::unique_ptr<accounts::Backups> backups_;
  std::unique_ptr<api::Handlers> handlers_;
  std::unique_ptr<api::AdminHandler> admin_handler_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Router> admin_router_;
  std::unique_ptr<http::Router> metrics_router_;
};

}  // namespace vestibule::app
