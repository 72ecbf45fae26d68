// The Store contract (src/store/store.h) for what an operator does with accounts: find one by
// id, list them page by page, create one with a chosen id and fields (imports), and disable
// one; checked against every backend (contract_fixture.h).

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "contract_fixture.h"
#include "store/store.h"

namespace vestibule::store {
namespace {

using Ids = std::vector<std::string>;

class AccountAdminContractTest : public StoreContractTest {
 protected:
  Result<Account> find(const std::string& id) { return run(store().find_account(id)); }

  // The ids of one page; fails the test if listing failed.
  Ids page(const std::string& after_id, std::size_t limit) {
    Result<std::vector<Account>> listed = run(store().list_accounts(after_id, limit));
    EXPECT_TRUE(listed) << "list_accounts(\"" << after_id << "\", " << limit << ")";
    Ids ids;
    if (listed) {
      for (const Account& a : *listed) ids.push_back(a.id);
    }
    return ids;
  }

  Result<void> create(Account account, Effects effects = {}) {
    return run(store().create_account(std::move(account), std::move(effects)));
  }
};

// An account with every field away from its default, as an import brings it.
Account imported_account(const std::string& id, const std::string& email_key) {
  Account a = make_account(id, email_key);
  a.name = "Zoë 日本語";
  a.email = "Zoë@Example.com";
  a.created_at = kT0 - 24h * 400;
  a.updated_at = kT0 - 24h;
  a.email_verified = true;
  a.pending_email = "new@example.com";
  a.pending_email_key = "new@example.com";
  a.disabled = true;
  return a;
}

TEST_P(AccountAdminContractTest, FindAccountReturnsEveryFieldAsGiven) {
  const Account account = imported_account("id-1", "a@example.com");
  ASSERT_TRUE(create(account));
  add_account("id-2", "b@example.com");

  Result<Account> found = find("id-1");
  ASSERT_TRUE(found);
  expect_same_account(*found, account);
  Result<Account> by_email = find_by_email("a@example.com");
  ASSERT_TRUE(by_email);
  expect_same_account(*by_email, account);
}

TEST_P(AccountAdminContractTest, CreatedAtAndEmailVerifiedAreKeptAsGiven) {
  Account account = make_account("id-1", "a@example.com");
  account.created_at = kT0 - 24h * 3650;
  account.updated_at = kT0 - 1ms;
  account.email_verified = true;
  ASSERT_TRUE(create(account));

  Result<Account> found = find("id-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->created_at, kT0 - 24h * 3650);
  EXPECT_EQ(found->updated_at, kT0 - 1ms);
  EXPECT_TRUE(found->email_verified);
  EXPECT_FALSE(found->disabled);
}

TEST_P(AccountAdminContractTest, FindAccountOfAnUnknownOrDeletedIdIsNotFound) {
  add_account("id-1", "a@example.com");
  EXPECT_TRUE(fails_with(find("id-2"), Error::not_found));
  EXPECT_TRUE(fails_with(find(""), Error::not_found));
  EXPECT_TRUE(fails_with(find("a@example.com"), Error::not_found)) << "an address is not an id";
  ASSERT_TRUE(run(store().delete_account("id-1")));
  EXPECT_TRUE(fails_with(find("id-1"), Error::not_found));
}

TEST_P(AccountAdminContractTest, ListAccountsOfAnEmptyStoreIsEmpty) { EXPECT_EQ(page("", 100), Ids{}); }

TEST_P(AccountAdminContractTest, ListAccountsPagesInAscendingIdOrder) {
  for (const char* id : {"id-d", "id-b", "id-e", "id-a", "id-c"}) add_account(id, std::string(id) + "@example.com");

  EXPECT_EQ(page("", 2), (Ids{"id-a", "id-b"}));
  EXPECT_EQ(page("id-b", 2), (Ids{"id-c", "id-d"}));
  EXPECT_EQ(page("id-d", 2), Ids{"id-e"});
  EXPECT_EQ(page("id-e", 2), Ids{});
  EXPECT_EQ(page("", 1), Ids{"id-a"});
  EXPECT_EQ(page("", 5), (Ids{"id-a", "id-b", "id-c", "id-d", "id-e"}));
  EXPECT_EQ(page("", 1000), (Ids{"id-a", "id-b", "id-c", "id-d", "id-e"}));
  // The cursor need not be an id that exists.
  EXPECT_EQ(page("id-bb", 10), (Ids{"id-c", "id-d", "id-e"}));
  EXPECT_EQ(page("id-z", 10), Ids{});
}

TEST_P(AccountAdminContractTest, ListAccountsOrdersIdsBytewise) {
  // Bytewise: upper case before lower case, and a UTF-8 lead byte after every ASCII character.
  for (const char* id : {"b", "\u00e9", "B", "a", "~"}) add_account(id, std::string("key-") + id + "@example.com");
  EXPECT_EQ(page("", 10), (Ids{"B", "a", "b", "~", "\u00e9"}));
  EXPECT_EQ(page("a", 10), (Ids{"b", "~", "\u00e9"}));
}

TEST_P(AccountAdminContractTest, ListAccountsCarriesEveryField) {
  const Account account = imported_account("id-1", "a@example.com");
  ASSERT_TRUE(create(account));
  Result<std::vector<Account>> listed = run(store().list_accounts("", 10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  expect_same_account(listed->front(), account);
}

TEST_P(AccountAdminContractTest, PagingIsStableUnderInsertsAndDeletesBetweenPages) {
  for (const char* id : {"id-b", "id-d", "id-f", "id-h"}) add_account(id, std::string(id) + "@example.com");
  EXPECT_EQ(page("", 2), (Ids{"id-b", "id-d"}));

  // Before the cursor, after it, and one deleted: those present throughout are listed once each.
  for (const char* id : {"id-a", "id-c", "id-e", "id-i"}) add_account(id, std::string(id) + "@example.com");
  ASSERT_TRUE(run(store().delete_account("id-b")));
  EXPECT_EQ(page("id-d", 2), (Ids{"id-e", "id-f"}));
  ASSERT_TRUE(run(store().delete_account("id-f")));  // the last id of the page, as the cursor
  add_account("id-g", "id-g@example.com");
  EXPECT_EQ(page("id-f", 2), (Ids{"id-g", "id-h"}));
  EXPECT_EQ(page("id-h", 2), Ids{"id-i"});
  EXPECT_EQ(page("id-i", 2), Ids{});
}

TEST_P(AccountAdminContractTest, CreateWithATakenIdIsIdTakenWhateverTheAddress) {
  const Account first = add_account("id-1", "a@example.com");
  EXPECT_TRUE(fails_with(create(make_account("id-1", "other@example.com")), Error::id_taken));
  // The id is checked first: the same id with the same address is id_taken, not email_taken.
  EXPECT_TRUE(fails_with(create(make_account("id-1", "a@example.com")), Error::id_taken));
  EXPECT_TRUE(fails_with(create(make_account("id-2", "a@example.com")), Error::email_taken));

  expect_same_account(find("id-1").value(), first);
  EXPECT_TRUE(fails_with(find_by_email("other@example.com"), Error::not_found)) << "nothing of it stored";
  EXPECT_TRUE(fails_with(find("id-2"), Error::not_found));
}

TEST_P(AccountAdminContractTest, ARefusedCreateWithATakenIdLeavesNoTokenAndNoMail) {
  add_account("id-1", "a@example.com");
  Effects effects;
  effects.token = make_token("digest-v", TokenPurpose::email_verification, "id-1");
  effects.mail.push_back(make_mail("msg-1"));
  EXPECT_TRUE(fails_with(create(make_account("id-1", "other@example.com"), std::move(effects)), Error::id_taken));

  EXPECT_TRUE(fails_with(run(store().find_token("digest-v", TokenPurpose::email_verification, kT0)), Error::not_found));
  Result<OutboxStats> stats = run(store().outbox_stats());
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->queued, 0u);
}

TEST_P(AccountAdminContractTest, ConcurrentCreatesWithOneIdLetExactlyOneSucceed) {
  constexpr std::size_t kCreates = 30;
  std::vector<Task<Result<void>>> tasks;
  for (std::size_t i = 0; i < kCreates; ++i) {
    tasks.push_back(store().create_account(make_account("race-id", "race-" + std::to_string(i) + "@example.com"), {}));
  }
  std::vector<std::optional<Result<void>>> results = run_concurrently(std::move(tasks));

  std::size_t succeeded = 0;
  std::size_t winner = kCreates;
  for (std::size_t i = 0; i < kCreates; ++i) {
    ASSERT_TRUE(results[i].has_value()) << "create " << i << " never completed";
    if (*results[i]) {
      ++succeeded;
      winner = i;
    } else {
      EXPECT_EQ(results[i]->error(), Error::id_taken) << "create " << i;
    }
  }
  ASSERT_EQ(succeeded, 1u);
  const std::string winning_key = "race-" + std::to_string(winner) + "@example.com";
  EXPECT_EQ(find("race-id").value().email_key, winning_key);
  for (std::size_t i = 0; i < kCreates; ++i) {
    const std::string key = "race-" + std::to_string(i) + "@example.com";
    if (i != winner) {
      EXPECT_TRUE(fails_with(find_by_email(key), Error::not_found)) << key;
    }
  }
  EXPECT_EQ(page("", 100), Ids{"race-id"});
}

TEST_P(AccountAdminContractTest, DisabledRoundTripsThroughCreateAndUpdate) {
  Account account = make_account("id-1", "a@example.com");
  account.disabled = true;
  ASSERT_TRUE(create(account));
  EXPECT_TRUE(find("id-1").value().disabled);

  AccountChanges enable;
  enable.disabled = false;
  enable.updated_at = kT0 + 1s;
  Result<Account> enabled = update("id-1", std::move(enable));
  ASSERT_TRUE(enabled);
  EXPECT_FALSE(enabled->disabled);
  EXPECT_EQ(enabled->updated_at, kT0 + 1s);
  EXPECT_FALSE(find("id-1").value().disabled);

  AccountChanges disable;
  disable.disabled = true;
  disable.updated_at = kT0 + 2s;
  Result<Account> disabled = update("id-1", std::move(disable));
  ASSERT_TRUE(disabled);
  EXPECT_TRUE(disabled->disabled);

  // Changes without the field keep it.
  AccountChanges rename;
  rename.name = "Renamed";
  rename.updated_at = kT0 + 3s;
  Result<Account> renamed = update("id-1", std::move(rename));
  ASSERT_TRUE(renamed);
  EXPECT_TRUE(renamed->disabled);
  EXPECT_EQ(renamed->name, "Renamed");
  EXPECT_TRUE(find_by_email("a@example.com").value().disabled);
  EXPECT_TRUE(run(store().list_accounts("", 10)).value().front().disabled);

  reopen();
  EXPECT_TRUE(find("id-1").value().disabled);
}

TEST_P(AccountAdminContractTest, DisablingKeepsExistingSessionsAndTheyShowTheFlag) {
  // The accounts layer revokes sessions in the same change; the store itself only keeps the flag.
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  AccountChanges disable;
  disable.disabled = true;
  disable.updated_at = kT0 + 1s;
  ASSERT_TRUE(update("id-1", std::move(disable)));

  Result<SessionAccount> found = run(store().find_session("digest-1", kT0));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->account.disabled);
}

TEST_P(AccountAdminContractTest, DisablingAndRevokingAllSessionsIsOneChange) {
  add_account("id-1", "a@example.com");
  add_session("digest-1", "id-1");
  add_session("digest-2", "id-1");
  AccountChanges disable;
  disable.disabled = true;
  disable.revoke_all_sessions = true;
  disable.updated_at = kT0 + 1s;
  ASSERT_TRUE(update("id-1", std::move(disable)));

  EXPECT_TRUE(fails_with(find_by_session("digest-1"), Error::not_found));
  EXPECT_TRUE(fails_with(find_by_session("digest-2"), Error::not_found));
  EXPECT_TRUE(find("id-1").value().disabled);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountAdminContractTest, ::testing::ValuesIn(kFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vestibule::store
