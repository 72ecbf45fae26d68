// The machinery of the Store contract suite (src/store/store.h), shared by its test files
// (store_contract_test.cc: accounts, sessions, attempts; mail_contract_test.cc: flow tokens and
// the outbox). A backend joins the suite by adding one StoreFactory to kFactories; every test
// then runs against it on fresh, empty storage. Coroutines run on one io_context per test, which
// network backends also use for their connections. Header-only; a fixture is used by one test
// thread (tests that race operations run the io_context on threads of their own).
#pragma once

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "metrics/store_metrics.h"
#include "store/caching_store.h"
#include "store/instrumented_store.h"
#include "store/open.h"
#include "store/store.h"
#include "shared_redis.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"

namespace vestibule::store {

using namespace std::chrono_literals;
using testing::run_awaitable;

// Where one test's data lives. open() may be called again after the previous store is
// destroyed and must then see the same data (that is how persistence is checked). The
// destructor removes the data.
class StoreLocation {
 public:
  virtual ~StoreLocation() = default;
  // `executor` belongs to the test's io_context, which outlives the store.
  virtual std::unique_ptr<Store> open(boost::asio::any_io_executor executor) = 0;
};

struct StoreFactory {
  const char* name;  // test name suffix
  std::function<std::unique_ptr<StoreLocation>()> make_location;
  // Backends whose sessions expire by themselves (Redis TTLs) may implement purging as a no-op
  // that removes nothing (store.h); the purge test then checks only that it succeeds.
  bool native_expiry = false;
};

inline void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }

// A database file in a fresh temporary directory, opened through the same URL parsing as
// `--store sqlite:PATH`.
class SqliteLocation final : public StoreLocation {
 public:
  // inline_readers 0: every read takes the pool path (what reads fall back to when busy).
  explicit SqliteLocation(std::size_t inline_readers = 2) : inline_readers_(inline_readers) {}

  std::unique_ptr<Store> open(boost::asio::any_io_executor executor) override {
    OpenOptions options;
    options.executor = std::move(executor);
    options.inline_readers = inline_readers_;
    return open_store("sqlite:" + (dir_.path() / "data" / "vestibule.db").string(), options).value();
  }

 private:
  std::size_t inline_readers_;
  support::TempDir dir_{"store"};
};

class RedisLocation final : public StoreLocation {
 public:
  RedisLocation() : prefix_(fresh_redis_prefix("contract")) {}

  std::unique_ptr<Store> open(boost::asio::any_io_executor executor) override {
    OpenOptions options;
    options.executor = std::move(executor);
    options.redis_key_prefix = prefix_;
    return open_store(shared_redis().url(), options).value();
  }

 private:
  std::string prefix_;
};

// A SQLite file reached through store::InstrumentedStore, as the server opens its store when it
// serves metrics: the decorator must keep every promise of the contract. Its metrics live here.
class InstrumentedSqliteLocation final : public StoreLocation {
 public:
  std::unique_ptr<Store> open(boost::asio::any_io_executor executor) override {
    return instrument(sqlite_.open(std::move(executor)), metrics_);
  }

 private:
  SqliteLocation sqlite_;
  prometheus::Registry registry_;
  metrics::StoreMetrics metrics_{registry_, "sqlite"};
};

// A store behind the session cache (store/caching_store.h), as the server opens it by default:
// the decorator must keep every promise of the contract, and check_session must answer what the
// store would. On Redis the cache is kept by its own tracking connection.
template <typename Inner>
class CachedLocation final : public StoreLocation {
 public:
  std::unique_ptr<Store> open(boost::asio::any_io_executor executor) override {
    return std::unique_ptr<Store>(CachingStore::create(inner_.open(std::move(executor)), 1000).value());
  }

 private:
  Inner inner_;
};

inline const StoreFactory kFactories[] = {
    {"Sqlite", [] { return std::unique_ptr<StoreLocation>(std::make_unique<SqliteLocation>()); }},
    {"InstrumentedSqlite",
     [] { return std::unique_ptr<StoreLocation>(std::make_unique<InstrumentedSqliteLocation>()); }},
    {"SqlitePoolReads", [] { return std::unique_ptr<StoreLocation>(std::make_unique<SqliteLocation>(0)); }},
    {"Redis", [] { return std::unique_ptr<StoreLocation>(std::make_unique<RedisLocation>()); }, true},
    {"CachedSqlite",
     [] { return std::unique_ptr<StoreLocation>(std::make_unique<CachedLocation<SqliteLocation>>()); }},
    {"CachedRedis",
     [] { return std::unique_ptr<StoreLocation>(std::make_unique<CachedLocation<RedisLocation>>()); }, true},
};

// A fixed instant (2100-01-01T00:00:00.123Z) so that times are explicit and never read a clock.
// Far in the future, so that backends with native expiry do not drop the test's sessions early.
inline constexpr TimePoint kT0{4'102'444'800'123ms};

inline Account make_account(const std::string& id, const std::string& email_key) {
  return Account{.id = id,
                 .name = "Name of " + id,
                 .email = email_key,
                 .email_key = email_key,
                 .password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$" + id,
                 .created_at = kT0,
                 .updated_at = kT0};
}

// A flow token of `account_id`, created at kT0.
inline FlowToken make_token(const std::string& digest, TokenPurpose purpose, const std::string& account_id,
                            TimePoint expires_at = kT0 + 1h) {
  return FlowToken{.token_digest = digest,
                   .purpose = purpose,
                   .account_id = account_id,
                   .email = account_id + "@example.com",
                   .created_at = kT0,
                   .expires_at = expires_at};
}

// A message for the outbox, due from `created_at` on.
inline OutboxMessage make_mail(const std::string& id, TimePoint created_at = kT0) {
  return OutboxMessage{.id = id,
                       .kind = "verify_email",
                       .recipient = "to-" + id + "@example.com",
                       .params = {{"link", "https://example.com/verify-email#token=" + id}, {"name", "Zoë"}},
                       .created_at = created_at};
}

// A session created at kT0 whose public id is "sid-" + digest (ids are unique, as the caller's are).
inline Session make_session(const std::string& digest, const std::string& account_id, TimePoint expires_at) {
  return Session{.token_digest = digest,
                 .account_id = account_id,
                 .created_at = kT0,
                 .expires_at = expires_at,
                 .id = "sid-" + digest};
}

// Whether `r` failed with exactly `expected`. (Comparing r.error() alone would pass for a success:
// a result holding a value reports a default Error, which is not_found.)
template <typename T>
::testing::AssertionResult fails_with(const Result<T>& r, Error expected) {
  if (r) return ::testing::AssertionFailure() << "succeeded; expected " << to_string(expected);
  if (r.error() != expected) {
    return ::testing::AssertionFailure() << "failed with " << to_string(r.error()) << "; expected "
                                         << to_string(expected);
  }
  return ::testing::AssertionSuccess();
}

// `v` in ascending order (recovery codes come in no particular order).
inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

inline void expect_same_account(const Account& actual, const Account& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.email, expected.email);
  EXPECT_EQ(actual.email_key, expected.email_key);
  EXPECT_EQ(actual.password_hash, expected.password_hash);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.updated_at, expected.updated_at);
  EXPECT_EQ(actual.email_verified, expected.email_verified);
  EXPECT_EQ(actual.pending_email, expected.pending_email);
  EXPECT_EQ(actual.pending_email_key, expected.pending_email_key);
  EXPECT_EQ(actual.disabled, expected.disabled);
  EXPECT_EQ(actual.totp_secret, expected.totp_secret);
  EXPECT_EQ(actual.totp_pending, expected.totp_pending);
  EXPECT_EQ(actual.totp_last_step, expected.totp_last_step);
  EXPECT_EQ(sorted(actual.recovery_codes), sorted(expected.recovery_codes)) << "recovery codes, in any order";
}

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    location_ = GetParam().make_location();
    open();
  }

  // Closes the store and opens the same data again.
  void reopen() {
    store_.reset();
    open();
  }

  Store& store() { return *store_; }
  boost::asio::io_context& io() { return io_; }

  // As main does: open, then prepare (data version, migrations) before any other call.
  void open() {
    store_ = location_->open(io_.get_executor());
    auto prepared = run(store_->prepare());
    // The run may have left io_ stopped (out of work); tests that run it on threads expect it ready.
    io_.restart();
    ASSERT_TRUE(prepared) << prepared.error().message;
    // A cache kept by a watch answers from memory once the watch is connected: wait for that
    // (bounded), so that the cached variants really answer from memory.
    if (auto* cached = dynamic_cast<CachingStore*>(store_.get())) {
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (!cached->answering() && std::chrono::steady_clock::now() < deadline) io_.run_for(5ms);
      io_.restart();
      ASSERT_TRUE(cached->answering()) << "the session cache's watch did not connect within 10 s";
    }
  }

  // The session cache's counts when the store under test has one.
  std::optional<SessionCacheStats> cache_stats() {
    auto* cached = dynamic_cast<CachingStore*>(store_.get());
    if (!cached) return std::nullopt;
    return cached->cache_stats();
  }

  template <typename T>
  T run(Task<T> task) {
    return run_awaitable(io_, std::move(task));
  }

  // Creates the account and fails the test unless that succeeded.
  Account add_account(const std::string& id, const std::string& email_key) {
    Account account = make_account(id, email_key);
    Result<void> created = run(store().create_account(account, {}));
    EXPECT_TRUE(created) << "create_account(" << id << ")";
    return account;
  }

  void add_session(const std::string& digest, const std::string& account_id, TimePoint expires_at = kT0 + 24h) {
    Result<void> created = run(store().create_session(make_session(digest, account_id, expires_at)));
    EXPECT_TRUE(created) << "create_session(" << digest << ")";
  }

  Result<Account> find_by_email(const std::string& email_key) {
    return run(store().find_account_by_email(email_key));
  }

  Result<Account> find_by_session(const std::string& digest, TimePoint now = kT0) {
    return run(store().find_account_by_session(digest, now));
  }

  Result<Account> update(const std::string& account_id, AccountChanges changes) {
    return run(store().update_account(account_id, std::move(changes)));
  }

  // Runs every task at once on `threads` threads (all spawned before any runs, so they race)
  // and returns their results in order; a task still unfinished after 30 s fails the test and
  // leaves its slot empty instead of hanging it.
  template <typename T>
  std::vector<std::optional<T>> run_concurrently(std::vector<Task<T>> tasks, std::size_t threads = 4) {
    io_.restart();  // the last run() may have left it stopped (out of work)
    std::vector<std::future<T>> pending;
    for (Task<T>& task : tasks) pending.push_back(boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future));
    std::vector<std::thread> runners;
    for (std::size_t t = 0; t < threads; ++t) runners.emplace_back([this] { io_.run(); });
    std::vector<std::optional<T>> results(pending.size());
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].wait_until(deadline) != std::future_status::ready) {
        ADD_FAILURE() << "task " << i << " did not finish within 30 s";
        continue;
      }
      try {
        results[i] = pending[i].get();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "task " << i << " threw: " << e.what();
      }
    }
    io_.stop();
    for (auto& t : runners) t.join();
    io_.restart();
    return results;
  }

 private:
  boost::asio::io_context io_;  // first: outlives the store that may use it
  std::unique_ptr<StoreLocation> location_;
  std::unique_ptr<Store> store_;
};

}  // namespace vestibule::store
