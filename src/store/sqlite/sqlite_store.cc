#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "store/sqlite/account_queries.h"
#include "store/sqlite/backup.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/flow_tokens.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/millis.h"
#include "store/sqlite/outbox.h"
#include "store/sqlite/session_queries.h"
#include "util/offload.h"

namespace vestibule::store::sqlite {

boost::system::result<std::unique_ptr<SqliteStore>, OpenError> SqliteStore::open(SqliteOptions options) {
  std::error_code ec;
  const std::filesystem::path file(options.path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return OpenError{"cannot create directory " + file.parent_path().string() + ": " + ec.message()};
  const std::string path = options.path;  // options moves into the store below
  options.logger = logger_or_null(std::move(options.logger));
  try {
    std::vector<std::unique_ptr<Connection>> connections;
    connections.push_back(std::make_unique<Connection>(options.path, options.busy_timeout_ms, options.durable));
    // Before any other connection exists: nothing else can see a half-migrated schema.
    auto migrated = migrate(*connections.front(), MigrationContext{options.email_key, *options.logger});
    if (!migrated) return OpenError{"cannot open SQLite database " + path + ": " + migrated.error().message};
    const std::size_t n = std::max<std::size_t>(1, options.threads);
    while (connections.size() < n) {
      connections.push_back(std::make_unique<Connection>(options.path, options.busy_timeout_ms, options.durable));
    }
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(options), std::move(connections)));
  } catch (const SqliteError& e) {
    return OpenError{"cannot open SQLite database " + path + ": " + e.what()};
  }
}

std::size_t SqliteStore::descriptors(const SqliteOptions& options) {
  const std::size_t connections = std::max<std::size_t>(1, options.threads) + options.inline_readers + 1;
  constexpr std::size_t kPerConnection = 2;  // the database file and the WAL
  constexpr std::size_t kShared = 1;         // the -shm index, one per process
  constexpr std::size_t kTransient = 4;      // a backup's target and journal, sort temporaries
  return connections * kPerConnection + kShared + kTransient;
}

SqliteStore::SqliteStore(SqliteOptions options, std::vector<std::unique_ptr<Connection>> connections)
    : options_(std::move(options)),
      log_(options_.logger),
      all_(std::move(connections)),
      pool_(util::WorkerPoolOptions{.threads = all_.size(), .max_queued = options_.max_queued, .name = "sqlite"}) {
  for (auto& c : all_) free_.push_back(c.get());
  for (std::size_t i = 0; i < options_.inline_readers; ++i) {
    readers_.push_back(std::make_unique<Connection>(options_.path, /*busy_timeout_ms=*/0, options_.durable));
    free_readers_.push_back(readers_.back().get());
  }
  ping_ = std::make_unique<Connection>(options_.path, /*busy_timeout_ms=*/0, options_.durable);
}

SqliteStore::~SqliteStore() = default;

template <typename R, typename Fn>
Task<Result<R>> SqliteStore::run(Fn fn) {
  return util::offload<Result<R>>(
      pool_,
      [this, fn = std::move(fn)]() -> Result<R> {
        Connection* c = nullptr;
        {
          // As many workers as connections, so one is always free here.
          std::lock_guard lock(mutex_);
          c = free_.back();
          free_.pop_back();
        }
        // Returned on every path, exceptions included (offload passes those to the caller).
        struct Return {
          SqliteStore* store;
          Connection* c;
          ~Return() {
            std::lock_guard lock(store->mutex_);
            store->free_.push_back(c);
          }
        } give_back{this, c};
        try {
          return fn(*c);
        } catch (const SqliteError& e) {
          log_->error("sqlite: {} (code {})", e.what(), e.code());
          return Error::unavailable;
        }
      },
      Result<R>(Error::unavailable));
}

namespace {

// A value computed already, as a task: awaiting it resumes at once.
template <typename T>
Task<T> ready(T value) {
  co_return value;
}

// A failure that happened already, as a task: awaiting it rethrows.
template <typename T>
Task<T> failed(std::exception_ptr e) {
  std::rethrow_exception(e);
  co_return T(Error::unavailable);  // not reached; makes this a coroutine
}

}  // namespace

Connection* SqliteStore::take_reader() {
  std::lock_guard lock(mutex_);
  if (free_readers_.empty()) return nullptr;
  Connection* c = free_readers_.back();
  free_readers_.pop_back();
  return c;
}

void SqliteStore::give_back_reader(Connection* c) {
  std::lock_guard lock(mutex_);
  free_readers_.push_back(c);
}

template <typename R, typename Fn>
Task<Result<R>> SqliteStore::read(Fn fn) {
  std::optional<Result<R>> done;
  if (Connection* c = take_reader()) {
    // Given back on every path; an exception other than SQLite's (bad_alloc) leaves through
    // the catch below like run()'s do, as the awaited task's exception.
    struct Return {
      SqliteStore* store;
      Connection* c;
      ~Return() { store->give_back_reader(c); }
    } give_back{this, c};
    try {
      done.emplace(fn(*c));
    } catch (const SqliteError& e) {
      if (!e.busy()) {
        log_->error("sqlite: {} (code {})", e.what(), e.code());
        done.emplace(Error::unavailable);
      }
    } catch (...) {
      return failed<Result<R>>(std::current_exception());
    }
  }
  if (done) return ready(std::move(*done));
  return run<R>(std::move(fn));
}

Task<Result<void>> SqliteStore::create_account(Account a, Effects effects) {
  return run<void>([a = std::move(a), effects = std::move(effects)](Connection& c) -> Result<void> {
    Transaction tx(c);
    // Returning rolls back: a refused create leaves no token and no mail.
    Result<void> inserted = insert_account(c, a);
    if (!inserted) return inserted;
    insert_effects(c, a.id, effects);
    tx.commit();
    return {};
  });
}

Task<Result<Account>> SqliteStore::find_account_by_email(std::string email_key) {
  return read<Account>([key = std::move(email_key)](Connection& c) {
    return account_by_email(c, key);
  });
}

Task<Result<Account>> SqliteStore::find_account(std::string account_id) {
  return read<Account>([id = std::move(account_id)](Connection& c) { return account_by_id(c, id); });
}

Task<Result<std::vector<Account>>> SqliteStore::list_accounts(std::string after_id, std::size_t limit) {
  return read<std::vector<Account>>([after = std::move(after_id), limit](Connection& c) -> Result<std::vector<Account>> {
    return accounts_after(c, after, limit);
  });
}

Task<Result<SessionAccount>> SqliteStore::find_session(std::string token_digest, TimePoint now) {
  return read<SessionAccount>([digest = std::move(token_digest), now](Connection& c) {
    return session_account(c, digest, now);
  });
}

Task<Result<void>> SqliteStore::touch_session(std::string token_digest, TimePoint at) {
  return run<void>([digest = std::move(token_digest), at](Connection& c) -> Result<void> {
    sqlite::touch_session(c, digest, at);
    return {};
  });
}

Task<Result<std::vector<Session>>> SqliteStore::list_sessions(std::string account_id, TimePoint now) {
  return read<std::vector<Session>>([id = std::move(account_id), now](Connection& c) -> Result<std::vector<Session>> {
    return live_sessions(c, id, now);
  });
}

Task<Result<void>> SqliteStore::delete_session_by_id(std::string account_id, std::string session_id, TimePoint now) {
  return run<void>([id = std::move(account_id), session_id = std::move(session_id), now](Connection& c) -> Result<void> {
    if (!delete_live_session(c, id, session_id, now)) return Error::not_found;
    return {};
  });
}

Task<Result<Account>> SqliteStore::update_account(std::string account_id, AccountChanges ch) {
  return run<Account>([id = std::move(account_id), ch = std::move(ch)](Connection& c) -> Result<Account> {
    Transaction tx(c);
    Result<Account> updated = apply_changes(c, id, ch);
    if (!updated) return updated;  // rolled back: nothing of the change or its effects stays
    tx.commit();
    return updated;
  });
}

Task<Result<void>> SqliteStore::delete_account(std::string account_id) {
  return run<void>([id = std::move(account_id)](Connection& c) -> Result<void> {
    // One statement; ON DELETE CASCADE removes the sessions and flow tokens in the same implicit
    // transaction. Queued mail has no foreign key and stays (a notice may still go out).
    c.prepare("DELETE FROM accounts WHERE id = ?").bind(1, id).execute();
    if (c.changes() == 0) return Error::not_found;
    return {};
  });
}

Task<Result<void>> SqliteStore::create_session(Session s) {
  return run<void>([s = std::move(s)](Connection& c) -> Result<void> {
    // The insert and the trim commit together: no reader sees the account past its bound.
    Transaction tx(c);
    try {
      // Not stored: the account is gone or disabled, or its password changed.
      if (!insert_session(c, s)) return Error::not_found;
    } catch (const SqliteError& e) {
      if (e.foreign_key_violation()) return Error::not_found;  // account deleted meanwhile
      throw;
    }
    if (s.keep_newest != 0) trim_sessions(c, s.account_id, s.token_digest, s.keep_newest, s.created_at);
    tx.commit();
    return {};
  });
}

Task<Result<void>> SqliteStore::delete_session(std::string token_digest) {
  return run<void>([digest = std::move(token_digest)](Connection& c) -> Result<void> {
    c.prepare("DELETE FROM sessions WHERE token_digest = ?").bind(1, digest).execute();
    return {};
  });
}

Task<Result<void>> SqliteStore::delete_sessions(std::string account_id) {
  return run<void>([id = std::move(account_id)](Connection& c) -> Result<void> {
    c.prepare("DELETE FROM sessions WHERE account_id = ?").bind(1, id).execute();
    return {};
  });
}

Task<Result<std::size_t>> SqliteStore::purge_expired_sessions(TimePoint now) {
  return run<std::size_t>([now](Connection& c) -> Result<std::size_t> {
    Transaction tx(c);  // one commit (one sync) for the whole sweep
    c.prepare("DELETE FROM sessions WHERE expires_at <= ?").bind(1, millis(now)).execute();
    const auto removed = static_cast<std::size_t>(c.changes());
    c.prepare("DELETE FROM attempts WHERE window_ends <= ?").bind(1, millis(now)).execute();
    purge_expired_tokens(c, now);
    purge_failed_mail(c, now);
    tx.commit();
    return removed;
  });
}

Task<Result<Attempts>> SqliteStore::add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) {
  return run<Attempts>([key = std::move(key), now, window](Connection& c) -> Result<Attempts> {
    // One statement, so concurrent additions serialise on SQLite's write lock and all count.
    Statement s = c.prepare(
        "INSERT INTO attempts (key, count, window_ends) VALUES (?1, 1, ?2 + ?3) "
        "ON CONFLICT(key) DO UPDATE SET "
        "count = CASE WHEN window_ends <= ?2 THEN 1 ELSE count + 1 END, "
        "window_ends = CASE WHEN window_ends <= ?2 THEN ?2 + ?3 ELSE window_ends END "
        "RETURNING count, window_ends");
    s.bind(1, key).bind(2, millis(now)).bind(3, static_cast<std::int64_t>(window.count()));
    if (!s.step()) return Error::unavailable;
    Attempts out{static_cast<std::uint32_t>(s.integer(0)), from_millis(s.integer(1))};
    s.execute();  // finish the statement so the write commits
    return out;
  });
}

Task<Result<Attempts>> SqliteStore::attempts(std::string key, TimePoint now) {
  return read<Attempts>([key = std::move(key), now](Connection& c) -> Result<Attempts> {
    Statement s = c.prepare("SELECT count, window_ends FROM attempts WHERE key = ? AND window_ends > ?");
    s.bind(1, key).bind(2, millis(now));
    if (!s.step()) return Attempts{};
    return Attempts{static_cast<std::uint32_t>(s.integer(0)), from_millis(s.integer(1))};
  });
}

Task<Result<void>> SqliteStore::clear_attempts(std::string key) {
  return run<void>([key = std::move(key)](Connection& c) -> Result<void> {
    c.prepare("DELETE FROM attempts WHERE key = ?").bind(1, key).execute();
    return {};
  });
}

Task<Result<void>> SqliteStore::add_effects(std::string account_id, Effects effects) {
  return run<void>([id = std::move(account_id), effects = std::move(effects)](Connection& c) -> Result<void> {
    Transaction tx(c);
    // Queued mail has no foreign key to stop it, so the account is checked here, under the
    // write lock that keeps a delete out until the commit.
    if (!account_exists(c, id)) return Error::not_found;
    insert_effects(c, id, effects);
    tx.commit();
    return {};
  });
}

Task<Result<TokenHolder>> SqliteStore::find_token(std::string token_digest, TokenPurpose purpose, TimePoint now) {
  return read<TokenHolder>([digest = std::move(token_digest), purpose, now](Connection& c) {
    return token_holder(c, digest, purpose, now);
  });
}

Task<Result<Account>> SqliteStore::redeem_token(std::string token_digest, TokenPurpose purpose, TimePoint now,
                                                AccountChanges changes) {
  return run<Account>([digest = std::move(token_digest), purpose, now,
                       ch = std::move(changes)](Connection& c) -> Result<Account> {
    // BEGIN IMMEDIATE serialises redemptions: the first consumes the token, the others find it
    // gone. Any failure below rolls the consumption back, so the token stays usable.
    Transaction tx(c);
    const std::string account_id = consume_token(c, digest, purpose, now);
    if (account_id.empty()) return Error::not_found;
    Result<Account> updated = apply_changes(c, account_id, ch);
    if (!updated) return updated;
    tx.commit();
    return updated;
  });
}

Task<Result<std::vector<OutboxMessage>>> SqliteStore::claim_mail(TimePoint now, std::chrono::milliseconds lease,
                                                                 std::size_t limit, std::string claim) {
  return run<std::vector<OutboxMessage>>(
      [this, now, lease, limit, claim = std::move(claim)](Connection& c) -> Result<std::vector<OutboxMessage>> {
        if (limit == 0) return std::vector<OutboxMessage>{};
        // Select and mark in one write transaction: concurrent claims serialise on the write
        // lock, and each sees the others' leases.
        Transaction tx(c);
        std::vector<OutboxMessage> claimed = sqlite::claim_mail(c, now, lease, limit, claim, *log_);
        tx.commit();
        return claimed;
      });
}

Task<Result<bool>> SqliteStore::complete_mail(std::string message_id, std::string claim) {
  return run<bool>([id = std::move(message_id), claim = std::move(claim)](Connection& c) -> Result<bool> {
    return sqlite::complete_mail(c, id, claim);
  });
}

Task<Result<bool>> SqliteStore::retry_mail(std::string message_id, std::string claim, TimePoint due) {
  return run<bool>([id = std::move(message_id), claim = std::move(claim), due](Connection& c) -> Result<bool> {
    return sqlite::retry_mail(c, id, claim, due);
  });
}

Task<Result<bool>> SqliteStore::fail_mail(std::string message_id, std::string claim, TimePoint keep_until) {
  return run<bool>([id = std::move(message_id), claim = std::move(claim), keep_until](Connection& c) -> Result<bool> {
    return sqlite::fail_mail(c, id, claim, keep_until);
  });
}

Task<Result<OutboxStats>> SqliteStore::outbox_stats() {
  return read<OutboxStats>([](Connection& c) -> Result<OutboxStats> { return sqlite::outbox_stats(c); });
}

Task<Result<std::uint64_t>> SqliteStore::backup(std::string path) {
  return run<std::uint64_t>([path = std::move(path)](Connection& c) { return backup_into(c, path); });
}

Task<Result<void>> SqliteStore::ping() {
  // On the calling thread with a connection of its own, not through run(): behind a queue of
  // writes /readyz would read "not ready" exactly when the service is busiest. The read touches
  // the file (the schema page) and never waits for a lock: WAL readers do not wait for writers,
  // and a busy answer still shows the database is there and working.
  Result<void> answer;
  try {
    std::lock_guard lock(ping_mutex_);
    Statement s = ping_->prepare("SELECT count(*) FROM sqlite_schema");
    s.execute();
  } catch (const SqliteError& e) {
    if (!e.busy()) {
      log_->error("sqlite: ping failed: {} (code {})", e.what(), e.code());
      answer = Error::unavailable;
    }
  }
  return ready(std::move(answer));
}

Task<boost::system::result<void, OpenError>> SqliteStore::prepare() {
  return ready(boost::system::result<void, OpenError>());  // open() migrated and checked the file
}

}  // namespace vestibule::store::sqlite
