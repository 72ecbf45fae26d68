// The embedded store: one SQLite database file in WAL mode, held exclusively by this process.
// Changes run on the store's own worker threads (each borrowing one of a small set of
// connections), so commit waits never block the network threads; every change is one
// transaction, durable before it is acknowledged (synchronous=FULL; OFF only for bulk loads),
// and the effects of a change (its flow token, its mail: flow_tokens.h, outbox.h) are written in
// that same transaction.
// Point reads run on the calling thread with reader connections that do not wait for locks
// (read()); a read that misses the OS page cache does its disk I/O there. Opening checks the
// file and migrates its schema (migrations.h); ping() has a connection of its own, so readiness
// never waits behind queued changes. Thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/worker_pool.h"

struct sqlite3;

namespace vestibule::store::sqlite {

// SqliteOptions' defaults, named so that OpenOptions can refer to them (a temporary
// SqliteOptions{} in a default member initializer trips g++ 12's -Wmaybe-uninitialized).
inline constexpr std::size_t kDefaultThreads = 2;
inline constexpr std::size_t kDefaultInlineReaders = 2;

struct SqliteOptions {
  std::string path;         // database file; its directory is created if missing
  std::size_t threads = kDefaultThreads;  // worker threads = connections
  std::size_t max_queued = 4096;
  int busy_timeout_ms = 5000;  // how long a writer waits for the write lock before "unavailable"
  bool durable = true;         // false: synchronous=OFF, for bulk loads only (store/open.h)
  // Connections for point reads run on the calling (network) thread, one per network thread;
  // 0 sends reads to the pool.
  std::size_t inline_readers = kDefaultInlineReaders;
  EmailKeyFunction email_key{};               // for migrations that re-key accounts (store.h)
  std::shared_ptr<spdlog::logger> logger{};  // none: nothing is logged
};

class Connection;

class SqliteStore final : public Store {
 public:
  static boost::system::result<std::unique_ptr<SqliteStore>, OpenError> open(SqliteOptions options);
  // The file descriptors a store opened with `options` holds at most: the database file and its
  // WAL for each connection (the workers', the inline readers', ping's), the shared-memory index
  // once, and a few for a while (an online backup's target and its journal, a temporary file of
  // a large sort).
  static std::size_t descriptors(const SqliteOptions& options);
  ~SqliteStore() override;

  Task<Result<void>> create_account(Account account, Effects effects) override;
  Task<Result<Account>> find_account_by_email(std::string email_key) override;
  Task<Result<Account>> find_account(std::string account_id) override;
  Task<Result<std::vector<Account>>> list_accounts(std::string after_id, std::size_t limit) override;
  Task<Result<SessionAccount>> find_session(std::string token_digest, TimePoint now) override;
  Task<Result<void>> touch_session(std::string token_digest, TimePoint at) override;
  Task<Result<std::vector<Session>>> list_sessions(std::string account_id, TimePoint now) override;
  Task<Result<void>> delete_session_by_id(std::string account_id, std::string session_id, TimePoint now) override;
  Task<Result<Account>> update_account(std::string account_id, AccountChanges changes) override;
  Task<Result<void>> delete_account(std::string account_id) override;
  Task<Result<void>> create_session(Session session) override;
  Task<Result<void>> delete_session(std::string token_digest) override;
  Task<Result<void>> delete_sessions(std::string account_id) override;
  Task<Result<std::size_t>> purge_expired_sessions(TimePoint now) override;
  Task<Result<Attempts>> add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) override;
  Task<Result<Attempts>> attempts(std::string key, TimePoint now) override;
  Task<Result<void>> clear_attempts(std::string key) override;
  Task<Result<void>> add_effects(std::string account_id, Effects effects) override;
  Task<Result<TokenHolder>> find_token(std::string token_digest, TokenPurpose purpose, TimePoint now) override;
  Task<Result<Account>> redeem_token(std::string token_digest, TokenPurpose purpose, TimePoint now,
                                     AccountChanges changes) override;
  Task<Result<std::vector<OutboxMessage>>> claim_mail(TimePoint now, std::chrono::milliseconds lease, std::size_t limit,
                                                     std::string claim) override;
  Task<Result<bool>> complete_mail(std::string message_id, std::string claim) override;
  Task<Result<bool>> retry_mail(std::string message_id, std::string claim, TimePoint due) override;
  Task<Result<bool>> fail_mail(std::string message_id, std::string claim, TimePoint keep_until) override;
  Task<Result<OutboxStats>> outbox_stats() override;
  Task<Result<void>> ping() override;
  bool supports_backup() const override { return true; }
  // On a worker (it reads the whole file): the other workers go on with changes meanwhile.
  Task<Result<std::uint64_t>> backup(std::string path) override;
  Task<boost::system::result<void, OpenError>> prepare() override;  // done at open: succeeds

  // The workers changes run on: for monitoring (queued(), active()). Lives as long as the store.
  const util::WorkerPool& pool() const { return pool_; }

 private:
  SqliteStore(SqliteOptions options, std::vector<std::unique_ptr<Connection>> connections);

  // Runs `fn(Connection&)` on a worker thread with a free connection.
  template <typename R, typename Fn>
  Task<Result<R>> run(Fn fn);

  // Runs the point read `fn(Connection&)` at once on the calling thread with a reader connection,
  // sparing the two thread switches of run() that otherwise cost more than the read itself. A
  // reader never waits for a lock (busy timeout 0): when none is free or the database is busy,
  // the read goes to the pool through run().
  template <typename R, typename Fn>
  Task<Result<R>> read(Fn fn);
  Connection* take_reader();
  void give_back_reader(Connection* c);

  SqliteOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> free_readers_;  // under mutex_
  std::mutex ping_mutex_;
  std::unique_ptr<Connection> ping_;  // under ping_mutex_
  util::WorkerPool pool_;  // last: its threads stop before the connections close
};

}  // namespace vestibule::store::sqlite
