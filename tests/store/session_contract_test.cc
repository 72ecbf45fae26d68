// The Store contract (src/store/store.h) for sessions as their owner sees them: public ids and
// metadata, find_session, last use (touch_session), listing and revoking by id, and no session
// for a disabled account; checked against every backend (contract_fixture.h).

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "contract_fixture.h"
#include "store/store.h"

namespace vestibule::store {
namespace {

using Ids = std::vector<std::string>;

class SessionContractTest : public StoreContractTest {
 protected:
  Result<SessionAccount> find_session(const std::string& digest, TimePoint now = kT0) {
    return run(store().find_session(digest, now));
  }

  // A session of `account_id` created at `created_at`, live for a day.
  void add_session_at(const std::string& digest, const std::string& account_id, TimePoint created_at,
                      TimePoint expires_at = kT0 + 24h) {
    Session s = make_session(digest, account_id, expires_at);
    s.created_at = created_at;
    Result<void> created = run(store().create_session(std::move(s)));
    EXPECT_TRUE(created) << "create_session(" << digest << ")";
  }

  Result<void> touch(const std::string& digest, TimePoint at) { return run(store().touch_session(digest, at)); }

  // The last use find_session reports; fails the test if the session is not found.
  TimePoint last_used(const std::string& digest, TimePoint now = kT0) {
    Result<SessionAccount> found = find_session(digest, now);
    EXPECT_TRUE(found) << "find_session(" << digest << ")";
    return found ? found->session.last_used_at : TimePoint{};
  }

  // The public ids list_sessions returns, in its order; fails the test if it failed.
  Ids listed_ids(const std::string& account_id, TimePoint now = kT0) {
    Result<std::vector<Session>> listed = run(store().list_sessions(account_id, now));
    EXPECT_TRUE(listed) << "list_sessions(" << account_id << ")";
    Ids ids;
    if (listed) {
      for (const Session& s : *listed) ids.push_back(s.id);
    }
    return ids;
  }

  Result<void> delete_by_id(const std::string& account_id, const std::string& session_id, TimePoint now = kT0) {
    return run(store().delete_session_by_id(account_id, session_id, now));
  }

  // Creates a session of `account_id` created at `created_at` (live for a day unless told) with
  // create_session's bound at `keep_newest`.
  Result<void> create_bounded(const std::string& digest, const std::string& account_id, TimePoint created_at,
                              std::size_t keep_newest, TimePoint expires_at = kT0 + 24h) {
    Session s = make_session(digest, account_id, expires_at);
    s.created_at = created_at;
    s.keep_newest = keep_newest;
    return run(store().create_session(std::move(s)));
  }
};

void expect_same_session(const Session& actual, const Session& expected) {
  EXPECT_EQ(actual.token_digest, expected.token_digest);
  EXPECT_EQ(actual.account_id, expected.account_id);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.expires_at, expected.expires_at);
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.user_agent, expected.user_agent);
  EXPECT_EQ(actual.client_address, expected.client_address);
  EXPECT_EQ(actual.last_used_at, expected.last_used_at);
  EXPECT_FALSE(actual.expected_password_hash.has_value()) << "not stored";
}

// A session with every field the owner sees set, as a login from a browser creates it.
Session browser_session(const std::string& digest, const std::string& account_id) {
  Session s = make_session(digest, account_id, kT0 + 1h);
  s.id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  s.user_agent = "Mozilla/5.0 (X11; Linux x86_64) Zoë 日本語 😀";
  s.client_address = "2001:db8::1";
  return s;
}

TEST_P(SessionContractTest, FindSessionReturnsTheSessionWithItsMetadataAndItsAccount) {
  const Account account = add_account("id-1", "a@example.com");
  Session created = browser_session("digest-1", "id-1");
  created.expected_password_hash = account.password_hash;
  ASSERT_TRUE(run(store().create_session(created)));

  Result<SessionAccount> found = find_session("digest-1");
  ASSERT_TRUE(found);
  Session expected = created;
  expected.last_used_at = kT0;  // created_at
  expected.expected_password_hash.reset();
  expect_same_session(found->session, expected);
  expect_same_account(found->account, account);
  // The wrapper over it still finds the account.
  Result<Account> by_session = find_by_session("digest-1");
  ASSERT_TRUE(by_session);
  expect_same_account(*by_session, account);
}

TEST_P(SessionContractTest, LastUsedAtIsCreatedAtWhateverCreateSessionIsGiven) {
  add_account("id-1", "a@example.com");
  Session s = make_session("digest-1", "id-1", kT0 + 1h);
  s.created_at = kT0 + 3s;
  s.last_used_at = kT0 + 10min;
  ASSERT_TRUE(run(store().create_session(std::move(s))));
  EXPECT_EQ(last_used("digest-1", kT0 + 3s), kT0 + 3s);
}

TEST_P(SessionContractTest, FindSessionIsNotFoundForAnUnknownExpiredOrRevokedDigest) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1", kT0 + 1h);
  add_session("digest-2", "id-1", kT0 + 1h);
  ASSERT_TRUE(run(store().delete_session("digest-2")));

  EXPECT_TRUE(find_session("digest-1", kT0 + 1h - 1ms));
  EXPECT_TRUE(fails_with(find_session("digest-1", kT0 + 1h), Error::not_found));
  EXPECT_TRUE(fails_with(find_session("digest-2"), Error::not_found));
  EXPECT_TRUE(fails_with(find_session("digest-unknown"), Error::not_found));
  EXPECT_TRUE(fails_with(find_session("sid-digest-1"), Error::not_found)) << "the public id is not a digest";
}

TEST_P(SessionContractTest, TouchMovesLastUseForwardAndNeverBackwards) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");

  ASSERT_TRUE(touch("digest-1", kT0 + 2min));
  EXPECT_EQ(last_used("digest-1"), kT0 + 2min);
  ASSERT_TRUE(touch("digest-1", kT0 + 1min)) << "a late touch is not an error";
  EXPECT_EQ(last_used("digest-1"), kT0 + 2min) << "but changes nothing";
  ASSERT_TRUE(touch("digest-1", kT0 - 1h));
  EXPECT_EQ(last_used("digest-1"), kT0 + 2min);
  ASSERT_TRUE(touch("digest-1", kT0 + 2min));
  EXPECT_EQ(last_used("digest-1"), kT0 + 2min);
  ASSERT_TRUE(touch("digest-1", kT0 + 3min));
  EXPECT_EQ(last_used("digest-1"), kT0 + 3min);
}

TEST_P(SessionContractTest, TouchChangesOnlyThatSessionsLastUse) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1", kT0 + 1h);
  add_session("digest-2", "id-1", kT0 + 1h);

  ASSERT_TRUE(touch("digest-1", kT0 + 5min));
  EXPECT_EQ(last_used("digest-2"), kT0);
  Result<SessionAccount> touched = find_session("digest-1");
  ASSERT_TRUE(touched);
  EXPECT_EQ(touched->session.created_at, kT0);
  EXPECT_EQ(touched->session.expires_at, kT0 + 1h) << "a touch does not extend the session";
  EXPECT_EQ(touched->session.id, "sid-digest-1");
}

TEST_P(SessionContractTest, TouchOfAGoneSessionSucceedsAndStoresNothing) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  ASSERT_TRUE(run(store().delete_session("digest-1")));

  EXPECT_TRUE(touch("digest-1", kT0 + 1min)) << "revoked meanwhile";
  EXPECT_TRUE(touch("never-issued", kT0 + 1min));
  EXPECT_TRUE(fails_with(find_session("digest-1"), Error::not_found));
  EXPECT_TRUE(fails_with(find_session("never-issued"), Error::not_found));
  EXPECT_EQ(listed_ids("id-1"), Ids{});
}

TEST_P(SessionContractTest, ListSessionsIsNewestFirstThenByIdDescending) {
  add_account("id-1", "a@example.com");
  add_session_at("digest-old", "id-1", kT0 - 2h);
  add_session_at("digest-new", "id-1", kT0 + 1s);
  add_session_at("digest-b", "id-1", kT0);  // the same created_at: "sid-digest-b" sorts after "sid-digest-a"
  add_session_at("digest-a", "id-1", kT0);

  EXPECT_EQ(listed_ids("id-1", kT0 + 1s),
            (Ids{"sid-digest-new", "sid-digest-b", "sid-digest-a", "sid-digest-old"}));
}

TEST_P(SessionContractTest, ListSessionsReturnsEveryFieldOfEachSession) {
  add_account("id-1", "a@example.com");
  const Session created = browser_session("digest-1", "id-1");
  ASSERT_TRUE(run(store().create_session(created)));
  ASSERT_TRUE(touch("digest-1", kT0 + 1min));

  Result<std::vector<Session>> listed = run(store().list_sessions("id-1", kT0 + 1min));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  Session expected = created;
  expected.last_used_at = kT0 + 1min;
  expect_same_session(listed->front(), expected);
}

TEST_P(SessionContractTest, ListSessionsHoldsOnlyTheAccountsLiveSessions) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-expired", "id-1", kT0 - 1ms);
  add_session("digest-expires-now", "id-1", kT0);
  add_session("digest-live", "id-1", kT0 + 1ms);
  add_session("digest-revoked", "id-1", kT0 + 1h);
  ASSERT_TRUE(run(store().delete_session("digest-revoked")));
  add_session("digest-other", "id-2", kT0 + 1h);

  EXPECT_EQ(listed_ids("id-1", kT0), Ids{"sid-digest-live"});
  EXPECT_EQ(listed_ids("id-1", kT0 + 1ms), Ids{});
  EXPECT_EQ(listed_ids("id-2", kT0), Ids{"sid-digest-other"});
  EXPECT_EQ(listed_ids("no-such-account", kT0), Ids{});
}

TEST_P(SessionContractTest, DeleteSessionByIdRevokesOnlyThatSession) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  add_session("digest-2", "id-1");

  ASSERT_TRUE(delete_by_id("id-1", "sid-digest-1"));
  EXPECT_TRUE(fails_with(find_session("digest-1"), Error::not_found));
  EXPECT_TRUE(find_session("digest-2"));
  EXPECT_EQ(listed_ids("id-1"), Ids{"sid-digest-2"});
  EXPECT_TRUE(fails_with(delete_by_id("id-1", "sid-digest-1"), Error::not_found)) << "already revoked";
}

TEST_P(SessionContractTest, DeleteSessionByIdOfAnotherAccountsSessionIsNotFoundAndKeepsIt) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-1", "id-1");
  add_session("digest-2", "id-2");

  EXPECT_TRUE(fails_with(delete_by_id("id-1", "sid-digest-2"), Error::not_found));
  EXPECT_TRUE(fails_with(delete_by_id("no-such-account", "sid-digest-2"), Error::not_found));
  EXPECT_TRUE(find_session("digest-2"));
  EXPECT_TRUE(find_session("digest-1"));
}

TEST_P(SessionContractTest, DeleteSessionByIdOfAnUnknownIdIsNotFound) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");

  EXPECT_TRUE(fails_with(delete_by_id("id-1", "sid-unknown"), Error::not_found));
  EXPECT_TRUE(fails_with(delete_by_id("id-1", ""), Error::not_found));
  EXPECT_TRUE(fails_with(delete_by_id("id-1", "digest-1"), Error::not_found)) << "a digest is not an id";
  EXPECT_TRUE(find_session("digest-1"));
}

TEST_P(SessionContractTest, DeleteSessionByIdOfAnExpiredSessionIsNotFound) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1", kT0 + 1h);

  EXPECT_TRUE(fails_with(delete_by_id("id-1", "sid-digest-1", kT0 + 1h), Error::not_found));
  EXPECT_TRUE(fails_with(delete_by_id("id-1", "sid-digest-1", kT0 + 2h), Error::not_found));
  EXPECT_TRUE(delete_by_id("id-1", "sid-digest-1", kT0 + 1h - 1ms)) << "live one millisecond before";
  EXPECT_TRUE(fails_with(find_session("digest-1"), Error::not_found));
}

TEST_P(SessionContractTest, ADisabledAccountGetsNoSession) {
  Account disabled = make_account("id-1", "a@example.com");
  disabled.disabled = true;
  ASSERT_TRUE(run(store().create_account(disabled, {})));

  Session s = make_session("digest-1", "id-1", kT0 + 1h);
  s.expected_password_hash = disabled.password_hash;
  EXPECT_TRUE(fails_with(run(store().create_session(std::move(s))), Error::not_found));
  EXPECT_TRUE(fails_with(find_session("digest-1"), Error::not_found)) << "nothing was stored";
  EXPECT_EQ(listed_ids("id-1"), Ids{});
}

TEST_P(SessionContractTest, AnAccountDisabledByAnUpdateGetsNoSessionUntilEnabledAgain) {
  add_account("id-1", "a@example.com");
  AccountChanges disable;
  disable.disabled = true;
  disable.updated_at = kT0 + 1s;
  ASSERT_TRUE(update("id-1", std::move(disable)));
  EXPECT_TRUE(fails_with(run(store().create_session(make_session("digest-1", "id-1", kT0 + 1h))), Error::not_found));

  AccountChanges enable;
  enable.disabled = false;
  enable.updated_at = kT0 + 2s;
  ASSERT_TRUE(update("id-1", std::move(enable)));
  EXPECT_TRUE(run(store().create_session(make_session("digest-2", "id-1", kT0 + 1h))));
  EXPECT_TRUE(find_session("digest-2"));
}

TEST_P(SessionContractTest, SessionIdsMetadataAndLastUseSurviveReopening) {
  add_account("id-1", "a@example.com");
  const Session created = browser_session("digest-1", "id-1");
  ASSERT_TRUE(run(store().create_session(created)));
  ASSERT_TRUE(touch("digest-1", kT0 + 1min));

  reopen();

  Result<SessionAccount> found = find_session("digest-1");
  ASSERT_TRUE(found);
  Session expected = created;
  expected.last_used_at = kT0 + 1min;
  expect_same_session(found->session, expected);
  ASSERT_TRUE(delete_by_id("id-1", created.id));
  EXPECT_TRUE(fails_with(find_session("digest-1"), Error::not_found));
}

// The bound a login sets (accounts::kMaxSessionsPerAccount); sessions are named "d-<i>".
constexpr std::size_t kBound = 100;

TEST_P(SessionContractTest, TheSessionPastTheBoundRevokesTheOldestOnly) {
  add_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session_at("other-old", "id-2", kT0 - 1h);
  add_session_at("other-new", "id-2", kT0 + 1h);
  // The oldest expires last: the bound goes by creation, not by expiry.
  ASSERT_TRUE(create_bounded("d-0", "id-1", kT0, kBound, kT0 + 48h));
  for (std::size_t i = 1; i < kBound; ++i) {
    ASSERT_TRUE(create_bounded("d-" + std::to_string(i), "id-1", kT0 + std::chrono::milliseconds(i), kBound));
  }
  EXPECT_EQ(listed_ids("id-1").size(), kBound) << "at the bound, nothing is revoked";
  EXPECT_TRUE(find_session("d-0"));

  ASSERT_TRUE(create_bounded("d-100", "id-1", kT0 + 100ms, kBound));

  EXPECT_TRUE(fails_with(find_session("d-0"), Error::not_found)) << "the oldest is revoked";
  for (std::size_t i = 1; i <= kBound; ++i) {
    EXPECT_TRUE(find_session("d-" + std::to_string(i))) << "d-" << i;
  }
  const Ids listed = listed_ids("id-1");
  ASSERT_EQ(listed.size(), kBound);
  EXPECT_EQ(listed.front(), "sid-d-100");
  EXPECT_EQ(listed.back(), "sid-d-1");
  EXPECT_TRUE(fails_with(delete_by_id("id-1", "sid-d-0"), Error::not_found)) << "its id is gone too";
  EXPECT_EQ(listed_ids("id-2"), (Ids{"sid-other-new", "sid-other-old"})) << "another account's sessions stay";
  EXPECT_TRUE(find_session("other-old"));
}

TEST_P(SessionContractTest, TheBoundBreaksCreationTiesById) {
  add_account("id-1", "a@example.com");
  add_session_at("digest-b", "id-1", kT0);
  add_session_at("digest-a", "id-1", kT0);

  ASSERT_TRUE(create_bounded("digest-c", "id-1", kT0, 2));

  EXPECT_TRUE(fails_with(find_session("digest-a"), Error::not_found)) << "the lower id of the same created_at";
  EXPECT_EQ(listed_ids("id-1"), (Ids{"sid-digest-c", "sid-digest-b"}));
}

TEST_P(SessionContractTest, TheBoundCountsOnlyLiveSessionsAndAlwaysKeepsTheNewOne) {
  add_account("id-1", "a@example.com");
  add_session_at("digest-expired", "id-1", kT0 - 2h, kT0 - 1h);
  add_session_at("digest-later-1", "id-1", kT0 + 1s);
  add_session_at("digest-later-2", "id-1", kT0 + 2s);

  // Created "before" the others (a clock behind): it stays all the same, with the newest other.
  ASSERT_TRUE(create_bounded("digest-new", "id-1", kT0, 2));

  EXPECT_TRUE(find_session("digest-new"));
  EXPECT_TRUE(find_session("digest-later-2"));
  EXPECT_TRUE(fails_with(find_session("digest-later-1"), Error::not_found));
  EXPECT_EQ(listed_ids("id-1"), (Ids{"sid-digest-later-2", "sid-digest-new"}));
}

TEST_P(SessionContractTest, ABoundOfZeroBoundsNothing) {
  add_account("id-1", "a@example.com");
  constexpr std::size_t kMany = kBound + 20;
  for (std::size_t i = 0; i < kMany; ++i) {
    ASSERT_TRUE(create_bounded("d-" + std::to_string(i), "id-1", kT0 + std::chrono::milliseconds(i), 0));
  }
  EXPECT_EQ(listed_ids("id-1").size(), kMany);
  EXPECT_TRUE(find_session("d-0"));
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionContractTest, ::testing::ValuesIn(kFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vestibule::store
