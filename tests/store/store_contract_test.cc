// The Store contract (src/store/store.h) for accounts, sessions and attempt windows, checked
// against every backend (contract_fixture.h: the backends and the fixture; mail_contract_test.cc:
// flow tokens and the outbox).

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "contract_fixture.h"
#include "store/open.h"
#include "store/store.h"
#include "support/redis_server.h"
#include "support/run_awaitable.h"

namespace vestibule::store {
namespace {

TEST_P(StoreContractTest, CreatedAccountIsFoundByEmailKeyWithEveryField) {
  Account account = make_account("id-1", "zoë@bücher.example");
  account.name = "Zoë 日本語 😀";
  account.email = "Zoë@bücher.example";
  account.updated_at = kT0 + 1ms;
  ASSERT_TRUE(run(store().create_account(account, {})));

  Result<Account> found = find_by_email("zoë@bücher.example");
  ASSERT_TRUE(found);
  expect_same_account(*found, account);
}

TEST_P(StoreContractTest, FindByUnknownEmailKeyIsNotFound) {
  add_account("id-1", "a@example.com");
  Result<Account> found = find_by_email("b@example.com");
  EXPECT_TRUE(fails_with(found, Error::not_found));
}

TEST_P(StoreContractTest, FindByEmailKeyMatchesExactly) {
  add_account("id-1", "a@example.com");
  // Keys are case-folded by the caller; the store compares them as given.
  EXPECT_TRUE(fails_with(find_by_email("A@example.com"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_email("a@example.com "), Error::not_found));
}

TEST_P(StoreContractTest, CreateRejectsDuplicateEmailKey) {
  const Account first = add_account("id-1", "a@example.com");
  Result<void> second = run(store().create_account(make_account("id-2", "a@example.com"), {}));
  EXPECT_TRUE(fails_with(second, Error::email_taken));

  Result<Account> found = find_by_email("a@example.com");
  ASSERT_TRUE(found);
  expect_same_account(*found, first);
}

TEST_P(StoreContractTest, ConcurrentCreatesWithOneEmailKeyLetExactlyOneSucceed) {
  constexpr std::size_t kCreates = 50;
  constexpr std::size_t kThreads = 4;
  std::vector<std::optional<Result<void>>> results(kCreates);
  std::vector<std::exception_ptr> failures(kCreates);
  std::atomic<std::size_t> pending{kCreates};
  // Every create is spawned before any thread runs, so they all race for the key at once.
  for (std::size_t i = 0; i < kCreates; ++i) {
    Account account = make_account("id-" + std::to_string(i), "race@example.com");
    boost::asio::co_spawn(io(), store().create_account(std::move(account), {}),
                          [this, &results, &failures, &pending, i](std::exception_ptr e, Result<void> r) {
                            failures[i] = e;
                            results[i] = r;
                            // The last one stops the threads (a network store's connection would
                            // otherwise keep io_context::run busy).
                            if (pending.fetch_sub(1) == 1) io().stop();
                          });
  }
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) threads.emplace_back([this] { io().run(); });
  for (auto& t : threads) t.join();

  std::size_t succeeded = 0;
  std::size_t winner = kCreates;
  for (std::size_t i = 0; i < kCreates; ++i) {
    ASSERT_FALSE(failures[i]) << "create " << i << " threw";
    ASSERT_TRUE(results[i].has_value()) << "create " << i << " never completed";
    if (*results[i]) {
      ++succeeded;
      winner = i;
    } else {
      EXPECT_EQ(results[i]->error(), Error::email_taken) << "create " << i;
    }
  }
  ASSERT_EQ(succeeded, 1u);
  Result<Account> found = find_by_email("race@example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "id-" + std::to_string(winner));
}

TEST_P(StoreContractTest, LiveSessionFindsItsAccount) {
  const Account account = add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1", kT0 + 1h);

  Result<Account> found = find_by_session("digest-1", kT0);
  ASSERT_TRUE(found);
  expect_same_account(*found, account);
  // Still live one millisecond before it expires.
  EXPECT_TRUE(find_by_session("digest-1", kT0 + 1h - 1ms));
}

TEST_P(StoreContractTest, SessionIsNotFoundAtAndAfterItsExpiry) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1", kT0 + 1h);

  EXPECT_TRUE(fails_with(find_by_session("digest-1", kT0 + 1h), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1", kT0 + 1h + 1ms), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1", kT0 + 24h * 365), Error::not_found));
}

TEST_P(StoreContractTest, UnknownSessionDigestIsNotFound) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  EXPECT_TRUE(fails_with(find_by_session("digest-2"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session(""), Error::not_found));
}

TEST_P(StoreContractTest, DeleteSessionRevokesOnlyThatSession) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  add_session("digest-2", "id-1");

  ASSERT_TRUE(run(store().delete_session("digest-1")));
  EXPECT_TRUE(fails_with(find_by_session("digest-1"), Error::not_found));
  EXPECT_TRUE(find_by_session("digest-2"));
}

TEST_P(StoreContractTest, DeleteSessionOfUnknownDigestSucceeds) {
  EXPECT_TRUE(run(store().delete_session("never-issued")));
}

TEST_P(StoreContractTest, DeleteSessionsRevokesEverySessionOfTheAccountOnly) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1a", "id-1");
  add_session("digest-1b", "id-1");
  add_session("digest-2", "id-2");

  ASSERT_TRUE(run(store().delete_sessions("id-1")));
  EXPECT_TRUE(fails_with(find_by_session("digest-1a"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1b"), Error::not_found));
  Result<Account> other = find_by_session("digest-2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->id, "id-2");
}

TEST_P(StoreContractTest, DeleteSessionsOfAccountWithoutSessionsSucceeds) {
  add_account("id-1", "a@example.com");
  EXPECT_TRUE(run(store().delete_sessions("id-1")));
}

TEST_P(StoreContractTest, DeleteAccountRemovesTheAccountAndItsSessions) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1a", "id-1");
  add_session("digest-1b", "id-1");
  add_session("digest-2", "id-2");

  ASSERT_TRUE(run(store().delete_account("id-1")));
  EXPECT_TRUE(fails_with(find_by_email("a@example.com"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1a"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1b"), Error::not_found));
  EXPECT_TRUE(find_by_session("digest-2"));
  // The email key is free again; the old sessions do not come back to life with a new account.
  add_account("id-3", "a@example.com");
  EXPECT_TRUE(fails_with(find_by_session("digest-1a"), Error::not_found));
}

TEST_P(StoreContractTest, DeleteOfMissingAccountIsNotFound) {
  Result<void> never_existed = run(store().delete_account("no-such-id"));
  EXPECT_TRUE(fails_with(never_existed, Error::not_found));

  add_account("id-1", "a@example.com");
  ASSERT_TRUE(run(store().delete_account("id-1")));
  Result<void> again = run(store().delete_account("id-1"));
  EXPECT_TRUE(fails_with(again, Error::not_found));
}

TEST_P(StoreContractTest, UpdateOfNameOnlyKeepsEveryOtherField) {
  const Account before = add_account("id-1", "a@example.com");
  AccountChanges changes;
  changes.name = "New Name";
  changes.updated_at = kT0 + 5min;

  Result<Account> updated = update("id-1", std::move(changes));
  ASSERT_TRUE(updated);
  Account expected = before;
  expected.name = "New Name";
  expected.updated_at = kT0 + 5min;
  expect_same_account(*updated, expected);

  Result<Account> stored = find_by_email("a@example.com");
  ASSERT_TRUE(stored);
  expect_same_account(*stored, expected);
}

TEST_P(StoreContractTest, UpdateWithoutChangedFieldsOnlyTouchesUpdatedAt) {
  const Account before = add_account("id-1", "a@example.com");
  AccountChanges changes;
  changes.updated_at = kT0 + 1s;

  Result<Account> updated = update("id-1", std::move(changes));
  ASSERT_TRUE(updated);
  Account expected = before;
  expected.updated_at = kT0 + 1s;
  expect_same_account(*updated, expected);
}

TEST_P(StoreContractTest, UpdateOfEmailFreesTheOldKeyForAnotherAccount) {
  add_account("id-1", "old@example.com");
  AccountChanges changes;
  changes.email = "New@example.com";
  changes.email_key = "new@example.com";
  changes.updated_at = kT0 + 1s;

  Result<Account> updated = update("id-1", std::move(changes));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->email, "New@example.com");
  EXPECT_EQ(updated->email_key, "new@example.com");
  EXPECT_EQ(find_by_email("new@example.com").value().id, "id-1");

  add_account("id-2", "old@example.com");
  Result<Account> old_key = find_by_email("old@example.com");
  ASSERT_TRUE(old_key);
  EXPECT_EQ(old_key->id, "id-2");
}

TEST_P(StoreContractTest, UpdateToAnEmailKeyHeldByAnotherAccountIsEmailTakenAndChangesNothing) {
  const Account first = add_account("id-1", "a@example.com");
  const Account second = add_account("id-2", "b@example.com");
  AccountChanges changes;
  changes.name = "Renamed";
  changes.email = "b@example.com";
  changes.email_key = "b@example.com";
  changes.updated_at = kT0 + 1s;

  Result<Account> updated = update("id-1", std::move(changes));
  EXPECT_TRUE(fails_with(updated, Error::email_taken));
  expect_same_account(find_by_email("a@example.com").value(), first);
  expect_same_account(find_by_email("b@example.com").value(), second);
}

TEST_P(StoreContractTest, UpdateMayKeepTheAccountsOwnEmailKey) {
  add_account("id-1", "a@example.com");
  AccountChanges changes;
  changes.email = "A@example.com";  // a different spelling of the same key
  changes.email_key = "a@example.com";
  changes.updated_at = kT0 + 1s;

  Result<Account> updated = update("id-1", std::move(changes));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->email, "A@example.com");
}

TEST_P(StoreContractTest, KeepOnlySessionRevokesTheOtherSessionsOfThatAccountOnly) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1a", "id-1");
  add_session("digest-1b", "id-1");
  add_session("digest-1c", "id-1");
  add_session("digest-2", "id-2");
  AccountChanges changes;
  changes.password_hash = "new-hash";
  changes.updated_at = kT0 + 1s;
  changes.keep_only_session = "digest-1b";

  Result<Account> updated = update("id-1", std::move(changes));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->password_hash, "new-hash");
  Result<Account> kept = find_by_session("digest-1b");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->password_hash, "new-hash");
  EXPECT_TRUE(fails_with(find_by_session("digest-1a"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1c"), Error::not_found));
  EXPECT_EQ(find_by_session("digest-2").value().id, "id-2");
}

TEST_P(StoreContractTest, KeepOnlySessionOfAnotherAccountRevokesEverySessionOfThisOne) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1", "id-1");
  add_session("digest-2", "id-2");
  AccountChanges changes;
  changes.password_hash = "new-hash";
  changes.updated_at = kT0 + 1s;
  changes.keep_only_session = "digest-2";

  ASSERT_TRUE(update("id-1", std::move(changes)));
  EXPECT_TRUE(fails_with(find_by_session("digest-1"), Error::not_found));
  EXPECT_EQ(find_by_session("digest-2").value().id, "id-2");
}

TEST_P(StoreContractTest, FailedUpdateRevokesNoSessions) {
  // keep_only_session is applied in the same transaction as the change: when the change fails,
  // the other sessions must survive and the old password must still be in place.
  const Account first = add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1a", "id-1");
  add_session("digest-1b", "id-1");
  AccountChanges changes;
  changes.email = "b@example.com";
  changes.email_key = "b@example.com";
  changes.password_hash = "new-hash";
  changes.updated_at = kT0 + 1s;
  changes.keep_only_session = "digest-1a";

  Result<Account> updated = update("id-1", std::move(changes));
  EXPECT_TRUE(fails_with(updated, Error::email_taken));
  EXPECT_TRUE(find_by_session("digest-1a"));
  Result<Account> other = find_by_session("digest-1b");
  ASSERT_TRUE(other);
  expect_same_account(*other, first);
}

TEST_P(StoreContractTest, UpdateWithoutKeepOnlySessionKeepsEverySession) {
  add_account("id-1", "a@example.com");
  add_session("digest-1a", "id-1");
  add_session("digest-1b", "id-1");
  AccountChanges changes;
  changes.password_hash = "new-hash";
  changes.updated_at = kT0 + 1s;

  ASSERT_TRUE(update("id-1", std::move(changes)));
  EXPECT_TRUE(find_by_session("digest-1a"));
  EXPECT_TRUE(find_by_session("digest-1b"));
}

TEST_P(StoreContractTest, UpdateOfMissingAccountIsNotFound) {
  add_account("id-1", "a@example.com");
  AccountChanges changes;
  changes.name = "Nobody";
  changes.updated_at = kT0 + 1s;

  Result<Account> updated = update("no-such-id", std::move(changes));
  EXPECT_TRUE(fails_with(updated, Error::not_found));
}

TEST_P(StoreContractTest, UpdateOfDeletedAccountIsNotFound) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  ASSERT_TRUE(run(store().delete_account("id-1")));
  AccountChanges changes;
  changes.password_hash = "new-hash";
  changes.updated_at = kT0 + 1s;
  changes.keep_only_session = "digest-1";

  Result<Account> updated = update("id-1", std::move(changes));
  EXPECT_TRUE(fails_with(updated, Error::not_found));
}

TEST_P(StoreContractTest, CreateSessionForMissingAccountIsNotFound) {
  Result<void> never_existed = run(store().create_session(make_session("digest-1", "no-such-id", kT0 + 1h)));
  EXPECT_TRUE(fails_with(never_existed, Error::not_found));

  add_account("id-1", "a@example.com");
  ASSERT_TRUE(run(store().delete_account("id-1")));
  Result<void> deleted = run(store().create_session(make_session("digest-2", "id-1", kT0 + 1h)));
  EXPECT_TRUE(fails_with(deleted, Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-2"), Error::not_found));
}

TEST_P(StoreContractTest, PurgeRemovesExactlyTheExpiredSessionsAndCountsThem) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("expired-long-ago", "id-1", kT0 - 24h);
  add_session("expired-just-now", "id-2", kT0 - 1ms);
  add_session("expires-now", "id-1", kT0);
  add_session("expires-soon", "id-1", kT0 + 1ms);
  add_session("expires-later", "id-2", kT0 + 1h);

  Result<std::size_t> purged = run(store().purge_expired_sessions(kT0));
  ASSERT_TRUE(purged);
  if (GetParam().native_expiry) {
    EXPECT_EQ(find_by_session("expires-soon", kT0).value().id, "id-1");
    EXPECT_EQ(find_by_session("expires-later", kT0).value().id, "id-2");
    GTEST_SKIP() << "purging is a no-op for a backend with native expiry";
  }
  EXPECT_EQ(*purged, 3u);
  // Asked about an earlier moment, a purged session would still be live had it been kept.
  const TimePoint before_all = kT0 - 48h;
  EXPECT_TRUE(fails_with(find_by_session("expired-long-ago", before_all), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("expired-just-now", before_all), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("expires-now", before_all), Error::not_found));
  EXPECT_EQ(find_by_session("expires-soon", kT0).value().id, "id-1");
  EXPECT_EQ(find_by_session("expires-later", kT0).value().id, "id-2");

  Result<std::size_t> again = run(store().purge_expired_sessions(kT0));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
  // Accounts are untouched by housekeeping.
  EXPECT_TRUE(find_by_email("a@example.com"));
  EXPECT_TRUE(find_by_email("b@example.com"));
}

TEST_P(StoreContractTest, PurgeOfEmptyStoreRemovesNothing) {
  Result<std::size_t> purged = run(store().purge_expired_sessions(kT0));
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 0u);
}

TEST_P(StoreContractTest, PingSucceeds) { EXPECT_TRUE(run(store().ping())); }

TEST_P(StoreContractTest, DataSurvivesClosingAndReopening) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1", "id-1");
  add_session("digest-2", "id-2");
  AccountChanges changes;
  changes.name = "Renamed";
  changes.updated_at = kT0 + 1s;
  const Account renamed = update("id-1", std::move(changes)).value();
  ASSERT_TRUE(run(store().delete_session("digest-2")));

  reopen();

  Result<Account> by_email = find_by_email("a@example.com");
  ASSERT_TRUE(by_email);
  expect_same_account(*by_email, renamed);
  Result<Account> by_session = find_by_session("digest-1");
  ASSERT_TRUE(by_session);
  expect_same_account(*by_session, renamed);
  EXPECT_TRUE(fails_with(find_by_session("digest-2"), Error::not_found));
  // Uniqueness still holds across a restart.
  Result<void> duplicate = run(store().create_account(make_account("id-3", "b@example.com"), {}));
  EXPECT_TRUE(fails_with(duplicate, Error::email_taken));
}

TEST_P(StoreContractTest, SessionIsRefusedOnceThePasswordHashChanged) {
  const Account account = add_account("id-1", "a@example.com");
  Session stale = make_session("digest-1", "id-1", kT0 + 1h);
  stale.expected_password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$something-else";
  EXPECT_TRUE(fails_with(run(store().create_session(std::move(stale))), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-1"), Error::not_found)) << "nothing was stored";
  Session current = make_session("digest-2", "id-1", kT0 + 1h);
  current.expected_password_hash = account.password_hash;
  EXPECT_TRUE(run(store().create_session(std::move(current))));
  EXPECT_TRUE(find_by_session("digest-2"));
}

TEST_P(StoreContractTest, UpdateWithAStaleExpectedHashChangesNothing) {
  const Account account = add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  AccountChanges changes;
  changes.password_hash = "$argon2id$v=19$m=2048,t=1,p=1$c2FsdA$upgraded";
  changes.expected_password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$changed-meanwhile";
  changes.keep_only_session = "none";
  changes.updated_at = kT0 + 1s;
  EXPECT_TRUE(fails_with(update("id-1", std::move(changes)), Error::not_found));
  Result<Account> unchanged = find_by_email("a@example.com");
  ASSERT_TRUE(unchanged);
  expect_same_account(*unchanged, account);
  EXPECT_TRUE(find_by_session("digest-1")) << "no session was revoked";

  AccountChanges matching;
  matching.password_hash = "$argon2id$v=19$m=2048,t=1,p=1$c2FsdA$upgraded";
  matching.expected_password_hash = account.password_hash;
  matching.updated_at = kT0 + 2s;
  Result<Account> upgraded = update("id-1", std::move(matching));
  ASSERT_TRUE(upgraded);
  EXPECT_EQ(upgraded->password_hash, "$argon2id$v=19$m=2048,t=1,p=1$c2FsdA$upgraded");
}

TEST_P(StoreContractTest, AttemptsCountWithinAWindowAndStartOverAfterIt) {
  // Real time for this one: Redis also drops counters by its own clock (TTL cleanup).
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  EXPECT_EQ(run(store().attempts("login:account:a", now)).value().count, 0u);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    Result<Attempts> added = run(store().add_attempt("login:account:a", now, 60s));
    ASSERT_TRUE(added);
    EXPECT_EQ(added->count, i);
    EXPECT_GT(added->window_ends, now + 50s);
    EXPECT_LE(added->window_ends, now + 61s);
  }
  Result<Attempts> seen = run(store().attempts("login:account:a", now));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->count, 3u);
  EXPECT_EQ(run(store().attempts("login:account:b", now)).value().count, 0u) << "keys are independent";
  ASSERT_TRUE(run(store().clear_attempts("login:account:a")));
  EXPECT_EQ(run(store().attempts("login:account:a", now)).value().count, 0u);
  ASSERT_TRUE(run(store().clear_attempts("never-used")));
}

TEST_P(StoreContractTest, AnExpiredAttemptWindowStartsOver) {
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  ASSERT_TRUE(run(store().add_attempt("k", now, 1ms)));
  // The window has closed once its end has passed, whichever clock the backend uses: a
  // backend-side expiry of 1 ms, or `now` an hour later for a backend that compares times.
  const TimePoint later = now + 1h;
  Result<Attempts> fresh;
  for (int i = 0; i < 200; ++i) {  // bounded: at most ~200 round trips on the backend's own 1 ms TTL
    fresh = run(store().attempts("k", later));
    if (fresh && fresh->count == 0) break;
  }
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->count, 0u);
  Result<Attempts> again = run(store().add_attempt("k", later, 60s));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->count, 1u);
}

// The window opens at the caller's `now`, not at the backend's clock: the service's injected
// clock decides (and instances agree on it however Redis's clock runs).
TEST_P(StoreContractTest, AttemptWindowsFollowTheGivenNowNotTheBackendsClock) {
  for (const TimePoint now : {kT0, TimePoint(978'307'200'000ms)}) {  // 2100, and 2001-01-01
    const std::string key = "clock:" + std::to_string(now.time_since_epoch().count());
    Result<Attempts> first = run(store().add_attempt(key, now, 60s));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->count, 1u);
    EXPECT_EQ(first->window_ends, now + 60s);
    Result<Attempts> second = run(store().add_attempt(key, now + 59s, 60s));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->count, 2u);
    EXPECT_EQ(second->window_ends, now + 60s) << "the open window keeps its end";
    Result<Attempts> inside = run(store().attempts(key, now + 59'999ms));
    ASSERT_TRUE(inside);
    EXPECT_EQ(inside->count, 2u);
    EXPECT_EQ(inside->window_ends, now + 60s);
    EXPECT_EQ(run(store().attempts(key, now + 60s)).value().count, 0u) << "closed at its end";
    Result<Attempts> next = run(store().add_attempt(key, now + 61s, 60s));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->count, 1u) << "a new window opens";
    EXPECT_EQ(next->window_ends, now + 121s);
  }
}

TEST_P(StoreContractTest, ConcurrentAttemptsAreAllCounted) {
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  constexpr int kAttempts = 40;
  std::vector<std::future<Result<Attempts>>> pending;
  for (int i = 0; i < kAttempts; ++i) {
    pending.push_back(boost::asio::co_spawn(io(), store().add_attempt("busy", now, 60s), boost::asio::use_future));
  }
  std::vector<std::thread> runners;
  for (int t = 0; t < 4; ++t) runners.emplace_back([this] { io().run(); });
  std::uint32_t highest = 0;
  for (auto& f : pending) {
    Result<Attempts> r = f.get();
    ASSERT_TRUE(r);
    highest = std::max(highest, r->count);
  }
  io().stop();
  for (auto& t : runners) t.join();
  EXPECT_EQ(highest, static_cast<std::uint32_t>(kAttempts));
  EXPECT_EQ(run(store().attempts("busy", now)).value().count, static_cast<std::uint32_t>(kAttempts));
}

// Nothing listens on the port: every operation reports unavailable, promptly (the client's
// connect attempt fails at once; its timeouts bound the slower failures).
TEST(RedisUnavailable, EveryOperationReportsUnavailable) {
  boost::asio::io_context io;
  OpenOptions options;
  options.executor = io.get_executor();
  const std::string url = "redis://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  std::unique_ptr<Store> store = open_store(url, options).value();
  EXPECT_TRUE(fails_with(run_awaitable(io, store->ping()), Error::unavailable));
  EXPECT_TRUE(fails_with(run_awaitable(io, store->find_account_by_email("a@example.com")), Error::unavailable));
  EXPECT_TRUE(fails_with(run_awaitable(io, store->create_account(make_account("id-1", "a@example.com"), {})),
                         Error::unavailable));
  EXPECT_TRUE(fails_with(run_awaitable(io, store->find_account_by_session("d", kT0)), Error::unavailable));
}

TEST(RedisUrl, RejectsTlsAndBadDatabaseIndex) {
  boost::asio::io_context io;
  OpenOptions options;
  options.executor = io.get_executor();
  EXPECT_FALSE(open_store("rediss://127.0.0.1:6379", options));
  EXPECT_FALSE(open_store("redis://127.0.0.1:6379/x", options));
  EXPECT_FALSE(open_store("redis://", options));
  EXPECT_FALSE(open_store("mysql://127.0.0.1/db", options));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::ValuesIn(kFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vestibule::store
