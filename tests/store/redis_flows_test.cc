// The Redis store's sessions, account index, flow tokens and outbox as laid out in Redis
// (docs/redis.md): what each script writes and removes, the expiry of session and token keys,
// the claim and lease rule, and the cleanup of failed mail. The behaviour every backend shares is the contract suite's; these check the keys.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstddef>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "redis_fixture.h"
#include "store/params.h"

namespace vestibule::store {
namespace {

using namespace std::chrono_literals;

// One field of a hash as HGETALL returns it, or "".
std::string field(const redis::Reply& hash, const std::string& name) {
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    if (hash.elements[i].str == name) return hash.elements[i + 1].str;
  }
  return "";
}

Account account_of(const std::string& id) {
  return Account{.id = id,
                 .name = "Name of " + id,
                 .email = id + "@example.com",
                 .email_key = id + "@example.com",
                 .password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$" + id,
                 .created_at = kT0,
                 .updated_at = kT0};
}

FlowToken token_of(const std::string& digest, const std::string& account_id,
                   TokenPurpose purpose = TokenPurpose::password_reset, TimePoint expires = kT0 + 1h) {
  return FlowToken{.token_digest = digest,
                   .purpose = purpose,
                   .account_id = account_id,
                   .email = account_id + "@example.com",
                   .created_at = kT0,
                   .expires_at = expires};
}

OutboxMessage message_of(const std::string& id, TimePoint created = kT0) {
  return OutboxMessage{.id = id,
                       .kind = "password_reset",
                       .recipient = "ann@example.com",
                       .params = {{"token", "secret-" + id}, {"name", "Ann"}},
                       .created_at = created,
                       .attempts = 0};
}

class RedisFlowsTest : public RedisStoreTest {
 protected:
  void SetUp() override {
    store_ = open();
    auto prepared = run(store_->prepare());
    ASSERT_TRUE(prepared) << prepared.error().message;
  }

  Store& store() { return *store_; }

  void create(const std::string& id, Effects effects = {}) {
    Result<void> created = run(store().create_account(account_of(id), std::move(effects)));
    ASSERT_TRUE(created) << "create_account(" << id << ")";
  }

  void queue(const std::string& account_id, std::vector<OutboxMessage> mail) {
    Effects effects;
    effects.mail = std::move(mail);
    ASSERT_TRUE(run(store().add_effects(account_id, std::move(effects))));
  }

  std::vector<OutboxMessage> claim(TimePoint now, const std::string& claimer, std::size_t limit = 10) {
    Result<std::vector<OutboxMessage>> claimed = run(store().claim_mail(now, 1min, limit, claimer));
    EXPECT_TRUE(claimed);
    return claimed ? *claimed : std::vector<OutboxMessage>{};
  }

  std::unique_ptr<Store> store_;
};

TEST_F(RedisFlowsTest, ATokenIsAHashExpiringAtItsExpiryAndListedUnderItsAccount) {
  Effects effects;
  effects.token = token_of("digest-1", "acc-1");
  create("acc-1", effects);

  redis::Reply token = raw({"HGETALL", "P:token:digest-1"});
  EXPECT_EQ(field(token, "purpose"), "password_reset");
  EXPECT_EQ(field(token, "account_id"), "acc-1");
  EXPECT_EQ(field(token, "email"), "acc-1@example.com");
  EXPECT_EQ(field(token, "expires_at"), ms(kT0 + 1h));
  EXPECT_EQ(raw({"PEXPIRETIME", "P:token:digest-1"}).integer, (kT0 + 1h).time_since_epoch().count());
  EXPECT_EQ(raw({"ZSCORE", "P:user:{acc-1}:tokens", "digest-1"}).str, ms(kT0 + 1h));
  EXPECT_EQ(raw({"PEXPIRETIME", "P:user:{acc-1}:tokens"}).integer, (kT0 + 1h).time_since_epoch().count())
      << "the index goes with its last token";
}

TEST_F(RedisFlowsTest, ATokenPastTheCallersNowIsNotFoundWhileItsKeyStillExists) {
  Effects effects;
  effects.token = token_of("digest-1", "acc-1");
  create("acc-1", effects);
  Result<TokenHolder> live = run(store().find_token("digest-1", TokenPurpose::password_reset, kT0 + 1h - 1ms));
  ASSERT_TRUE(live);
  EXPECT_EQ(live->account.id, "acc-1");
  EXPECT_EQ(live->token.expires_at, kT0 + 1h);
  Result<TokenHolder> expired = run(store().find_token("digest-1", TokenPurpose::password_reset, kT0 + 1h));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error(), Error::not_found);
  AccountChanges changes;
  changes.updated_at = kT0 + 1h;
  Result<Account> redeemed = run(store().redeem_token("digest-1", TokenPurpose::password_reset, kT0 + 1h, changes));
  ASSERT_FALSE(redeemed);
  EXPECT_EQ(redeemed.error(), Error::not_found);
  EXPECT_EQ(raw({"EXISTS", "P:token:digest-1"}).integer, 1)
      << "Redis's TTL has not run out: the caller's clock decides";
}

TEST_F(RedisFlowsTest, DeletingAnAccountDeletesItsTokenKeysAndKeepsItsQueuedMail) {
  Effects effects;
  effects.token = token_of("digest-1", "acc-1");
  effects.mail = {message_of("mail-1")};
  create("acc-1", effects);
  Effects more;
  more.token = token_of("digest-2", "acc-1", TokenPurpose::email_verification);
  ASSERT_TRUE(run(store().add_effects("acc-1", more)));

  ASSERT_TRUE(run(store().delete_account("acc-1")));
  EXPECT_EQ(raw({"EXISTS", "P:token:digest-1", "P:token:digest-2", "P:user:{acc-1}:tokens"}).integer, 0);
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 1);
  std::vector<OutboxMessage> claimed = claim(kT0, "courier-a");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, "mail-1");
}

TEST_F(RedisFlowsTest, ARefusedCreateWritesNoTokenAndNoMail) {
  create("acc-1");
  Account twin = account_of("acc-2");
  twin.email_key = "acc-1@example.com";
  Effects effects;
  effects.token = token_of("digest-2", "acc-2");
  effects.mail = {message_of("mail-2")};
  Result<void> created = run(store().create_account(twin, effects));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error(), Error::email_taken);
  EXPECT_EQ(raw({"EXISTS", "P:token:digest-2", "P:user:{acc-2}:tokens", "P:user:{acc-2}", "P:mail:mail-2"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "P:outbox:due"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "P:outbox:created"}).integer, 0);
}

TEST_F(RedisFlowsTest, AQueuedMessageIsAHashDueAtItsCreationWithItsParamsAsJson) {
  create("acc-1");
  queue("acc-1", {message_of("mail-1", kT0 + 5s)});
  redis::Reply hash = raw({"HGETALL", "P:mail:mail-1"});
  EXPECT_EQ(field(hash, "kind"), "password_reset");
  EXPECT_EQ(field(hash, "recipient"), "ann@example.com");
  EXPECT_EQ(field(hash, "params"), encode_params({{"token", "secret-mail-1"}, {"name", "Ann"}}));
  EXPECT_EQ(field(hash, "attempts"), "0");
  EXPECT_EQ(raw({"ZSCORE", "P:outbox:due", "mail-1"}).str, ms(kT0 + 5s));
  EXPECT_EQ(raw({"ZSCORE", "P:outbox:created", "mail-1"}).str, ms(kT0 + 5s));
  EXPECT_TRUE(claim(kT0 + 5s - 1ms, "courier-a").empty()) << "not due before its creation";
}

TEST_F(RedisFlowsTest, AClaimRecordsItsClaimerAndMovesTheMessageToTheLeaseEnd) {
  create("acc-1");
  queue("acc-1", {message_of("mail-1")});
  std::vector<OutboxMessage> claimed = claim(kT0 + 1s, "courier-a");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].params, (Params{{"token", "secret-mail-1"}, {"name", "Ann"}}));
  EXPECT_EQ(raw({"HGET", "P:mail:mail-1", "claim"}).str, "courier-a");
  EXPECT_EQ(raw({"ZSCORE", "P:outbox:due", "mail-1"}).str, ms(kT0 + 1s + 1min));
  EXPECT_TRUE(claim(kT0 + 1s + 1min - 1ms, "courier-b").empty()) << "leased";

  // The lease ran out and another claimer took it: the first one's answer changes nothing.
  ASSERT_EQ(claim(kT0 + 1s + 1min, "courier-b").size(), 1u);
  EXPECT_EQ(raw({"HGET", "P:mail:mail-1", "claim"}).str, "courier-b");
  Result<bool> late = run(store().complete_mail("mail-1", "courier-a"));
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 1);
  Result<bool> done = run(store().complete_mail("mail-1", "courier-b"));
  ASSERT_TRUE(done);
  EXPECT_TRUE(*done);
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "P:outbox:due"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "P:outbox:created"}).integer, 0);
}

TEST_F(RedisFlowsTest, ARetryCountsAnAttemptEndsTheClaimAndIsDueAgainAtItsTime) {
  create("acc-1");
  queue("acc-1", {message_of("mail-1")});
  ASSERT_EQ(claim(kT0, "courier-a").size(), 1u);
  Result<bool> retried = run(store().retry_mail("mail-1", "courier-a", kT0 + 10min));
  ASSERT_TRUE(retried);
  EXPECT_TRUE(*retried);
  EXPECT_EQ(raw({"HGET", "P:mail:mail-1", "attempts"}).str, "1");
  EXPECT_TRUE(raw({"HGET", "P:mail:mail-1", "claim"}).is_nil());
  EXPECT_EQ(raw({"ZSCORE", "P:outbox:due", "mail-1"}).str, ms(kT0 + 10min));
  Result<bool> again = run(store().retry_mail("mail-1", "courier-a", kT0 + 20min));
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "handed back: no longer courier-a's";
  EXPECT_TRUE(claim(kT0 + 10min - 1ms, "courier-b").empty());
  std::vector<OutboxMessage> claimed = claim(kT0 + 10min, "courier-b");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].attempts, 1u);
}

TEST_F(RedisFlowsTest, AFailedMessageLosesItsParamsLeavesTheQueueAndGoesAtItsKeepUntil) {
  create("acc-1");
  queue("acc-1", {message_of("mail-1"), message_of("mail-2", kT0 + 1s)});
  ASSERT_EQ(claim(kT0 + 1s, "courier-a").size(), 2u);
  Result<bool> failed = run(store().fail_mail("mail-1", "courier-a", kT0 + 7 * 24h));
  ASSERT_TRUE(failed);
  EXPECT_TRUE(*failed);
  EXPECT_TRUE(raw({"HGET", "P:mail:mail-1", "params"}).is_nil()) << "it held a token";
  EXPECT_EQ(raw({"HGET", "P:mail:mail-1", "attempts"}).str, "1");
  EXPECT_TRUE(raw({"ZSCORE", "P:outbox:due", "mail-1"}).is_nil());
  EXPECT_EQ(raw({"ZSCORE", "P:outbox:failed", "mail-1"}).str, ms(kT0 + 7 * 24h));
  Result<OutboxStats> stats = run(store().outbox_stats());
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->queued, 1u);
  EXPECT_EQ(stats->failed, 1u);
  ASSERT_TRUE(stats->oldest_queued.has_value());
  EXPECT_EQ(*stats->oldest_queued, kT0 + 1s) << "mail-2: the failed one is no longer queued";

  ASSERT_TRUE(run(store().purge_expired_sessions(kT0 + 7 * 24h - 1ms)));
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 1);
  ASSERT_TRUE(run(store().purge_expired_sessions(kT0 + 7 * 24h)));
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "P:outbox:failed"}).integer, 0);
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-2"}).integer, 1) << "queued mail is not purged";
}

TEST_F(RedisFlowsTest, AClaimAlsoRemovesFailedMailPastItsKeepUntil) {
  create("acc-1");
  queue("acc-1", {message_of("mail-1")});
  ASSERT_EQ(claim(kT0, "courier-a").size(), 1u);
  ASSERT_TRUE(run(store().fail_mail("mail-1", "courier-a", kT0 + 1h)));
  EXPECT_TRUE(claim(kT0 + 1h - 1ms, "courier-a").empty());
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 1);
  EXPECT_TRUE(claim(kT0 + 1h, "courier-a").empty());
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 0);
  Result<OutboxStats> stats = run(store().outbox_stats());
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->failed, 0u);
}

TEST_F(RedisFlowsTest, AMessageWithDamagedParamsIsSkippedAndLoggedByIdWhileTheOthersAreClaimed) {
  create("acc-1");
  queue("acc-1", {message_of("mail-1"), message_of("mail-2", kT0 + 1s)});
  raw({"HSET", "P:mail:mail-1", "params", "not json"});
  std::vector<OutboxMessage> claimed = claim(kT0 + 1s, "courier-a");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, "mail-2");
  const std::string log = logged();
  EXPECT_NE(log.find("event=store.mail_damaged message_id=mail-1"), std::string::npos) << log;
  EXPECT_EQ(log.find("ann@example.com"), std::string::npos) << "no recipient in the log: " << log;
}

TEST_F(RedisFlowsTest, DroppingTokensDeletesTheKeysOfThosePurposesOnlyAndKeepsTheNewOne) {
  Effects first;
  first.token = token_of("reset-1", "acc-1");
  create("acc-1", first);
  Effects verification;
  verification.token = token_of("verify-1", "acc-1", TokenPurpose::email_verification);
  ASSERT_TRUE(run(store().add_effects("acc-1", verification)));

  AccountChanges changes;
  changes.updated_at = kT0 + 1min;
  changes.drop_tokens = {TokenPurpose::password_reset};
  changes.effects.token = token_of("reset-2", "acc-1");
  ASSERT_TRUE(run(store().update_account("acc-1", changes)));
  EXPECT_EQ(raw({"EXISTS", "P:token:reset-1"}).integer, 0);
  EXPECT_EQ(raw({"EXISTS", "P:token:verify-1"}).integer, 1);
  EXPECT_EQ(raw({"EXISTS", "P:token:reset-2"}).integer, 1);
  redis::Reply index = raw({"ZRANGE", "P:user:{acc-1}:tokens", "0", "-1"});
  ASSERT_EQ(index.elements.size(), 2u);
  EXPECT_EQ(index.elements[0].str, "reset-2");
  EXPECT_EQ(index.elements[1].str, "verify-1");
}

TEST_F(RedisFlowsTest, ARedeemedTokenIsDeletedWithItsIndexEntryAndARefusedOneIsLeftAsItWas) {
  Effects effects;
  effects.token = token_of("verify-1", "acc-1", TokenPurpose::email_verification);
  create("acc-1", effects);
  create("acc-2");
  AccountChanges taken;
  taken.updated_at = kT0 + 1min;
  taken.email = "acc-2@example.com";
  taken.email_key = "acc-2@example.com";
  taken.email_verified = true;
  taken.effects.mail = {message_of("mail-1")};
  Result<Account> refused = run(store().redeem_token("verify-1", TokenPurpose::email_verification, kT0, taken));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), Error::email_taken);
  EXPECT_EQ(raw({"EXISTS", "P:token:verify-1"}).integer, 1);
  EXPECT_EQ(raw({"ZSCORE", "P:user:{acc-1}:tokens", "verify-1"}).str, ms(kT0 + 1h));
  EXPECT_EQ(raw({"EXISTS", "P:mail:mail-1"}).integer, 0) << "no mail for a change that did not happen";
  EXPECT_EQ(raw({"HGET", "P:user:{acc-1}", "email_verified"}).str, "0");

  AccountChanges verify;
  verify.updated_at = kT0 + 1min;
  verify.email_verified = true;
  Result<Account> redeemed = run(store().redeem_token("verify-1", TokenPurpose::email_verification, kT0, verify));
  ASSERT_TRUE(redeemed);
  EXPECT_TRUE(redeemed->email_verified);
  EXPECT_EQ(raw({"EXISTS", "P:token:verify-1"}).integer, 0);
  EXPECT_TRUE(raw({"ZSCORE", "P:user:{acc-1}:tokens", "verify-1"}).is_nil());
}

TEST_F(RedisFlowsTest, APendingAddressIsStoredAndClearedWithEmptyStrings) {
  create("acc-1");
  AccountChanges pending;
  pending.updated_at = kT0 + 1min;
  pending.pending_email = "New@example.com";
  pending.pending_email_key = "new@example.com";
  Result<Account> changed = run(store().update_account("acc-1", pending));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->pending_email, "New@example.com");
  EXPECT_EQ(changed->pending_email_key, "new@example.com");
  EXPECT_EQ(raw({"EXISTS", "P:email:new@example.com"}).integer, 0) << "a pending address claims no index entry";

  AccountChanges clear;
  clear.updated_at = kT0 + 2min;
  clear.pending_email = "";
  clear.pending_email_key = "";
  Result<Account> cleared = run(store().update_account("acc-1", clear));
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->pending_email, "");
  EXPECT_EQ(cleared->pending_email_key, "");
  EXPECT_EQ(raw({"HEXISTS", "P:user:{acc-1}", "pending_email"}).integer, 0);
}

TEST_F(RedisFlowsTest, OfConcurrentRedemptionsOfOneTokenExactlyOneSucceeds) {
  Effects effects;
  effects.token = token_of("reset-1", "acc-1");
  create("acc-1", effects);
  constexpr int kRedemptions = 20;
  std::vector<std::future<Result<Account>>> pending;
  for (int i = 0; i < kRedemptions; ++i) {
    AccountChanges changes;
    changes.updated_at = kT0 + 1min;
    changes.password_hash = "hash-" + std::to_string(i);
    changes.revoke_all_sessions = true;
    changes.effects.mail = {message_of("notice-" + std::to_string(i))};
    pending.push_back(boost::asio::co_spawn(
        io_, store().redeem_token("reset-1", TokenPurpose::password_reset, kT0, std::move(changes)),
        boost::asio::use_future));
  }
  // All are spawned before any runs, so they race for the token.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  io_.restart();
  for (auto& p : pending) {
    while (p.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(100ms);
    }
  }
  int succeeded = 0;
  std::string winner;
  for (int i = 0; i < kRedemptions; ++i) {
    ASSERT_EQ(pending[i].wait_for(0s), std::future_status::ready) << "redemption " << i << " did not complete";
    Result<Account> r = pending[i].get();
    if (r) {
      ++succeeded;
      winner = r->password_hash;
    } else {
      EXPECT_EQ(r.error(), Error::not_found) << "redemption " << i;
    }
  }
  EXPECT_EQ(succeeded, 1);
  EXPECT_EQ(raw({"HGET", "P:user:{acc-1}", "password_hash"}).str, winner);
  EXPECT_EQ(raw({"ZCARD", "P:outbox:due"}).integer, 1) << "only the winner's notice is queued";
}

Session session_of(const std::string& digest, const std::string& account_id, TimePoint expires = kT0 + 1h) {
  return Session{.token_digest = digest,
                 .account_id = account_id,
                 .created_at = kT0,
                 .expires_at = expires,
                 .id = "sid-" + digest,
                 .user_agent = "curl/8.0",
                 .client_address = "192.0.2.7"};
}

std::string at(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

TEST_F(RedisFlowsTest, ASessionIsAHashExpiringAtItsExpiryWithItsIdKeyAndIndexEntry) {
  create("acc-1");
  ASSERT_TRUE(run(store().create_session(session_of("digest-1", "acc-1"))));

  const redis::Reply hash = raw({"HGETALL", "P:session:digest-1"});
  EXPECT_EQ(hash.elements.size(), 14u) << "seven fields";
  EXPECT_EQ(field(hash, "account_id"), "acc-1");
  EXPECT_EQ(field(hash, "id"), "sid-digest-1");
  EXPECT_EQ(field(hash, "created_at"), at(kT0));
  EXPECT_EQ(field(hash, "expires_at"), at(kT0 + 1h));
  EXPECT_EQ(field(hash, "last_used_at"), at(kT0));
  EXPECT_EQ(field(hash, "user_agent"), "curl/8.0");
  EXPECT_EQ(field(hash, "client_address"), "192.0.2.7");
  EXPECT_EQ(raw({"PEXPIRETIME", "P:session:digest-1"}).integer, std::stoll(at(kT0 + 1h)));
  EXPECT_EQ(raw({"GET", "P:user:{acc-1}:session_id:sid-digest-1"}).str, "digest-1");
  EXPECT_EQ(raw({"PEXPIRETIME", "P:user:{acc-1}:session_id:sid-digest-1"}).integer, std::stoll(at(kT0 + 1h)));
  EXPECT_EQ(raw({"ZSCORE", "P:user:{acc-1}:sessions", "digest-1"}).str, at(kT0 + 1h));
}

TEST_F(RedisFlowsTest, ATouchMovesOnlyLastUseAndKeepsTheExpiry) {
  create("acc-1");
  ASSERT_TRUE(run(store().create_session(session_of("digest-1", "acc-1"))));
  ASSERT_TRUE(run(store().touch_session("digest-1", kT0 + 1min)));
  EXPECT_EQ(field(raw({"HGETALL", "P:session:digest-1"}), "last_used_at"), at(kT0 + 1min));
  EXPECT_EQ(raw({"PEXPIRETIME", "P:session:digest-1"}).integer, std::stoll(at(kT0 + 1h)));

  ASSERT_TRUE(run(store().touch_session("digest-gone", kT0 + 1min)));
  EXPECT_EQ(raw({"EXISTS", "P:session:digest-gone"}).integer, 0) << "no hash without a TTL for a gone session";
}

// Whatever revokes a session deletes its hash, its id key and its index entry; deleting the
// account leaves no key of it at all.
TEST_F(RedisFlowsTest, EveryRevocationDeletesTheSessionsIdKey) {
  create("acc-1");
  for (const std::string d : {"d1", "d2", "d3", "d4", "d5"}) {
    ASSERT_TRUE(run(store().create_session(session_of(d, "acc-1"))));
  }
  auto gone = [this](const std::string& d) {
    return raw({"EXISTS", "P:session:" + d, "P:user:{acc-1}:session_id:sid-" + d}).integer == 0 &&
           raw({"ZSCORE", "P:user:{acc-1}:sessions", d}).is_nil();
  };
  ASSERT_TRUE(run(store().delete_session("d1")));
  EXPECT_TRUE(gone("d1")) << "delete_session";
  ASSERT_TRUE(run(store().delete_session_by_id("acc-1", "sid-d2", kT0)));
  EXPECT_TRUE(gone("d2")) << "delete_session_by_id";
  AccountChanges keep_d5;
  keep_d5.updated_at = kT0 + 1s;
  keep_d5.password_hash = "new-hash";
  keep_d5.keep_only_session = "d5";
  ASSERT_TRUE(run(store().update_account("acc-1", keep_d5)));
  EXPECT_TRUE(gone("d3")) << "update_account keep_only_session";
  EXPECT_TRUE(gone("d4"));
  EXPECT_FALSE(gone("d5"));
  ASSERT_TRUE(run(store().delete_sessions("acc-1")));
  EXPECT_TRUE(gone("d5")) << "delete_sessions";

  ASSERT_TRUE(run(store().create_session(session_of("d6", "acc-1"))));
  ASSERT_TRUE(run(store().delete_account("acc-1")));
  EXPECT_EQ(raw({"KEYS", "P:user:*"}).elements.size(), 0u);
  EXPECT_EQ(raw({"KEYS", "P:session:*"}).elements.size(), 0u);
}

TEST_F(RedisFlowsTest, ASessionDigestOrIdInUseRefusesTheNewSessionAndKeepsTheOld) {
  create("acc-1");
  ASSERT_TRUE(run(store().create_session(session_of("digest-1", "acc-1"))));
  Session same_digest = session_of("digest-1", "acc-1", kT0 + 2h);
  same_digest.id = "sid-other";
  Result<void> refused = run(store().create_session(same_digest));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), Error::unavailable) << "a collision of random values, not the client's doing";
  Session same_id = session_of("digest-2", "acc-1", kT0 + 2h);
  same_id.id = "sid-digest-1";
  refused = run(store().create_session(same_id));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), Error::unavailable);

  EXPECT_EQ(field(raw({"HGETALL", "P:session:digest-1"}), "expires_at"), at(kT0 + 1h));
  EXPECT_EQ(raw({"EXISTS", "P:session:digest-2", "P:user:{acc-1}:session_id:sid-other"}).integer, 0);
  EXPECT_EQ(raw({"GET", "P:user:{acc-1}:session_id:sid-digest-1"}).str, "digest-1");
}

TEST_F(RedisFlowsTest, TheAccountIndexHoldsEveryAccountAtScoreZeroAndFollowsCreateAndDelete) {
  create("acc-2");
  create("acc-1");
  Account twin = account_of("acc-3");
  twin.email_key = "acc-1@example.com";
  ASSERT_FALSE(run(store().create_account(twin, {})));
  Account same_id = account_of("acc-1");
  same_id.email_key = "other@example.com";
  Result<void> taken = run(store().create_account(same_id, {}));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error(), Error::id_taken);
  EXPECT_EQ(raw({"EXISTS", "P:email:other@example.com"}).integer, 0) << "a refused create claims no address";

  const redis::Reply index = raw({"ZRANGE", "P:accounts", "0", "-1", "WITHSCORES"});
  ASSERT_EQ(index.elements.size(), 4u);
  EXPECT_EQ(index.elements[0].str, "acc-1");
  EXPECT_EQ(index.elements[1].str, "0");
  EXPECT_EQ(index.elements[2].str, "acc-2");
  EXPECT_EQ(index.elements[3].str, "0");
  Result<std::vector<Account>> all = run(store().list_accounts("", std::numeric_limits<std::size_t>::max()));
  ASSERT_TRUE(all) << "any limit: Redis counts in 64-bit signed integers";
  EXPECT_EQ(all->size(), 2u);
  ASSERT_TRUE(run(store().delete_account("acc-1")));
  EXPECT_TRUE(raw({"ZSCORE", "P:accounts", "acc-1"}).is_nil());
  EXPECT_EQ(raw({"ZCARD", "P:accounts"}).integer, 1);
}

TEST_F(RedisFlowsTest, DisabledIsAnAccountFieldWrittenByCreateAndUpdate) {
  create("acc-1");
  EXPECT_EQ(field(raw({"HGETALL", "P:user:{acc-1}"}), "disabled"), "0");
  AccountChanges disable;
  disable.updated_at = kT0 + 1s;
  disable.disabled = true;
  Result<Account> updated = run(store().update_account("acc-1", disable));
  ASSERT_TRUE(updated);
  EXPECT_TRUE(updated->disabled);
  EXPECT_EQ(field(raw({"HGETALL", "P:user:{acc-1}"}), "disabled"), "1");
  raw({"HDEL", "P:user:{acc-1}", "disabled"});
  Result<Account> absent = run(store().find_account("acc-1"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->disabled) << "absent (data version 3): not disabled";
}

}  // namespace
}  // namespace vestibule::store
