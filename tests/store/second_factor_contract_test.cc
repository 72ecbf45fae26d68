// The Store contract (src/store/store.h) for the second factor: the TOTP fields and recovery
// code digests of an account (kept opaque, returned by every read, cleared and replaced by an
// update), the three conditions of a change (expected_totp_pending, accept_totp_step,
// use_recovery_code: all or nothing, one winner under concurrency, a refused redeem_token leaves
// its token usable) and mfa_login tokens; checked against every backend (contract_fixture.h).

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "contract_fixture.h"
#include "store/store.h"

namespace vestibule::store {
namespace {

using Codes = std::vector<std::string>;

class SecondFactorContractTest : public StoreContractTest {
 protected:
  // An account with the second factor on: a secret, one pending, step 100 accepted, three codes.
  Account add_enrolled_account(const std::string& id, const std::string& email_key) {
    Account account = make_account(id, email_key);
    account.totp_secret = "sealed-secret-of-" + id;
    account.totp_pending = "sealed-pending-of-" + id;
    account.totp_last_step = 100;
    account.recovery_codes = {"digest-code-a", "digest-code-b", "digest-code-c"};
    Result<void> created = run(store().create_account(account, {}));
    EXPECT_TRUE(created) << "create_account(" << id << ")";
    return account;
  }

  void add_token(const FlowToken& token) {
    Effects effects;
    effects.token = token;
    Result<void> added = run(store().add_effects(token.account_id, std::move(effects)));
    EXPECT_TRUE(added) << "add_effects(" << token.token_digest << ")";
  }

  Result<TokenHolder> find_token(const std::string& digest, TokenPurpose purpose, TimePoint now = kT0) {
    return run(store().find_token(digest, purpose, now));
  }

  Result<Account> redeem(const std::string& digest, TokenPurpose purpose, AccountChanges changes) {
    return run(store().redeem_token(digest, purpose, kT0, std::move(changes)));
  }

  Account stored(const std::string& id) {
    Result<Account> found = run(store().find_account(id));
    EXPECT_TRUE(found) << "find_account(" << id << ")";
    return found ? *found : Account{};
  }

  std::size_t queued_count() {
    Result<OutboxStats> stats = run(store().outbox_stats());
    EXPECT_TRUE(stats);
    return stats ? stats->queued : 0;
  }

  // Checks that a refused change left `before` (the account as stored before it) exactly as it
  // was, its sessions too, and queued no mail.
  void expect_unchanged(const Account& before, const std::string& session_digest) {
    expect_same_account(stored(before.id), before);
    EXPECT_TRUE(find_by_session(session_digest)) << "no session revoked";
    EXPECT_EQ(queued_count(), 0u) << "no mail queued";
  }
};

// Changes that a refusal must undo entirely: a new name, every session revoked, a mail queued.
AccountChanges with_side_changes(AccountChanges changes) {
  changes.name = "Renamed";
  changes.updated_at = kT0 + 1min;
  changes.revoke_all_sessions = true;
  changes.effects.mail.push_back(make_mail("msg-refused"));
  return changes;
}

TEST_P(SecondFactorContractTest, AnAccountCreatedWithoutTheSecondFactorHasItOff) {
  add_account("id-1", "a@example.com");
  Account a = stored("id-1");
  EXPECT_FALSE(a.totp_enabled());
  EXPECT_EQ(a.totp_secret, "");
  EXPECT_EQ(a.totp_pending, "");
  EXPECT_EQ(a.totp_last_step, 0);
  EXPECT_TRUE(a.recovery_codes.empty());
}

TEST_P(SecondFactorContractTest, EveryReadReturnsTheSecondFactorAsCreated) {
  Account account = add_enrolled_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_session("digest-s", "id-1");
  add_token(make_token("digest-mfa", TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  add_token(make_token("digest-other-mfa", TokenPurpose::mfa_login, "id-1", kT0 + 5min));

  expect_same_account(stored("id-1"), account);
  expect_same_account(find_by_email("a@example.com").value(), account);
  Result<std::vector<Account>> listed = run(store().list_accounts("", 10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  expect_same_account(listed->at(0), account);
  EXPECT_TRUE(listed->at(1).recovery_codes.empty()) << "each account with its own codes";
  Result<SessionAccount> session = run(store().find_session("digest-s", kT0));
  ASSERT_TRUE(session);
  expect_same_account(session->account, account);
  Result<TokenHolder> holder = find_token("digest-mfa", TokenPurpose::mfa_login);
  ASSERT_TRUE(holder);
  expect_same_account(holder->account, account);

  AccountChanges nothing;
  nothing.updated_at = kT0;  // as created: the result must be the account as it was
  Result<Account> updated = update("id-1", nothing);
  ASSERT_TRUE(updated);
  expect_same_account(*updated, account);
  Result<Account> redeemed = redeem("digest-mfa", TokenPurpose::mfa_login, nothing);
  ASSERT_TRUE(redeemed);
  expect_same_account(*redeemed, account);

  reopen();
  expect_same_account(stored("id-1"), account);
}

TEST_P(SecondFactorContractTest, UpdateSetsTheSecretsAndReplacesTheRecoveryCodes) {
  add_account("id-1", "a@example.com");

  AccountChanges enrol;
  enrol.totp_pending = "sealed-pending";
  enrol.updated_at = kT0 + 1s;
  Result<Account> enrolled = update("id-1", enrol);
  ASSERT_TRUE(enrolled);
  EXPECT_EQ(enrolled->totp_pending, "sealed-pending");
  EXPECT_FALSE(enrolled->totp_enabled()) << "not before it is confirmed";

  AccountChanges confirm;
  confirm.totp_secret = "sealed-pending";
  confirm.totp_pending = "";
  confirm.recovery_codes = Codes{"d1", "d2", "d3"};
  confirm.updated_at = kT0 + 2s;
  Result<Account> confirmed = update("id-1", confirm);
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->totp_secret, "sealed-pending");
  EXPECT_EQ(confirmed->totp_pending, "");
  EXPECT_EQ(sorted(confirmed->recovery_codes), (Codes{"d1", "d2", "d3"}));
  EXPECT_EQ(confirmed->updated_at, kT0 + 2s);

  AccountChanges regenerate;
  regenerate.recovery_codes = Codes{"d4", "d5"};
  regenerate.updated_at = kT0 + 3s;
  EXPECT_EQ(sorted(update("id-1", regenerate).value().recovery_codes), (Codes{"d4", "d5"})) << "replaced, not added";
  AccountChanges rename;
  rename.name = "New name";
  rename.updated_at = kT0 + 4s;
  Result<Account> renamed = update("id-1", rename);
  ASSERT_TRUE(renamed);
  EXPECT_EQ(sorted(renamed->recovery_codes), (Codes{"d4", "d5"})) << "unset: left as they are";
  EXPECT_EQ(renamed->totp_secret, "sealed-pending");
  expect_same_account(stored("id-1"), *renamed);
}

TEST_P(SecondFactorContractTest, EmptyValuesClearTheSecretsAndTheRecoveryCodes) {
  add_enrolled_account("id-1", "a@example.com");
  AccountChanges off;
  off.totp_secret = "";
  off.totp_pending = "";
  off.recovery_codes = Codes{};
  off.updated_at = kT0 + 1s;
  Result<Account> updated = update("id-1", off);
  ASSERT_TRUE(updated);
  EXPECT_FALSE(updated->totp_enabled());
  EXPECT_EQ(updated->totp_pending, "");
  EXPECT_TRUE(updated->recovery_codes.empty());
  EXPECT_EQ(updated->totp_last_step, 100) << "the replay guard is not a secret: it stays";
  expect_same_account(stored("id-1"), *updated);

  reopen();
  EXPECT_FALSE(stored("id-1").totp_enabled());
  EXPECT_TRUE(stored("id-1").recovery_codes.empty());
}

TEST_P(SecondFactorContractTest, ExpectedTotpPendingAppliesOnlyWhileThePendingSecretIsThatOne) {
  Account before = add_enrolled_account("id-1", "a@example.com");
  add_session("digest-s", "id-1");

  AccountChanges stale;
  stale.expected_totp_pending = "sealed-pending-of-someone-else";
  stale.totp_secret = "sealed-pending-of-someone-else";
  stale.totp_pending = "";
  EXPECT_TRUE(fails_with(update("id-1", with_side_changes(stale)), Error::not_found));
  expect_unchanged(before, "digest-s");

  AccountChanges current;
  current.expected_totp_pending = before.totp_pending;
  current.totp_secret = before.totp_pending;
  current.totp_pending = "";
  current.updated_at = kT0 + 1s;
  Result<Account> confirmed = update("id-1", current);
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->totp_secret, "sealed-pending-of-id-1");
  EXPECT_EQ(confirmed->totp_pending, "");
  EXPECT_TRUE(fails_with(update("id-1", current), Error::not_found)) << "confirmed once: nothing pending now";

  // An empty expectation holds exactly while nothing is pending.
  AccountChanges nothing_pending;
  nothing_pending.expected_totp_pending = "";
  nothing_pending.updated_at = kT0 + 2s;
  EXPECT_TRUE(update("id-1", nothing_pending));
}

TEST_P(SecondFactorContractTest, AcceptTotpStepAppliesOnlyAfterTheLastAcceptedStepAndRecordsIt) {
  Account before = add_enrolled_account("id-1", "a@example.com");  // step 100 accepted
  add_session("digest-s", "id-1");
  for (std::int64_t step : {std::int64_t{100}, std::int64_t{99}, std::int64_t{0}, std::int64_t{-1}}) {
    AccountChanges replay;
    replay.accept_totp_step = step;
    EXPECT_TRUE(fails_with(update("id-1", with_side_changes(replay)), Error::not_found)) << "step " << step;
  }
  expect_unchanged(before, "digest-s");

  AccountChanges next;
  next.accept_totp_step = 101;
  next.updated_at = kT0 + 1s;
  Result<Account> accepted = update("id-1", next);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->totp_last_step, 101);
  EXPECT_EQ(stored("id-1").totp_last_step, 101);
  EXPECT_TRUE(fails_with(update("id-1", next), Error::not_found)) << "the same step is refused the second time";
  AccountChanges later;
  later.accept_totp_step = 105;  // a clock ahead of the last: accepted
  later.updated_at = kT0 + 2s;
  EXPECT_EQ(update("id-1", later).value().totp_last_step, 105);
}

TEST_P(SecondFactorContractTest, AcceptTotpStepComparesLargeStepsExactly) {
  add_account("id-1", "a@example.com");
  // Beyond 2^53 a double cannot tell these apart; the store must.
  constexpr std::int64_t kTwoTo53 = std::int64_t{1} << 53;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t step : {kTwoTo53, kTwoTo53 + 1, kMax - 1, kMax}) {
    AccountChanges changes;
    changes.accept_totp_step = step;
    changes.updated_at = kT0 + 1s;
    Result<Account> accepted = update("id-1", changes);
    ASSERT_TRUE(accepted) << "step " << step;
    EXPECT_EQ(accepted->totp_last_step, step);
    EXPECT_TRUE(fails_with(update("id-1", changes), Error::not_found)) << "step " << step << " again";
  }
  EXPECT_EQ(stored("id-1").totp_last_step, kMax);
}

TEST_P(SecondFactorContractTest, UseRecoveryCodeAppliesOnceAndRemovesTheCode) {
  Account before = add_enrolled_account("id-1", "a@example.com");
  add_session("digest-s", "id-1");
  AccountChanges unknown;
  unknown.use_recovery_code = "digest-code-unknown";
  EXPECT_TRUE(fails_with(update("id-1", with_side_changes(unknown)), Error::not_found));
  AccountChanges prefix;
  prefix.use_recovery_code = "digest-code";  // a prefix of every code is none of them
  EXPECT_TRUE(fails_with(update("id-1", with_side_changes(prefix)), Error::not_found));
  expect_unchanged(before, "digest-s");

  AccountChanges use;
  use.use_recovery_code = "digest-code-b";
  use.updated_at = kT0 + 1s;
  Result<Account> used = update("id-1", use);
  ASSERT_TRUE(used);
  EXPECT_EQ(sorted(used->recovery_codes), (Codes{"digest-code-a", "digest-code-c"}));
  EXPECT_TRUE(fails_with(update("id-1", use), Error::not_found)) << "single use";
  EXPECT_EQ(sorted(stored("id-1").recovery_codes), (Codes{"digest-code-a", "digest-code-c"}));

  // The code used leaves the stored set; a new set given in the same change replaces the rest.
  AccountChanges use_and_regenerate;
  use_and_regenerate.use_recovery_code = "digest-code-a";
  use_and_regenerate.recovery_codes = Codes{"digest-code-a", "digest-new"};
  use_and_regenerate.updated_at = kT0 + 2s;
  Result<Account> regenerated = update("id-1", use_and_regenerate);
  ASSERT_TRUE(regenerated);
  EXPECT_EQ(sorted(regenerated->recovery_codes), (Codes{"digest-code-a", "digest-new"}));
}

TEST_P(SecondFactorContractTest, AllConditionsOfAChangeMustHold) {
  Account before = add_enrolled_account("id-1", "a@example.com");
  add_session("digest-s", "id-1");
  AccountChanges mixed;
  mixed.expected_password_hash = before.password_hash;
  mixed.expected_totp_pending = before.totp_pending;
  mixed.accept_totp_step = 100;  // the only one that fails
  mixed.use_recovery_code = "digest-code-a";
  EXPECT_TRUE(fails_with(update("id-1", with_side_changes(mixed)), Error::not_found));
  expect_unchanged(before, "digest-s");

  mixed.accept_totp_step = 101;
  EXPECT_TRUE(update("id-1", with_side_changes(mixed)));
  Account after = stored("id-1");
  EXPECT_EQ(after.totp_last_step, 101);
  EXPECT_EQ(sorted(after.recovery_codes), (Codes{"digest-code-b", "digest-code-c"}));
  EXPECT_EQ(after.name, "Renamed");
}

TEST_P(SecondFactorContractTest, ConditionsOfAMissingAccountAreNotFound) {
  AccountChanges changes;
  changes.accept_totp_step = 1;
  changes.updated_at = kT0;
  EXPECT_TRUE(fails_with(update("id-missing", changes), Error::not_found));
}

TEST_P(SecondFactorContractTest, RedeemWithASecondFactorConsumesTheTokenAndAppliesTheCondition) {
  add_enrolled_account("id-1", "a@example.com");
  add_token(make_token("digest-mfa-1", TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  add_token(make_token("digest-mfa-2", TokenPurpose::mfa_login, "id-1", kT0 + 5min));

  AccountChanges code;
  code.accept_totp_step = 101;
  code.updated_at = kT0 + 1s;
  Result<Account> by_code = redeem("digest-mfa-1", TokenPurpose::mfa_login, code);
  ASSERT_TRUE(by_code);
  EXPECT_EQ(by_code->totp_last_step, 101);
  EXPECT_TRUE(fails_with(find_token("digest-mfa-1", TokenPurpose::mfa_login), Error::not_found)) << "consumed";

  AccountChanges recovery;
  recovery.use_recovery_code = "digest-code-c";
  recovery.updated_at = kT0 + 2s;
  Result<Account> by_recovery = redeem("digest-mfa-2", TokenPurpose::mfa_login, recovery);
  ASSERT_TRUE(by_recovery);
  EXPECT_EQ(sorted(by_recovery->recovery_codes), (Codes{"digest-code-a", "digest-code-b"}));
  EXPECT_TRUE(fails_with(find_token("digest-mfa-2", TokenPurpose::mfa_login), Error::not_found)) << "consumed";
  expect_same_account(stored("id-1"), *by_recovery);
}

TEST_P(SecondFactorContractTest, RedeemRefusedByASecondFactorConditionLeavesTheTokenUsable) {
  Account before = add_enrolled_account("id-1", "a@example.com");
  add_session("digest-s", "id-1");
  add_token(make_token("digest-mfa", TokenPurpose::mfa_login, "id-1", kT0 + 5min));

  AccountChanges replayed_step;
  replayed_step.accept_totp_step = 100;
  AccountChanges unknown_code;
  unknown_code.use_recovery_code = "digest-code-unknown";
  AccountChanges stale_pending;
  stale_pending.expected_totp_pending = "sealed-pending-of-someone-else";
  for (const AccountChanges& refused : {replayed_step, unknown_code, stale_pending}) {
    EXPECT_TRUE(fails_with(redeem("digest-mfa", TokenPurpose::mfa_login, with_side_changes(refused)), Error::not_found));
    Result<TokenHolder> still = find_token("digest-mfa", TokenPurpose::mfa_login);
    ASSERT_TRUE(still) << "the token stays usable";
    expect_same_account(still->account, before);
  }
  expect_unchanged(before, "digest-s");

  AccountChanges next;
  next.accept_totp_step = 101;
  next.updated_at = kT0 + 1s;
  EXPECT_TRUE(redeem("digest-mfa", TokenPurpose::mfa_login, next)) << "and is redeemed by a good code after";
}

TEST_P(SecondFactorContractTest, ConcurrentUpdatesAcceptingOneStepHaveExactlyOneWinner) {
  add_enrolled_account("id-1", "a@example.com");
  constexpr std::size_t kUpdates = 20;
  std::vector<Task<Result<Account>>> tasks;
  for (std::size_t i = 0; i < kUpdates; ++i) {
    AccountChanges changes;
    changes.accept_totp_step = 101;
    changes.name = "winner-" + std::to_string(i);
    changes.updated_at = kT0 + 1s;
    tasks.push_back(store().update_account("id-1", std::move(changes)));
  }
  std::vector<std::optional<Result<Account>>> results = run_concurrently(std::move(tasks));

  std::size_t winners = 0;
  std::string winner;
  for (std::size_t i = 0; i < kUpdates; ++i) {
    ASSERT_TRUE(results[i].has_value()) << "update " << i << " never completed";
    if (*results[i]) {
      ++winners;
      winner = "winner-" + std::to_string(i);
    } else {
      EXPECT_EQ(results[i]->error(), Error::not_found) << "update " << i;
    }
  }
  EXPECT_EQ(winners, 1u);
  EXPECT_EQ(stored("id-1").name, winner) << "only the winner's change is stored";
  EXPECT_EQ(stored("id-1").totp_last_step, 101);
}

TEST_P(SecondFactorContractTest, ConcurrentRedemptionsAcceptingOneStepHaveExactlyOneWinner) {
  add_enrolled_account("id-1", "a@example.com");
  constexpr std::size_t kTokens = 20;
  for (std::size_t i = 0; i < kTokens; ++i) {
    add_token(make_token("digest-mfa-" + std::to_string(i), TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  }
  std::vector<Task<Result<Account>>> tasks;
  for (std::size_t i = 0; i < kTokens; ++i) {
    AccountChanges changes;
    changes.accept_totp_step = 101;
    changes.updated_at = kT0 + 1s;
    tasks.push_back(store().redeem_token("digest-mfa-" + std::to_string(i), TokenPurpose::mfa_login, kT0,
                                         std::move(changes)));
  }
  std::vector<std::optional<Result<Account>>> results = run_concurrently(std::move(tasks));

  std::size_t winners = 0;
  for (std::size_t i = 0; i < kTokens; ++i) {
    ASSERT_TRUE(results[i].has_value()) << "redeem " << i << " never completed";
    const std::string digest = "digest-mfa-" + std::to_string(i);
    if (*results[i]) {
      ++winners;
      EXPECT_TRUE(fails_with(find_token(digest, TokenPurpose::mfa_login), Error::not_found)) << "the winner's is spent";
    } else {
      EXPECT_EQ(results[i]->error(), Error::not_found) << "redeem " << i;
      EXPECT_TRUE(find_token(digest, TokenPurpose::mfa_login)) << "a loser's token stays usable: " << digest;
    }
  }
  EXPECT_EQ(winners, 1u);
  EXPECT_EQ(stored("id-1").totp_last_step, 101);
}

TEST_P(SecondFactorContractTest, ConcurrentUsesOfOneRecoveryCodeHaveExactlyOneWinner) {
  add_enrolled_account("id-1", "a@example.com");
  constexpr std::size_t kTokens = 20;
  for (std::size_t i = 0; i < kTokens; ++i) {
    add_token(make_token("digest-mfa-" + std::to_string(i), TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  }
  // Half through update_account, half through redeem_token: one code, one use, whichever way.
  std::vector<Task<Result<Account>>> tasks;
  for (std::size_t i = 0; i < 2 * kTokens; ++i) {
    AccountChanges changes;
    changes.use_recovery_code = "digest-code-b";
    changes.updated_at = kT0 + 1s;
    if (i % 2 == 0) {
      tasks.push_back(store().update_account("id-1", std::move(changes)));
    } else {
      tasks.push_back(store().redeem_token("digest-mfa-" + std::to_string(i / 2), TokenPurpose::mfa_login, kT0,
                                           std::move(changes)));
    }
  }
  std::vector<std::optional<Result<Account>>> results = run_concurrently(std::move(tasks));

  std::size_t winners = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].has_value()) << "use " << i << " never completed";
    if (*results[i]) {
      ++winners;
    } else {
      EXPECT_EQ(results[i]->error(), Error::not_found) << "use " << i;
    }
  }
  EXPECT_EQ(winners, 1u);
  EXPECT_EQ(sorted(stored("id-1").recovery_codes), (Codes{"digest-code-a", "digest-code-c"}));
}

TEST_P(SecondFactorContractTest, MfaLoginTokensAreFoundAndRedeemedOnlyForTheirOwnPurpose) {
  add_account("id-1", "a@example.com");
  add_token(make_token("digest-mfa", TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  add_token(make_token("digest-reset", TokenPurpose::password_reset, "id-1"));
  add_token(make_token("digest-verify", TokenPurpose::email_verification, "id-1"));

  Result<TokenHolder> mfa = find_token("digest-mfa", TokenPurpose::mfa_login);
  ASSERT_TRUE(mfa);
  EXPECT_EQ(mfa->token.purpose, TokenPurpose::mfa_login);
  EXPECT_EQ(mfa->token.account_id, "id-1");
  EXPECT_EQ(mfa->token.expires_at, kT0 + 5min);
  AccountChanges changes;
  changes.updated_at = kT0 + 1s;
  for (TokenPurpose other : {TokenPurpose::password_reset, TokenPurpose::email_verification}) {
    EXPECT_TRUE(fails_with(find_token("digest-mfa", other), Error::not_found)) << to_string(other);
    EXPECT_TRUE(fails_with(redeem("digest-mfa", other, changes), Error::not_found)) << to_string(other);
  }
  for (const char* digest : {"digest-reset", "digest-verify"}) {
    EXPECT_TRUE(fails_with(find_token(digest, TokenPurpose::mfa_login), Error::not_found)) << digest;
    EXPECT_TRUE(fails_with(redeem(digest, TokenPurpose::mfa_login, changes), Error::not_found)) << digest;
  }
  EXPECT_TRUE(find_token("digest-reset", TokenPurpose::password_reset)) << "refused redemptions consumed nothing";
  EXPECT_TRUE(find_token("digest-verify", TokenPurpose::email_verification));
  EXPECT_TRUE(redeem("digest-mfa", TokenPurpose::mfa_login, changes));
  EXPECT_TRUE(fails_with(redeem("digest-mfa", TokenPurpose::mfa_login, changes), Error::not_found)) << "single use";
}

TEST_P(SecondFactorContractTest, MfaLoginTokensExpireAndAreDroppedByPurpose) {
  add_account("id-1", "a@example.com");
  add_token(make_token("digest-mfa-old", TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  add_token(make_token("digest-reset", TokenPurpose::password_reset, "id-1"));
  EXPECT_TRUE(fails_with(find_token("digest-mfa-old", TokenPurpose::mfa_login, kT0 + 5min), Error::not_found))
      << "not live at its expiry";

  // A change that drops mfa_login tokens (a new sign-in's token replacing the old) keeps the others.
  AccountChanges changes;
  changes.updated_at = kT0 + 1s;
  changes.drop_tokens = {TokenPurpose::mfa_login};
  changes.effects.token = make_token("digest-mfa-new", TokenPurpose::mfa_login, "id-1", kT0 + 5min);
  ASSERT_TRUE(update("id-1", std::move(changes)));
  EXPECT_TRUE(fails_with(find_token("digest-mfa-old", TokenPurpose::mfa_login), Error::not_found));
  EXPECT_TRUE(find_token("digest-mfa-new", TokenPurpose::mfa_login));
  EXPECT_TRUE(find_token("digest-reset", TokenPurpose::password_reset));
}

TEST_P(SecondFactorContractTest, PurgeRemovesExpiredMfaLoginTokensOnly) {
  add_account("id-1", "a@example.com");
  add_token(make_token("digest-expired", TokenPurpose::mfa_login, "id-1", kT0));
  add_token(make_token("digest-live", TokenPurpose::mfa_login, "id-1", kT0 + 1ms));
  ASSERT_TRUE(run(store().purge_expired_sessions(kT0)));
  EXPECT_TRUE(find_token("digest-live", TokenPurpose::mfa_login, kT0));
  if (GetParam().native_expiry) GTEST_SKIP() << "purging is a no-op for a backend with native expiry";
  // Asked about an earlier moment, a purged token would still be live had it been kept.
  EXPECT_TRUE(fails_with(find_token("digest-expired", TokenPurpose::mfa_login, kT0 - 1min), Error::not_found));
}

TEST_P(SecondFactorContractTest, DeletingTheAccountRemovesItsMfaLoginTokensAndItsSecondFactor) {
  add_enrolled_account("id-1", "a@example.com");
  add_account("id-2", "b@example.com");
  add_token(make_token("digest-mfa", TokenPurpose::mfa_login, "id-1", kT0 + 5min));
  add_token(make_token("digest-mfa-2", TokenPurpose::mfa_login, "id-2", kT0 + 5min));
  ASSERT_TRUE(run(store().delete_account("id-1")));

  EXPECT_TRUE(fails_with(find_token("digest-mfa", TokenPurpose::mfa_login), Error::not_found));
  EXPECT_TRUE(find_token("digest-mfa-2", TokenPurpose::mfa_login)) << "another account's token stays";
  // An account created again with the same id starts without the old one's second factor.
  add_account("id-1", "a@example.com");
  Account again = stored("id-1");
  EXPECT_FALSE(again.totp_enabled());
  EXPECT_EQ(again.totp_pending, "");
  EXPECT_EQ(again.totp_last_step, 0);
  EXPECT_TRUE(again.recovery_codes.empty());
  EXPECT_TRUE(fails_with(find_token("digest-mfa", TokenPurpose::mfa_login), Error::not_found));
  AccountChanges use;
  use.use_recovery_code = "digest-code-a";
  use.updated_at = kT0 + 1s;
  EXPECT_TRUE(fails_with(update("id-1", use), Error::not_found)) << "the old codes are gone";
}

TEST_P(SecondFactorContractTest, OpaqueValuesAreStoredByteForByte) {
  Account account = make_account("id-1", "a@example.com");
  // Whatever the accounts layer seals or digests: separators, quotes, non-ASCII, a Redis field
  // prefix inside a value.
  account.totp_secret = std::string("v1.") + "nonce:ct/+=\"'\n\t" + "\xc3\xa9";
  account.totp_pending = "recovery_code:not-a-code";
  account.recovery_codes = {"a b", "a,b", "[\"x\"]", "recovery_code:y", "\xe2\x82\xac"};
  ASSERT_TRUE(run(store().create_account(account, {})));
  expect_same_account(stored("id-1"), account);

  AccountChanges use;
  use.use_recovery_code = "a b";
  use.updated_at = kT0;
  Result<Account> used = update("id-1", use);
  ASSERT_TRUE(used);
  EXPECT_EQ(sorted(used->recovery_codes), sorted({"a,b", "[\"x\"]", "recovery_code:y", "\xe2\x82\xac"}));
}

TEST_P(SecondFactorContractTest, ASessionWithoutASecondFactorIsRefusedOnceTheAccountHasOne) {
  add_enrolled_account("acc-sf-session", "sf-session@example.com");
  Account plain = make_account("acc-plain-session", "plain-session@example.com");
  ASSERT_TRUE(run(store().create_account(plain, {})));
  Session guarded = make_session("digest-guarded", "acc-sf-session", kT0 + 24h);
  guarded.without_second_factor = true;
  Result<void> refused = run(store().create_session(guarded));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), Error::not_found);
  EXPECT_FALSE(find_by_session("digest-guarded"));
  // Without the condition, and for an account without a second factor, the session is stored.
  guarded.without_second_factor = false;
  EXPECT_TRUE(run(store().create_session(guarded)));
  Session plain_session = make_session("digest-plain", "acc-plain-session", kT0 + 24h);
  plain_session.without_second_factor = true;
  EXPECT_TRUE(run(store().create_session(plain_session)));
  EXPECT_TRUE(find_by_session("digest-plain"));
}

INSTANTIATE_TEST_SUITE_P(Backends, SecondFactorContractTest, ::testing::ValuesIn(kFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vestibule::store
