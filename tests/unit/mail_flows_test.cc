// The mailed flows (accounts/mail_flows.h and the mail AccountService queues) over the real
// SQLite store and a real hasher with tiny parameters. The messages are read back from the
// store's outbox, as the courier would claim them, and their tokens followed, so every rule of
// password reset, verification and address change is checked without a mail server (the e2e
// suite follows the same links through a real SMTP server).

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "accounts/account_service.h"
#include "accounts/messages.h"
#include "account_assertions.h"
#include "mail/flaky_store.h"
#include "store/open.h"
#include "support/pooled_hasher.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"

namespace vestibule::accounts {
namespace {

using namespace std::chrono_literals;
using testing::run_awaitable;

const TimePoint kT0{1'800'000'000'000ms};
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kNewPassword = "a much longer passphrase";

std::string param(const store::OutboxMessage& m, std::string_view name) {
  for (const auto& [k, v] : m.params) {
    if (k == name) return v;
  }
  return {};
}

class MailFlowsTest : public ::testing::Test {
 protected:
  MailFlowsTest() {
    store_ = store::open_store("sqlite:" + (dir_.path() / "vestibule.db").string(), store::OpenOptions{}).value();
  }
  ~MailFlowsTest() override {
    service_.reset();
    store_.reset();
  }

  AccountService& service() {
    if (!service_) {
      auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
      service_ = std::make_unique<AccountService>(*store_, hasher_, options_, [this] { return now_; }, std::move(audit),
                                                  [this] { ++nudges_; });
    }
    return *service_;
  }
  MailFlows& flows() { return service().mail_flows(); }

  template <typename T>
  T run(Task<T> task) {
    return run_awaitable(io_, std::move(task));
  }
  // Runs what requests left running after their answer (a reset's mail) to its end.
  void drain() {
    io_.restart();
    io_.run();
  }

  Result<std::optional<User>> register_account(const std::string& email, const std::string& name = "Ada Lovelace") {
    Registration r{.name = name, .email = email, .password = kPassword};
    auto registered = run(service().register_account(std::move(r)));
    drain();  // a taken address's notice is queued after the answer
    return registered;
  }
  Result<Login> login(const std::string& email, const std::string& password = kPassword) {
    Credentials c{.email = email, .password = password};
    return run(service().login(std::move(c)));
  }
  Result<Principal> authenticate(const std::string& token) { return run(service().authenticate(token)); }
  Result<User> change_email(const Principal& p, const std::string& email) {
    ProfileChanges changes;
    changes.email = email;
    changes.current_password = kPassword;
    return run(service().update_profile(p, std::move(changes)));
  }
  Result<void> request_reset(const std::string& email) {
    auto r = run(flows().request_password_reset(email, RequestContext{.client = "192.0.2.1"}));
    drain();
    return r;
  }

  // The messages queued since the last call, as a courier claims them; they leave the outbox.
  std::vector<store::OutboxMessage> mail() {
    auto claimed = run(store_->claim_mail(now_, 1h, 1000, "test")).value();
    for (const auto& m : claimed) EXPECT_TRUE(run(store_->complete_mail(m.id, "test")).value());
    return claimed;
  }
  // The one message queued since the last call, which must be of `kind` to `to`.
  store::OutboxMessage only_mail(std::string_view kind, const std::string& to) {
    std::vector<store::OutboxMessage> all = mail();
    EXPECT_EQ(all.size(), 1u);
    if (all.empty()) return {};
    EXPECT_EQ(all.front().kind, kind);
    EXPECT_EQ(all.front().recipient, to);
    return all.front();
  }

  // Registers (optional mode), verifies nothing, logs in.
  Principal signed_in(const std::string& email) {
    EXPECT_TRUE(register_account(email));
    mail();
    Result<Login> session = login(email);
    EXPECT_TRUE(session);
    return authenticate(session->token).value();
  }

  store::Store& store() { return *store_; }

  boost::asio::io_context io_;  // first: outlives the pools that complete work onto it
  TimePoint now_ = kT0;
  testing::PooledHasher hasher_{security::HasherOptions{.params = {.memory_kib = 1024, .iterations = 1},
                                                        .threads = 1,
                                                        .max_queued = 8}};
  ServiceOptions options_;
  int nudges_ = 0;

 private:
  support::TempDir dir_{"mail-flows"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AccountService> service_;
};

TEST_F(MailFlowsTest, RegistrationQueuesAVerificationLinkThatVerifiesTheAddressOnce) {
  auto registered = register_account("ada@example.com");
  ASSERT_TRUE(registered);
  ASSERT_TRUE(*registered);
  EXPECT_FALSE((*registered)->email_verified);
  EXPECT_EQ(nudges_, 1);
  const store::OutboxMessage m = only_mail(messages::kVerifyEmail, "ada@example.com");
  const std::string token = param(m, "token");
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(param(m, "expires_in"), "86400");

  auto verified = run(flows().verify_email(token));
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->email_verified);
  EXPECT_TRUE(fails_with(run(flows().verify_email(token)), Code::invalid_link_token));
  EXPECT_TRUE(login("ada@example.com")->user.email_verified);
}

TEST_F(MailFlowsTest, ALinkTokenWorksOnlyForItsOwnPurposeAndUntilItExpires) {
  ASSERT_TRUE(register_account("ada@example.com"));
  const std::string verify = param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token");
  EXPECT_TRUE(fails_with(run(flows().reset_password(verify, std::string(kNewPassword))), Code::invalid_link_token));
  EXPECT_TRUE(fails_with(run(flows().verify_email(std::string("not a token"))), Code::invalid_link_token));
  now_ = kT0 + options_.verification_token_ttl;
  EXPECT_TRUE(fails_with(run(flows().verify_email(verify)), Code::invalid_link_token));
}

TEST_F(MailFlowsTest, AResetForAnUnknownAddressAnswersAlikeAndSendsNothing) {
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  EXPECT_TRUE(request_reset("nobody@example.com"));
  EXPECT_TRUE(mail().empty());
  EXPECT_TRUE(request_reset("ADA@example.com"));
  EXPECT_EQ(param(only_mail(messages::kResetPassword, "ada@example.com"), "expires_in"), "3600");
  EXPECT_TRUE(fails_with(run(flows().request_password_reset(std::string("not an address"))), Code::validation_failed));
  EXPECT_TRUE(fails_with(run(flows().request_password_reset(std::nullopt)), Code::validation_failed));
}

// The answer waits for no lookup, so its time cannot tell a known address from an unknown one;
// what it waits for is a ping, the same for every address, so a store that cannot be reached
// still fails the request instead of swallowing it.
TEST_F(MailFlowsTest, AResetAnswersBeforeItsLookupAndFailsOnlyWhenTheStoreCannotBeReached) {
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  mail::FlakyStore flaky(store());
  auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
  AccountService service(flaky, hasher_, options_, [this] { return now_; }, std::move(audit));
  // The lookups counted at the moment the answer reaches its caller, before anything else runs.
  int lookups_at_answer = -1;
  auto answer = [&]() -> Task<Result<void>> {
    std::optional<std::string> email = "ada@example.com";
    RequestContext context{.client = "192.0.2.1"};
    auto answered = co_await service.mail_flows().request_password_reset(std::move(email), std::move(context));
    lookups_at_answer = flaky.email_lookups;
    co_return answered;
  };
  auto request = [&] { return run(answer()); };

  flaky.email_lookups_fail = true;
  EXPECT_TRUE(request()) << "a lookup that fails after the answer cannot change it";
  EXPECT_EQ(lookups_at_answer, 0) << "answered before the lookup";
  EXPECT_EQ(flaky.pings, 1);
  drain();
  EXPECT_EQ(flaky.email_lookups, 1);
  EXPECT_TRUE(mail().empty());

  flaky.email_lookups_fail = false;
  flaky.pings_fail = true;
  EXPECT_TRUE(fails_with(request(), Code::store_unavailable));
  drain();
  EXPECT_EQ(flaky.email_lookups, 1) << "nothing runs after a refused request";
  EXPECT_TRUE(mail().empty());

  flaky.pings_fail = false;
  EXPECT_TRUE(request());
  drain();
  EXPECT_EQ(flaky.email_lookups, 2);
  only_mail(messages::kResetPassword, "ada@example.com");
}

TEST_F(MailFlowsTest, AResetSetsThePasswordRevokesEverySessionAndProvesTheAddress) {
  Principal p = signed_in("ada@example.com");
  Result<Login> other = login("ada@example.com");
  ASSERT_TRUE(other);
  ASSERT_TRUE(request_reset("ada@example.com"));
  const std::string token = param(only_mail(messages::kResetPassword, "ada@example.com"), "token");

  ASSERT_TRUE(run(flows().reset_password(token, std::string(kNewPassword))));
  EXPECT_TRUE(fails_with(authenticate(other->token), Code::invalid_token));
  EXPECT_TRUE(fails_with(login("ada@example.com"), Code::invalid_credentials));
  Result<Login> fresh = login("ada@example.com", kNewPassword);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->user.email_verified);
  only_mail(messages::kPasswordChanged, "ada@example.com");
  EXPECT_TRUE(fails_with(run(flows().reset_password(token, std::string("yet another passphrase"))),
                         Code::invalid_link_token));
}

TEST_F(MailFlowsTest, AResetRevokesTheOtherResetLinksOfTheAccount) {
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  ASSERT_TRUE(request_reset("ada@example.com"));
  const std::string first = param(only_mail(messages::kResetPassword, "ada@example.com"), "token");
  now_ += 2min;  // past the per-account limit's short window
  ASSERT_TRUE(request_reset("ada@example.com"));
  const std::string second = param(only_mail(messages::kResetPassword, "ada@example.com"), "token");
  ASSERT_TRUE(run(flows().reset_password(second, std::string(kNewPassword))));
  EXPECT_TRUE(fails_with(run(flows().reset_password(first, std::string("yet another passphrase"))),
                         Code::invalid_link_token));
}

TEST_F(MailFlowsTest, APasswordTheRulesRefuseLeavesTheResetLinkUsable) {
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  ASSERT_TRUE(request_reset("ada@example.com"));
  const std::string token = param(only_mail(messages::kResetPassword, "ada@example.com"), "token");
  EXPECT_TRUE(fails_with(run(flows().reset_password(token, std::string("short"))), Code::validation_failed));
  EXPECT_TRUE(fails_with(run(flows().reset_password(token, std::nullopt)), Code::validation_failed));
  EXPECT_TRUE(run(flows().reset_password(token, std::string(kNewPassword))));
}

TEST_F(MailFlowsTest, AResetForgetsTheFailedLoginsOfTheAccount) {
  options_.throttling.failed_logins_per_account = {3, 15min};
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(fails_with(login("ada@example.com", "wrong password"), Code::invalid_credentials));
  EXPECT_TRUE(fails_with(login("ada@example.com"), Code::too_many_attempts));
  ASSERT_TRUE(request_reset("ada@example.com"));
  const std::string token = param(only_mail(messages::kResetPassword, "ada@example.com"), "token");
  ASSERT_TRUE(run(flows().reset_password(token, std::string(kNewPassword))));
  EXPECT_TRUE(login("ada@example.com", kNewPassword));
}

TEST_F(MailFlowsTest, ResetEmailsAreLimitedPerAccountButTheAnswerStaysTheSame) {
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(request_reset("ada@example.com"));
  EXPECT_EQ(mail().size(), 1u);  // one per minute
  for (int minute = 1; minute < 10; ++minute) {
    now_ = kT0 + std::chrono::minutes(minute) + 1s;
    EXPECT_TRUE(request_reset("ada@example.com"));
  }
  EXPECT_EQ(mail().size(), 4u);  // five per hour in all
  now_ = kT0 + 61min;
  EXPECT_TRUE(request_reset("ada@example.com"));
  EXPECT_EQ(mail().size(), 1u);
}

TEST_F(MailFlowsTest, AnAddressChangeAppliesAtOnceUnverifiedAndTellsTheOldAddress) {
  Principal p = signed_in("ada@example.com");
  Result<User> changed = change_email(p, "ada@lovelace.example.org");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->email, "ada@lovelace.example.org");
  EXPECT_FALSE(changed->email_verified);
  EXPECT_TRUE(changed->pending_email.empty());
  std::vector<store::OutboxMessage> sent = mail();
  ASSERT_EQ(sent.size(), 2u);
  const auto& link = sent[0].kind == messages::kVerifyEmail ? sent[0] : sent[1];
  const auto& notice = sent[0].kind == messages::kVerifyEmail ? sent[1] : sent[0];
  EXPECT_EQ(link.recipient, "ada@lovelace.example.org");
  EXPECT_EQ(notice.kind, messages::kEmailChangeNotice);
  EXPECT_EQ(notice.recipient, "ada@example.com");
  EXPECT_EQ(param(notice, "new_email"), "ada@lovelace.example.org");
  auto verified = run(flows().verify_email(param(link, "token")));
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->email_verified);
}

TEST_F(MailFlowsTest, AVerificationLinkForAnAddressTheAccountGaveUpIsRefused) {
  ASSERT_TRUE(register_account("ada@example.com"));
  const std::string old_link = param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token");
  Result<Login> session = login("ada@example.com");
  ASSERT_TRUE(session);
  ASSERT_TRUE(change_email(authenticate(session->token).value(), "ada@lovelace.example.org"));
  EXPECT_TRUE(fails_with(run(flows().verify_email(old_link)), Code::invalid_link_token));
}

TEST_F(MailFlowsTest, AResetLinkMailedToAnAddressTheAccountGaveUpIsRefused) {
  // A reset request read the account just before an address change committed, and its token
  // was stored just after (the change drops the reset tokens it can see).
  Principal p = signed_in("ada@example.com");
  ASSERT_TRUE(change_email(p, "ada@lovelace.example.org"));
  mail();
  messages::IssuedFlowToken late =
      messages::issue_flow_token(store::TokenPurpose::password_reset, p.account_id(), "ada@example.com", now_, 1h);
  store::Effects effects;
  effects.token = late.record;
  ASSERT_TRUE(run(store().add_effects(p.account_id(), std::move(effects))));
  EXPECT_TRUE(fails_with(run(flows().reset_password(late.token, std::string(kNewPassword))), Code::invalid_link_token));
  EXPECT_TRUE(login("ada@lovelace.example.org"));
}

TEST_F(MailFlowsTest, AddressChangesAreLimitedLikeTheMailTheySend) {
  Principal p = signed_in("ada@example.com");
  ASSERT_TRUE(change_email(p, "ada@second.example.org"));
  Result<User> again = change_email(p, "victim@example.org");
  ASSERT_TRUE(fails_with(again, Code::too_many_attempts));
  EXPECT_EQ(again.error().retry_after, 60s);
  mail();
  now_ += 61s;
  EXPECT_TRUE(change_email(p, "ada@third.example.org"));
}

TEST_F(MailFlowsTest, WorkAfterTheAnswerIsCountedUntilItIsDone) {
  ASSERT_TRUE(register_account("ada@example.com"));
  ASSERT_TRUE(run(flows().request_password_reset(std::string("ada@example.com"))));
  // Answered; its mail limit's counter write is still with the store's thread.
  EXPECT_EQ(service().background_jobs(), 1u);
  drain();
  EXPECT_EQ(service().background_jobs(), 0u);
  EXPECT_EQ(mail().size(), 2u);  // the verification link and the reset link
}

TEST_F(MailFlowsTest, AFreshLinkGoesOnlyToAnUnverifiedAddress) {
  Principal p = signed_in("ada@example.com");
  ASSERT_TRUE(run(flows().resend_verification(p)));
  const std::string token = param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token");
  ASSERT_TRUE(run(flows().verify_email(token)));
  Principal verified = authenticate(login("ada@example.com")->token).value();
  EXPECT_TRUE(fails_with(run(flows().resend_verification(verified)), Code::already_verified));
}

TEST_F(MailFlowsTest, DeletingAnAccountRevokesItsLinks) {
  Principal p = signed_in("ada@example.com");
  ASSERT_TRUE(request_reset("ada@example.com"));
  const std::string token = param(only_mail(messages::kResetPassword, "ada@example.com"), "token");
  ASSERT_TRUE(run(service().delete_account(p, std::string(kPassword))));
  EXPECT_TRUE(fails_with(run(flows().reset_password(token, std::string(kNewPassword))), Code::invalid_link_token));
}

class RequiredVerificationTest : public MailFlowsTest {
 protected:
  RequiredVerificationTest() { options_.email_verification = EmailVerification::required; }
};

TEST_F(RequiredVerificationTest, RegistrationAnswersAlikeForANewAndATakenAddress) {
  auto fresh = register_account("ada@example.com");
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(*fresh);
  only_mail(messages::kVerifyEmail, "ada@example.com");
  const auto hashes_before = hasher_.hashes_run();
  auto taken = register_account("ADA@example.com", "Someone Else");
  ASSERT_TRUE(taken);
  EXPECT_FALSE(*taken);
  EXPECT_EQ(hasher_.hashes_run(), hashes_before + 1);  // the same work as a new address
  const store::OutboxMessage notice = only_mail(messages::kRegistrationAttempt, "ada@example.com");
  EXPECT_EQ(param(notice, "name"), "Ada Lovelace");  // the owner's name, not the newcomer's
}

TEST_F(RequiredVerificationTest, AnUnverifiedAddressCannotLogInAndGetsAFreshLink) {
  ASSERT_TRUE(register_account("ada@example.com"));
  mail();
  EXPECT_TRUE(fails_with(login("ada@example.com", "wrong password"), Code::invalid_credentials));
  EXPECT_TRUE(mail().empty());  // nothing for a guesser
  EXPECT_TRUE(fails_with(login("ada@example.com"), Code::email_not_verified));
  const std::string token = param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token");
  EXPECT_TRUE(fails_with(login("ada@example.com"), Code::email_not_verified));
  EXPECT_TRUE(mail().empty());  // within the mail limits
  ASSERT_TRUE(run(flows().verify_email(token)));
  EXPECT_TRUE(login("ada@example.com"));
}

TEST_F(RequiredVerificationTest, AnAddressChangeWaitsForTheNewAddressToBeProven) {
  ASSERT_TRUE(register_account("ada@example.com"));
  ASSERT_TRUE(run(flows().verify_email(param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token"))));
  Principal p = authenticate(login("ada@example.com")->token).value();
  Result<User> pending = change_email(p, "ada@lovelace.example.org");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->email, "ada@example.com");
  EXPECT_EQ(pending->pending_email, "ada@lovelace.example.org");
  EXPECT_TRUE(pending->email_verified);
  std::vector<store::OutboxMessage> sent = mail();
  ASSERT_EQ(sent.size(), 2u);
  const auto& link = sent[0].kind == messages::kVerifyEmail ? sent[0] : sent[1];
  EXPECT_EQ(link.recipient, "ada@lovelace.example.org");
  EXPECT_TRUE(login("ada@example.com"));  // the old address is in force until then

  auto moved = run(flows().verify_email(param(link, "token")));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->email, "ada@lovelace.example.org");
  EXPECT_TRUE(moved->pending_email.empty());
  EXPECT_TRUE(moved->email_verified);
  EXPECT_TRUE(login("ada@lovelace.example.org"));
  EXPECT_TRUE(fails_with(login("ada@example.com"), Code::invalid_credentials));
}

TEST_F(RequiredVerificationTest, APendingAddressSomeoneTookMeanwhileIsRefusedOnConfirmation) {
  ASSERT_TRUE(register_account("ada@example.com"));
  ASSERT_TRUE(run(flows().verify_email(param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token"))));
  Principal p = authenticate(login("ada@example.com")->token).value();
  ASSERT_TRUE(change_email(p, "ada@lovelace.example.org"));
  std::vector<store::OutboxMessage> sent = mail();
  ASSERT_EQ(sent.size(), 2u);
  const auto& link = sent[0].kind == messages::kVerifyEmail ? sent[0] : sent[1];
  ASSERT_TRUE(register_account("ada@lovelace.example.org", "Another Ada"));
  EXPECT_TRUE(fails_with(run(flows().verify_email(param(link, "token"))), Code::email_taken));
}

TEST_F(RequiredVerificationTest, AChangeToATakenAddressAnswersLikeAnyOtherUntilItsLinkIsFollowed) {
  ASSERT_TRUE(register_account("bob@example.com", "Bob"));
  mail();
  ASSERT_TRUE(register_account("ada@example.com"));
  ASSERT_TRUE(run(flows().verify_email(param(only_mail(messages::kVerifyEmail, "ada@example.com"), "token"))));
  Principal p = authenticate(login("ada@example.com")->token).value();
  // Telling "taken" here would let any signed-in caller test which addresses have accounts.
  Result<User> pending = change_email(p, "BOB@example.com");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->pending_email, "BOB@example.com");
  std::vector<store::OutboxMessage> sent = mail();
  ASSERT_EQ(sent.size(), 2u);
  const auto& link = sent[0].kind == messages::kVerifyEmail ? sent[0] : sent[1];
  EXPECT_TRUE(fails_with(run(flows().verify_email(param(link, "token"))), Code::email_taken));
  EXPECT_TRUE(login("ada@example.com"));
}

}  // namespace
}  // namespace vestibule::accounts
