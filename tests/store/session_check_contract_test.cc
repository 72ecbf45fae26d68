// The contract of Store::check_session (store.h): what checking a bearer token reads, on every
// backend, with and without the session cache in front (CachedSqlite, CachedRedis). Each test
// warms the cache where there is one (the second check must be a hit), makes one change, and
// checks at once: the answer must be the store's, never the cached one from before the change.
#include <string_view>

#include "contract_fixture.h"

namespace vestibule::store {
namespace {

class SessionCheckContractTest : public StoreContractTest {
 protected:
  Result<SessionSummary> check(const std::string& digest, TimePoint now = kT0) {
    return run(store().check_session(digest, now));
  }

  // Checks twice; behind a cache, the second check must have been answered from memory. On
  // Redis up to 5 checks: a fill is refused when the invalidation of the session's own creation
  // arrives during its read (no change waits for it, docs/redis.md), which is safe, and the
  // next check is filled. On SQLite a refused fill would be a bug.
  void warm(const std::string& digest) {
    const bool redis = std::string_view(GetParam().name).find("Redis") != std::string_view::npos;
    const int checks = redis ? 5 : 2;
    ASSERT_TRUE(check(digest)) << "first check of " << digest;
    for (int i = 1; i < checks; ++i) {
      const std::optional<SessionCacheStats> before = cache_stats();
      ASSERT_TRUE(check(digest)) << "check " << i + 1 << " of " << digest;
      if (!before || cache_stats()->hits == before->hits + 1) return;
    }
    FAIL() << checks << " checks of " << digest << " and none after the first was answered from memory";
  }
};

TEST_P(SessionCheckContractTest, AnswersTheSessionAndItsAccountWithoutSecrets) {
  Account account = make_account("acc-1", "ann@example.com");
  account.totp_secret = "v1.sealed";
  account.recovery_codes = {"digest-a", "digest-b"};
  account.email_verified = true;
  ASSERT_TRUE(run(store().create_account(account, {})));
  add_session("digest-1", "acc-1");
  warm("digest-1");
  Result<SessionSummary> found = check("digest-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->session.token_digest, "digest-1");
  EXPECT_EQ(found->session.account_id, "acc-1");
  EXPECT_EQ(found->session.id, "sid-digest-1");
  EXPECT_EQ(found->session.created_at, kT0);
  EXPECT_EQ(found->session.expires_at, kT0 + 24h);
  EXPECT_EQ(found->account.id, "acc-1");
  EXPECT_EQ(found->account.name, account.name);
  EXPECT_EQ(found->account.email, account.email);
  EXPECT_EQ(found->account.email_key, account.email_key);
  EXPECT_TRUE(found->account.email_verified);
  EXPECT_TRUE(found->account.totp_enabled);
  EXPECT_FALSE(found->account.disabled);
  EXPECT_TRUE(fails_with(check("digest-unknown"), Error::not_found));
}

TEST_P(SessionCheckContractTest, ExpiryHoldsOnEveryCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1", kT0 + 1h);
  warm("digest-1");
  EXPECT_TRUE(check("digest-1", kT0 + 1h - 1ms));
  EXPECT_TRUE(fails_with(check("digest-1", kT0 + 1h), Error::not_found));
}

TEST_P(SessionCheckContractTest, ALogoutIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  for (int i = 0; i < 20; ++i) {
    const std::string digest = "digest-" + std::to_string(i);
    add_session(digest, "acc-1");
    warm(digest);
    ASSERT_TRUE(run(store().delete_session(digest)));
    ASSERT_TRUE(fails_with(check(digest), Error::not_found)) << "round " << i;
  }
}

TEST_P(SessionCheckContractTest, RevokingAllSessionsIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  add_session("digest-2", "acc-1");
  warm("digest-1");
  warm("digest-2");
  ASSERT_TRUE(run(store().delete_sessions("acc-1")));
  EXPECT_TRUE(fails_with(check("digest-1"), Error::not_found));
  EXPECT_TRUE(fails_with(check("digest-2"), Error::not_found));
}

TEST_P(SessionCheckContractTest, RevokingBySessionIdIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  add_session("digest-2", "acc-1");
  warm("digest-1");
  warm("digest-2");
  ASSERT_TRUE(run(store().delete_session_by_id("acc-1", "sid-digest-1", kT0)));
  EXPECT_TRUE(fails_with(check("digest-1"), Error::not_found));
  EXPECT_TRUE(check("digest-2"));
}

TEST_P(SessionCheckContractTest, APasswordChangeKeepingOneSessionIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  add_session("digest-2", "acc-1");
  warm("digest-1");
  warm("digest-2");
  AccountChanges changes;
  changes.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$new";
  changes.keep_only_session = "digest-1";
  changes.updated_at = kT0 + 1s;
  ASSERT_TRUE(update("acc-1", std::move(changes)));
  EXPECT_TRUE(check("digest-1"));
  EXPECT_TRUE(fails_with(check("digest-2"), Error::not_found));
}

TEST_P(SessionCheckContractTest, AnAccountChangeIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  warm("digest-1");
  AccountChanges changes;
  changes.name = "Ann Other";
  changes.email_verified = true;
  changes.updated_at = kT0 + 1s;
  ASSERT_TRUE(update("acc-1", std::move(changes)));
  Result<SessionSummary> found = check("digest-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->account.name, "Ann Other");
  EXPECT_TRUE(found->account.email_verified);
  EXPECT_EQ(found->account.updated_at, kT0 + 1s);
}

TEST_P(SessionCheckContractTest, DisablingIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  warm("digest-1");
  // As the admin API disables: the flag and every session revoked in one change.
  AccountChanges changes;
  changes.disabled = true;
  changes.revoke_all_sessions = true;
  changes.updated_at = kT0 + 1s;
  ASSERT_TRUE(update("acc-1", std::move(changes)));
  EXPECT_TRUE(fails_with(check("digest-1"), Error::not_found));
}

TEST_P(SessionCheckContractTest, DeletingTheAccountIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  warm("digest-1");
  ASSERT_TRUE(run(store().delete_account("acc-1")));
  EXPECT_TRUE(fails_with(check("digest-1"), Error::not_found));
}

TEST_P(SessionCheckContractTest, AResetThatRevokesEverySessionIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  ASSERT_TRUE(run(store().add_effects("acc-1", Effects{make_token("reset-1", TokenPurpose::password_reset, "acc-1"), {}})));
  warm("digest-1");
  AccountChanges changes;
  changes.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$reset";
  changes.revoke_all_sessions = true;
  changes.updated_at = kT0 + 1s;
  ASSERT_TRUE(run(store().redeem_token("reset-1", TokenPurpose::password_reset, kT0, std::move(changes))));
  EXPECT_TRUE(fails_with(check("digest-1"), Error::not_found));
}

TEST_P(SessionCheckContractTest, ASessionLimitRevokingTheOldestIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  warm("digest-1");
  Session newer = make_session("digest-2", "acc-1", kT0 + 24h);
  newer.created_at = kT0 + 1s;
  newer.keep_newest = 1;
  ASSERT_TRUE(run(store().create_session(std::move(newer))));
  EXPECT_TRUE(fails_with(check("digest-1"), Error::not_found));
  EXPECT_TRUE(check("digest-2"));
}

TEST_P(SessionCheckContractTest, ATouchIsSeenByTheNextCheck) {
  add_account("acc-1", "ann@example.com");
  add_session("digest-1", "acc-1");
  warm("digest-1");
  ASSERT_TRUE(run(store().touch_session("digest-1", kT0 + 5min)));
  Result<SessionSummary> found = check("digest-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->session.last_used_at, kT0 + 5min);
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionCheckContractTest, ::testing::ValuesIn(kFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vestibule::store
