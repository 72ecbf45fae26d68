// SessionCache on its own (store/session_cache.h): what it answers, what it refuses to keep,
// and what it forgets. The stores it sits in front of are tested in
// session_check_contract_test.cc and redis_tracking_test.cc.
#include "store/session_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

namespace vestibule::store {
namespace {

using namespace std::chrono_literals;

constexpr TimePoint kT0{4'102'444'800'123ms};

SessionSummary summary(const std::string& digest, const std::string& account_id, TimePoint expires_at = kT0 + 1h) {
  SessionSummary s;
  s.session = Session{.token_digest = digest,
                      .account_id = account_id,
                      .created_at = kT0,
                      .expires_at = expires_at,
                      .id = "sid-" + digest,
                      .last_used_at = kT0};
  s.account = AccountSummary{.id = account_id, .name = "Name", .email = account_id + "@example.com",
                             .email_key = account_id + "@example.com", .created_at = kT0, .updated_at = kT0};
  return s;
}

void fill(SessionCache& cache, const std::string& digest, const std::string& account_id,
          TimePoint expires_at = kT0 + 1h) {
  cache.fill(cache.ticket(), summary(digest, account_id, expires_at));
}

TEST(SessionCache, AnswersWhatWasFilledAndCountsHitsAndMisses) {
  SessionCache cache(8);
  EXPECT_FALSE(cache.find("d1", kT0));
  fill(cache, "d1", "a1");
  auto hit = cache.find("d1", kT0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->session.id, "sid-d1");
  EXPECT_EQ(hit->account.email, "a1@example.com");
  const SessionCacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_GT(stats.bytes, 0u);
}

TEST(SessionCache, AnExpiredEntryIsMissedAndDropped) {
  SessionCache cache(8);
  fill(cache, "d1", "a1", kT0 + 1min);
  EXPECT_TRUE(cache.find("d1", kT0 + 1min - 1ms));
  // The store's rule: expired at or before `now`.
  EXPECT_FALSE(cache.find("d1", kT0 + 1min));
  EXPECT_EQ(cache.stats().entries, 0u);
}

std::size_t stripe_of(const std::string& key) { return std::hash<std::string>{}(key) % SessionCache::kStripes; }

// A key whose stripe is neither of these.
std::string key_apart_from(const std::string& a, const std::string& b) {
  for (int i = 0;; ++i) {
    std::string k = "other-" + std::to_string(i);
    if (stripe_of(k) != stripe_of(a) && stripe_of(k) != stripe_of(b)) return k;
  }
}

TEST(SessionCache, AFillAcrossAForgetOfItsSessionOrAccountIsRefused) {
  SessionCache cache(8);
  // The read started, then the session changed and was forgotten, then the answer came: it may
  // predate the change, so it is not kept.
  SessionCache::Ticket ticket = cache.ticket();
  cache.forget_session("d1");
  cache.fill(ticket, summary("d1", "a1"));
  EXPECT_FALSE(cache.find("d1", kT0));
  ticket = cache.ticket();
  cache.forget_account("a1");
  cache.fill(ticket, summary("d1", "a1"));
  EXPECT_FALSE(cache.find("d1", kT0));
  ticket = cache.ticket();
  cache.reset(true);
  cache.fill(ticket, summary("d1", "a1"));
  EXPECT_FALSE(cache.find("d1", kT0));
  EXPECT_EQ(cache.stats().refused_fills, 3u);
  // A fresh read after the change is kept.
  fill(cache, "d1", "a1");
  EXPECT_TRUE(cache.find("d1", kT0));
}

TEST(SessionCache, AForgetOfAnUnrelatedStripeDoesNotRefuseAFill) {
  SessionCache cache(8);
  const SessionCache::Ticket ticket = cache.ticket();
  cache.forget_session(key_apart_from("d1", "a1"));
  cache.forget_account(key_apart_from("d1", "a1"));
  cache.fill(ticket, summary("d1", "a1"));
  EXPECT_TRUE(cache.find("d1", kT0));
}

TEST(SessionCache, AChangeInFlightIsNeverAnsweredFromMemory) {
  SessionCache cache(8);
  fill(cache, "d1", "a1");
  fill(cache, "d2", "a2");
  cache.begin_change(SessionCache::Scope::account, "a1");
  cache.begin_change(SessionCache::Scope::session, "d2");
  EXPECT_FALSE(cache.find("d1", kT0)) << "its account is being changed";
  EXPECT_FALSE(cache.find("d2", kT0)) << "it is being changed";
  fill(cache, "d1", "a1");
  EXPECT_FALSE(cache.find("d1", kT0)) << "no fill while it is being changed";
  cache.end_change(SessionCache::Scope::account, "a1");
  cache.end_change(SessionCache::Scope::session, "d2");
  EXPECT_FALSE(cache.find("d1", kT0)) << "the end of a change forgets it";
  EXPECT_FALSE(cache.find("d2", kT0));
  fill(cache, "d1", "a1");
  EXPECT_TRUE(cache.find("d1", kT0));
}

TEST(SessionCache, ChangesNest) {
  SessionCache cache(8);
  cache.begin_change(SessionCache::Scope::account, "a1");
  cache.begin_change(SessionCache::Scope::account, "a1");
  cache.end_change(SessionCache::Scope::account, "a1");
  fill(cache, "d1", "a1");
  EXPECT_FALSE(cache.find("d1", kT0)) << "one of two changes is still in flight";
  cache.end_change(SessionCache::Scope::account, "a1");
  fill(cache, "d1", "a1");
  EXPECT_TRUE(cache.find("d1", kT0));
}

TEST(SessionCache, ForgetsOneSessionOrEveryOneOfAnAccount) {
  SessionCache cache(8);
  fill(cache, "d1", "a1");
  fill(cache, "d2", "a1");
  fill(cache, "d3", "a2");
  cache.forget_session("d1");
  EXPECT_FALSE(cache.find("d1", kT0));
  EXPECT_TRUE(cache.find("d2", kT0));
  cache.forget_account("a1");
  EXPECT_FALSE(cache.find("d2", kT0));
  EXPECT_TRUE(cache.find("d3", kT0));
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().invalidations, 2u);
}

TEST(SessionCache, KeepsAtMostMaxEntriesForgettingTheLeastRecentlyUsed) {
  SessionCache cache(2);
  fill(cache, "d1", "a1");
  fill(cache, "d2", "a2");
  EXPECT_TRUE(cache.find("d1", kT0));  // d2 is now the least recently used
  fill(cache, "d3", "a3");
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_TRUE(cache.find("d1", kT0));
  EXPECT_FALSE(cache.find("d2", kT0));
  EXPECT_TRUE(cache.find("d3", kT0));
  // The evicted entry left the account index too: forgetting its account touches nothing else.
  cache.forget_account("a2");
  EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(SessionCache, ResetForgetsEverythingAndCanStopFills) {
  SessionCache cache(8);
  fill(cache, "d1", "a1");
  cache.reset(false);
  EXPECT_FALSE(cache.find("d1", kT0));
  fill(cache, "d1", "a1");
  EXPECT_FALSE(cache.find("d1", kT0)) << "no fill is kept while fills are off";
  cache.reset(true);
  fill(cache, "d1", "a1");
  EXPECT_TRUE(cache.find("d1", kT0));
  EXPECT_EQ(cache.stats().resets, 2u);
}

TEST(SessionCache, AnEntryLargerThanTheBoundIsNotKept) {
  SessionCache cache(8);
  SessionSummary big = summary("d1", "a1");
  big.account.name.assign(SessionCache::kMaxEntryBytes, 'x');
  cache.fill(cache.ticket(), big);
  EXPECT_FALSE(cache.find("d1", kT0));
  EXPECT_EQ(cache.stats().refused_fills, 1u);
}

TEST(SessionCache, TouchMovesTheLastUseForwardOnly) {
  SessionCache cache(8);
  fill(cache, "d1", "a1");
  cache.touched("d1", kT0 + 5min);
  cache.touched("d1", kT0 + 1min);
  auto hit = cache.find("d1", kT0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->session.last_used_at, kT0 + 5min);
}

TEST(SessionCache, BytesReturnToZeroWhenEverythingIsForgotten) {
  SessionCache cache(8);
  fill(cache, "d1", "a1");
  fill(cache, "d2", "a1");
  fill(cache, "d3", "a2");
  cache.forget_session("d3");
  cache.forget_account("a1");
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

}  // namespace
}  // namespace vestibule::store
