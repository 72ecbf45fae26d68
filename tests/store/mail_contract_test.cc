// The Store contract (src/store/store.h) for the mail outbox: claims with leases, complete /
// retry / fail by the claimer only, housekeeping and counts, checked against every backend
// (contract_fixture.h). How mail gets queued with its change: flow_token_contract_test.cc.

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "contract_fixture.h"
#include "store/store.h"

namespace vestibule::store {
namespace {

using Ids = std::vector<std::string>;

class MailContractTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    add_account("id-1", "a@example.com");
  }

  // Queues the messages as one change's effects (the only way mail enters the outbox).
  void queue(std::vector<OutboxMessage> mail) {
    Effects effects;
    effects.mail = std::move(mail);
    Result<void> added = run(store().add_effects("id-1", std::move(effects)));
    EXPECT_TRUE(added) << "add_effects";
  }

  std::vector<OutboxMessage> claim(TimePoint now, std::chrono::milliseconds lease, std::size_t limit,
                                   const std::string& claimer) {
    Result<std::vector<OutboxMessage>> claimed = run(store().claim_mail(now, lease, limit, claimer));
    EXPECT_TRUE(claimed) << "claim_mail by " << claimer;
    return claimed ? std::move(*claimed) : std::vector<OutboxMessage>{};
  }

  Ids claim_ids(TimePoint now, std::chrono::milliseconds lease, std::size_t limit, const std::string& claimer) {
    Ids ids;
    for (const OutboxMessage& m : claim(now, lease, limit, claimer)) ids.push_back(m.id);
    return ids;
  }

  OutboxStats stats() { return run(store().outbox_stats()).value(); }

  bool complete(const std::string& id, const std::string& claimer) {
    return run(store().complete_mail(id, claimer)).value();
  }
  bool retry(const std::string& id, const std::string& claimer, TimePoint due) {
    return run(store().retry_mail(id, claimer, due)).value();
  }
  bool fail(const std::string& id, const std::string& claimer, TimePoint keep_until) {
    return run(store().fail_mail(id, claimer, keep_until)).value();
  }
};

TEST_P(MailContractTest, ClaimReturnsDueMessagesOldestFirstUpToTheLimit) {
  queue({make_mail("msg-3", kT0 + 3ms), make_mail("msg-1", kT0 + 1ms)});
  queue({make_mail("msg-5", kT0 + 5ms), make_mail("msg-2", kT0 + 2ms), make_mail("msg-4", kT0 + 4ms)});
  queue({make_mail("msg-later", kT0 + 1h)});

  EXPECT_EQ(claim_ids(kT0 + 1s, 24h, 3, "courier-a"), (Ids{"msg-1", "msg-2", "msg-3"}));
  EXPECT_EQ(claim_ids(kT0 + 1s, 24h, 3, "courier-a"), (Ids{"msg-4", "msg-5"}));
  EXPECT_EQ(claim_ids(kT0 + 1s, 24h, 3, "courier-b"), Ids{}) << "the rest are claimed or not due";
  EXPECT_EQ(claim_ids(kT0 + 1h, 24h, 3, "courier-b"), Ids{"msg-later"});
}

TEST_P(MailContractTest, ClaimReturnsEveryFieldAndCountsNoAttemptOnQueueing) {
  OutboxMessage mail = make_mail("msg-1", kT0 + 7ms);
  mail.attempts = 7;  // ignored on queueing
  queue({mail});

  EXPECT_EQ(claim_ids(kT0 + 6ms, 1min, 10, "courier-a"), Ids{}) << "due at its created_at, not before";
  std::vector<OutboxMessage> claimed = claim(kT0 + 7ms, 1min, 10, "courier-a");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, "msg-1");
  EXPECT_EQ(claimed[0].kind, "verify_email");
  EXPECT_EQ(claimed[0].recipient, "to-msg-1@example.com");
  EXPECT_EQ(claimed[0].params, mail.params);
  EXPECT_EQ(claimed[0].created_at, kT0 + 7ms);
  EXPECT_EQ(claimed[0].attempts, 0u);
}

TEST_P(MailContractTest, ParamsRoundTripExactly) {
  static constexpr char kControls[] = "tab\there\nnewline\r\x01 and a NUL:\0.";
  const std::string controls(kControls, sizeof kControls - 1);  // with the NUL inside
  OutboxMessage mail = make_mail("msg-1");
  mail.params = {{"name", "Zoë 日本語 😀"},
                 {"name", "second value under the same name"},
                 {"empty", ""},
                 {"", "empty name"},
                 {"quotes", "\"[\\\"]\" ,{} \\u0041"},
                 {"controls", controls},
                 {"link", "https://example.com/reset-password#token=AbC-_09"}};
  queue({mail});
  std::vector<OutboxMessage> claimed = claim(kT0, 1min, 10, "courier-a");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].params, mail.params);
  EXPECT_EQ(claimed[0].params[5].second, controls);
  EXPECT_EQ(claimed[0].params[5].second.size(), sizeof kControls - 1);
}

TEST_P(MailContractTest, AClaimedMessageIsNotClaimedAgainBeforeItsLeaseEnds) {
  queue({make_mail("msg-1")});
  ASSERT_EQ(claim_ids(kT0, 60s, 10, "courier-a"), Ids{"msg-1"});

  EXPECT_EQ(claim_ids(kT0, 60s, 10, "courier-b"), Ids{});
  EXPECT_EQ(claim_ids(kT0 + 60s - 1ms, 60s, 10, "courier-b"), Ids{});
  EXPECT_EQ(claim_ids(kT0 + 60s - 1ms, 60s, 10, "courier-a"), Ids{}) << "not even for its own claimer";
  // The lease has run out (courier-a crashed, say): anyone may claim it again.
  EXPECT_EQ(claim_ids(kT0 + 60s, 60s, 10, "courier-b"), Ids{"msg-1"});
  EXPECT_EQ(claim_ids(kT0 + 60s, 60s, 10, "courier-c"), Ids{});
}

TEST_P(MailContractTest, CompleteRemovesTheMessage) {
  queue({make_mail("msg-1"), make_mail("msg-2", kT0 + 1ms)});
  ASSERT_EQ(claim_ids(kT0 + 1ms, 1min, 10, "courier-a"), (Ids{"msg-1", "msg-2"}));
  EXPECT_TRUE(complete("msg-1", "courier-a"));

  const OutboxStats after = stats();
  EXPECT_EQ(after.queued, 1u);
  EXPECT_EQ(after.failed, 0u);
  EXPECT_EQ(claim_ids(kT0 + 1h, 1min, 10, "courier-b"), Ids{"msg-2"}) << "msg-1 is gone for good";
  EXPECT_FALSE(complete("msg-1", "courier-a")) << "completing twice";
}

TEST_P(MailContractTest, AStaleClaimCompletesRetriesAndFailsNothing) {
  queue({make_mail("msg-1")});
  ASSERT_EQ(claim_ids(kT0, 60s, 10, "courier-a"), Ids{"msg-1"});
  ASSERT_EQ(claim_ids(kT0 + 60s, 60s, 10, "courier-b"), Ids{"msg-1"});

  EXPECT_FALSE(complete("msg-1", "courier-a"));
  EXPECT_FALSE(retry("msg-1", "courier-a", kT0 + 61s));
  EXPECT_FALSE(fail("msg-1", "courier-a", kT0 + 24h));
  EXPECT_FALSE(complete("msg-1", "courier-never"));
  // Nothing changed: still queued, still courier-b's, still leased until kT0 + 120 s.
  const OutboxStats unchanged = stats();
  EXPECT_EQ(unchanged.queued, 1u);
  EXPECT_EQ(unchanged.failed, 0u);
  EXPECT_EQ(claim_ids(kT0 + 120s - 1ms, 60s, 10, "courier-c"), Ids{});
  std::vector<OutboxMessage> again = claim(kT0 + 120s, 60s, 10, "courier-c");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 0u) << "the stale retry and fail counted no attempt";
  EXPECT_EQ(again[0].params, make_mail("msg-1").params) << "the stale fail erased nothing";
  EXPECT_TRUE(complete("msg-1", "courier-c"));
}

TEST_P(MailContractTest, ALapsedLeaseStillActsWhileNobodyClaimedTheMessageSince) {
  queue({make_mail("msg-1")});
  ASSERT_EQ(claim_ids(kT0, 1s, 10, "courier-a"), Ids{"msg-1"});
  // A slow delivery: the lease ran out, but the message is still courier-a's.
  EXPECT_TRUE(complete("msg-1", "courier-a"));
  EXPECT_EQ(stats().queued, 0u);
}

TEST_P(MailContractTest, RetryMakesItDueAtTheGivenTimeWithOneMoreAttempt) {
  queue({make_mail("msg-1"), make_mail("msg-2", kT0 + 1ms)});
  ASSERT_EQ(claim_ids(kT0 + 1ms, 1min, 10, "courier-a"), (Ids{"msg-1", "msg-2"}));
  EXPECT_TRUE(retry("msg-1", "courier-a", kT0 + 5min));

  EXPECT_EQ(claim_ids(kT0 + 5min - 1ms, 24h, 10, "courier-b"), Ids{"msg-2"}) << "msg-1 waits for its time";
  std::vector<OutboxMessage> due = claim(kT0 + 5min, 24h, 10, "courier-b");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, "msg-1");
  EXPECT_EQ(due[0].attempts, 1u);
  EXPECT_EQ(due[0].params, make_mail("msg-1").params);
  EXPECT_TRUE(retry("msg-1", "courier-b", kT0 + 10min));
  EXPECT_EQ(claim(kT0 + 10min, 1min, 10, "courier-c").at(0).attempts, 2u);
}

TEST_P(MailContractTest, RetryMayMakeItDueEarlierThanItsLease) {
  queue({make_mail("msg-1")});
  ASSERT_EQ(claim_ids(kT0, 10min, 10, "courier-a"), Ids{"msg-1"});
  EXPECT_TRUE(retry("msg-1", "courier-a", kT0 + 1s));
  EXPECT_EQ(claim_ids(kT0 + 1s, 10min, 10, "courier-b"), Ids{"msg-1"});
}

TEST_P(MailContractTest, AFailedMessageIsNeverDueAgainAndIsCountedAsFailed) {
  queue({make_mail("msg-1"), make_mail("msg-2", kT0 + 1ms)});
  ASSERT_EQ(claim_ids(kT0 + 1ms, 1min, 10, "courier-a"), (Ids{"msg-1", "msg-2"}));
  EXPECT_TRUE(fail("msg-1", "courier-a", kT0 + 7 * 24h));

  const OutboxStats after = stats();
  EXPECT_EQ(after.queued, 1u);
  EXPECT_EQ(after.failed, 1u);
  EXPECT_EQ(claim_ids(kT0 + 24h, 1min, 10, "courier-b"), Ids{"msg-2"});
  EXPECT_FALSE(complete("msg-1", "courier-a")) << "given up: no longer the claimer's";
  EXPECT_FALSE(retry("msg-1", "courier-a", kT0 + 1h));
  EXPECT_FALSE(fail("msg-1", "courier-a", kT0 + 1h));
}

TEST_P(MailContractTest, PurgeRemovesFailedMessagesPastTheirKeepUntilOnly) {
  queue({make_mail("msg-1"), make_mail("msg-2", kT0 + 1ms), make_mail("msg-3", kT0 + 2ms)});
  ASSERT_EQ(claim_ids(kT0 + 2ms, 1min, 10, "courier-a"), (Ids{"msg-1", "msg-2", "msg-3"}));
  ASSERT_TRUE(fail("msg-1", "courier-a", kT0 + 1h));
  ASSERT_TRUE(fail("msg-2", "courier-a", kT0 + 2h));
  // msg-3 stays queued (claimed): purging never touches queued mail, however old.

  ASSERT_TRUE(run(store().purge_expired_sessions(kT0 + 1h - 1ms)));
  EXPECT_EQ(stats().failed, 2u);
  ASSERT_TRUE(run(store().purge_expired_sessions(kT0 + 1h)));
  if (GetParam().native_expiry) GTEST_SKIP() << "purging may be a no-op for a backend with native expiry";
  EXPECT_EQ(stats().failed, 1u);
  ASSERT_TRUE(run(store().purge_expired_sessions(kT0 + 365 * 24h)));
  const OutboxStats last = stats();
  EXPECT_EQ(last.failed, 0u);
  EXPECT_EQ(last.queued, 1u);
}

TEST_P(MailContractTest, StatsCountQueuedAndFailedAndTellTheOldestQueued) {
  const OutboxStats empty = stats();
  EXPECT_EQ(empty.queued, 0u);
  EXPECT_EQ(empty.failed, 0u);
  EXPECT_EQ(empty.oldest_queued, std::nullopt);

  queue({make_mail("msg-b", kT0 + 2s), make_mail("msg-a", kT0 + 1s), make_mail("msg-c", kT0 + 3s)});
  ASSERT_EQ(claim_ids(kT0 + 1s, 1min, 1, "courier-a"), Ids{"msg-a"});
  OutboxStats s = stats();
  EXPECT_EQ(s.queued, 3u) << "a claimed message is still queued (being delivered)";
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.oldest_queued, kT0 + 1s);

  ASSERT_TRUE(fail("msg-a", "courier-a", kT0 + 24h));
  s = stats();
  EXPECT_EQ(s.queued, 2u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.oldest_queued, kT0 + 2s) << "a failed message is not the oldest queued";
}

TEST_P(MailContractTest, StatsFollowDeliveriesAndRetriesUntilTheOutboxIsEmpty) {
  queue({make_mail("msg-a", kT0 + 1s), make_mail("msg-b", kT0 + 2s), make_mail("msg-c", kT0 + 3s)});
  ASSERT_EQ(claim_ids(kT0 + 3s, 1min, 10, "courier-a"), (Ids{"msg-a", "msg-b", "msg-c"}));

  // A retried message stays queued with its created_at, however late it is due again.
  ASSERT_TRUE(retry("msg-a", "courier-a", kT0 + 1h));
  OutboxStats s = stats();
  EXPECT_EQ(s.queued, 3u);
  EXPECT_EQ(s.oldest_queued, kT0 + 1s);

  // A delivered one counts nowhere: the oldest is the next one queued.
  ASSERT_TRUE(complete("msg-b", "courier-a"));
  ASSERT_TRUE(complete("msg-c", "courier-a"));
  s = stats();
  EXPECT_EQ(s.queued, 1u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.oldest_queued, kT0 + 1s);
  ASSERT_EQ(claim_ids(kT0 + 1h, 1min, 10, "courier-b"), Ids{"msg-a"});
  ASSERT_TRUE(complete("msg-a", "courier-b"));
  s = stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.oldest_queued, std::nullopt) << "nothing queued, nothing oldest";
}

TEST_P(MailContractTest, UnknownMessagesAreNeitherCompletedRetriedNorFailed) {
  EXPECT_FALSE(complete("msg-unknown", "courier-a"));
  EXPECT_FALSE(retry("msg-unknown", "courier-a", kT0));
  EXPECT_FALSE(fail("msg-unknown", "courier-a", kT0));
  queue({make_mail("msg-1")});
  EXPECT_FALSE(complete("msg-1", "courier-a")) << "queued but never claimed";
  EXPECT_EQ(stats().queued, 1u);
}

TEST_P(MailContractTest, ConcurrentClaimsNeverReturnOneMessageTwice) {
  constexpr std::size_t kMessages = 40;
  constexpr std::size_t kClaims = 8;
  constexpr std::size_t kLimit = 5;  // kClaims * kLimit == kMessages: every message goes out once
  std::vector<OutboxMessage> mail;
  for (std::size_t i = 0; i < kMessages; ++i) {
    mail.push_back(make_mail("msg-" + std::to_string(i), kT0 + std::chrono::milliseconds(i)));
  }
  queue(std::move(mail));

  std::vector<Task<Result<std::vector<OutboxMessage>>>> tasks;
  for (std::size_t c = 0; c < kClaims; ++c) {
    tasks.push_back(store().claim_mail(kT0 + 1s, 1min, kLimit, "courier-" + std::to_string(c)));
  }
  auto results = run_concurrently(std::move(tasks));

  std::set<std::string> seen;
  std::size_t total = 0;
  for (std::size_t c = 0; c < kClaims; ++c) {
    ASSERT_TRUE(results[c].has_value()) << "claim " << c << " never completed";
    ASSERT_TRUE(*results[c]) << "claim " << c << " failed";
    EXPECT_EQ((*results[c])->size(), kLimit) << "claim " << c;
    for (const OutboxMessage& m : **results[c]) {
      ++total;
      EXPECT_TRUE(seen.insert(m.id).second) << m.id << " was claimed twice";
      // Each claimer holds exactly what it was given.
      EXPECT_TRUE(run(store().retry_mail(m.id, "courier-" + std::to_string(c), kT0 + 1h)).value()) << m.id;
    }
  }
  EXPECT_EQ(total, kMessages);
  EXPECT_EQ(seen.size(), kMessages);
}

TEST_P(MailContractTest, QueuedMailAndClaimsSurviveReopening) {
  queue({make_mail("msg-1"), make_mail("msg-2", kT0 + 1ms)});
  ASSERT_EQ(claim_ids(kT0 + 1ms, 1min, 1, "courier-a"), Ids{"msg-1"});

  reopen();

  EXPECT_EQ(claim_ids(kT0 + 1ms, 1min, 10, "courier-b"), Ids{"msg-2"}) << "msg-1 is still leased";
  EXPECT_TRUE(complete("msg-1", "courier-a"));
  EXPECT_EQ(stats().queued, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailContractTest, ::testing::ValuesIn(kFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vestibule::store
