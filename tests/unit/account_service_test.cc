// AccountService over the real SQLite store (in a temporary directory) and the real argon2id
// hasher with tiny parameters: the rules that span store and hasher.

#include "accounts/account_service.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <type_traits>

#include "account_assertions.h"
#include "mail/flaky_store.h"
#include "security/tokens.h"
#include "store/open.h"
#include "support/pooled_hasher.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"

namespace vestibule::accounts {
namespace {

using namespace std::chrono_literals;
using testing::run_awaitable;

constexpr security::HashParams kParamsA{.memory_kib = 1024, .iterations = 1};
constexpr security::HashParams kParamsB{.memory_kib = 2048, .iterations = 1};
const TimePoint kT0{1'800'000'000'000ms};

security::HasherOptions hasher_options(security::HashParams params) {
  return security::HasherOptions{.params = params, .threads = 1, .max_queued = 8};
}

class AccountServiceTest : public ::testing::Test {
 protected:
  AccountServiceTest() {
    store_ = store::open_store("sqlite:" + (dir_.path() / "vestibule.db").string(), store::OpenOptions{}).value();
    service_ = make_service(hasher_);
  }
  ~AccountServiceTest() override {
    service_.reset();
    store_.reset();
  }

  // A service over the shared store with its own hasher and the test's clock.
  std::unique_ptr<AccountService> make_service(security::PasswordHasher& hasher, Throttling throttling = {}) {
    auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
    ServiceOptions options;
    options.token_ttl = 1h;
    options.throttling = throttling;
    return std::make_unique<AccountService>(*store_, hasher, std::move(options), [this] { return now_; },
                                            std::move(audit));
  }

  AccountService& service() { return *service_; }
  store::Store& store() { return *store_; }

  template <typename T>
  T run(Task<T> task) {
    return run_awaitable(io_, std::move(task));
  }

  Result<User> register_account(const std::string& email, const std::string& password) {
    Registration r{.name = "Ada Lovelace", .email = email, .password = password};
    Result<std::optional<User>> registered = run(service().register_account(std::move(r)));
    if (!registered) return registered.error();
    return registered->value();  // verification is optional here: a user or an error
  }

  Result<Login> login(const std::string& email, const std::string& password, AccountService* via = nullptr,
                      const std::string& client = {}, const std::string& user_agent = {}) {
    Credentials c{.email = email, .password = password};
    return run((via ? *via : service()).login(std::move(c), RequestContext{.client = client, .user_agent = user_agent}));
  }

  // The stored session of `token` (its last use, what it keeps).
  store::Session stored_session(const std::string& token) {
    return run(store_->find_session(security::token_digest(token).value(), now_)).value().session;
  }

  void set_disabled(const std::string& account_id, bool disabled) {
    store::AccountChanges changes;
    changes.updated_at = now_;
    changes.disabled = disabled;
    ASSERT_TRUE(run(store_->update_account(account_id, std::move(changes))));
  }

  Result<User> change_password(const Principal& p, const std::string& current, const std::string& next,
                               AccountService* via = nullptr) {
    ProfileChanges changes;
    changes.password = next;
    changes.current_password = current;
    return run((via ? *via : service()).update_profile(p, std::move(changes)));
  }

  // The count of the throttling window under `key` (0 when none is open).
  std::uint32_t attempts(const std::string& key) { return run(store_->attempts(key, now_)).value().count; }

  Result<Principal> authenticate(const std::string& token) { return run(service().authenticate(token)); }

  store::Account stored_account(const std::string& email_key) {
    return run(store_->find_account_by_email(email_key)).value();
  }

  boost::asio::io_context io_;  // first: outlives the pools that complete work onto it
  TimePoint now_ = kT0;
  testing::PooledHasher hasher_{hasher_options(kParamsA)};

 private:
  support::TempDir dir_{"accounts"};  // before the store: removed after it is closed
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AccountService> service_;
};

TEST_F(AccountServiceTest, RegisterThenLoginThenAuthenticateYieldTheSameUser) {
  Result<User> registered = register_account("Ada@Example.com", "correct horse");
  ASSERT_TRUE(registered);
  EXPECT_EQ(registered->name, "Ada Lovelace");
  EXPECT_EQ(registered->email, "Ada@example.com");
  EXPECT_EQ(registered->created_at, kT0);

  now_ = kT0 + 1min;
  Result<Login> session = login("ada@EXAMPLE.com", "correct horse");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->user.id, registered->id);
  EXPECT_EQ(session->expires_at, kT0 + 1min + 1h);
  EXPECT_EQ(session->expires_in, 1h);

  Result<Principal> caller = authenticate(session->token);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->account_id(), registered->id);
  EXPECT_EQ(caller->user().email, "Ada@example.com");
  // The store keeps a digest of the token, never the token.
  EXPECT_NE(caller->token_digest(), session->token);
}

TEST_F(AccountServiceTest, RegisterRejectsAnAddressThatDiffersOnlyInCase) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  EXPECT_TRUE(fails_with(register_account("ADA@example.com", "another password"), Code::email_taken));
}

TEST_F(AccountServiceTest, LoginWithUnknownEmailSpendsOneVerificationAndIsInvalidCredentials) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const auto before = hasher_.verifications_run();

  Result<Login> unknown = login("nobody@example.com", "correct horse");

  EXPECT_TRUE(fails_with(unknown, Code::invalid_credentials));
  EXPECT_EQ(hasher_.verifications_run(), before + 1);
}

TEST_F(AccountServiceTest, LoginWithWrongPasswordSpendsOneVerificationAndIsInvalidCredentials) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const auto before = hasher_.verifications_run();

  Result<Login> wrong = login("ada@example.com", "wrong horse");

  EXPECT_TRUE(fails_with(wrong, Code::invalid_credentials));
  EXPECT_EQ(hasher_.verifications_run(), before + 1);
}

TEST_F(AccountServiceTest, TokenStopsWorkingWhenItExpires) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string token = login("ada@example.com", "correct horse").value().token;

  now_ = kT0 + 1h - 1ms;
  EXPECT_TRUE(authenticate(token));
  now_ = kT0 + 1h;
  EXPECT_TRUE(fails_with(authenticate(token), Code::invalid_token));
}

TEST_F(AccountServiceTest, MalformedTokenIsInvalid) {
  EXPECT_TRUE(fails_with(authenticate(""), Code::invalid_token));
  EXPECT_TRUE(fails_with(authenticate("not-a-token"), Code::invalid_token));
  EXPECT_TRUE(fails_with(authenticate(std::string(43, 'A')), Code::invalid_token));  // well-formed, never issued
}

TEST_F(AccountServiceTest, PasswordChangeKeepsOnlyTheCallingSession) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string calling = login("ada@example.com", "correct horse").value().token;
  const std::string other1 = login("ada@example.com", "correct horse").value().token;
  const std::string other2 = login("ada@example.com", "correct horse").value().token;
  ASSERT_TRUE(register_account("bob@example.com", "bobs password"));
  const std::string someone_else = login("bob@example.com", "bobs password").value().token;
  const Principal caller = authenticate(calling).value();

  ProfileChanges changes;
  changes.password = "battery staple";
  changes.current_password = "correct horse";
  Result<User> updated = run(service().update_profile(caller, std::move(changes)));
  ASSERT_TRUE(updated);

  EXPECT_TRUE(authenticate(calling));
  EXPECT_TRUE(fails_with(authenticate(other1), Code::invalid_token));
  EXPECT_TRUE(fails_with(authenticate(other2), Code::invalid_token));
  EXPECT_TRUE(authenticate(someone_else));
  EXPECT_TRUE(fails_with(login("ada@example.com", "correct horse"), Code::invalid_credentials));
  EXPECT_TRUE(login("ada@example.com", "battery staple"));
}

TEST_F(AccountServiceTest, PasswordChangeWithWrongCurrentPasswordChangesNothing) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string calling = login("ada@example.com", "correct horse").value().token;
  const std::string other = login("ada@example.com", "correct horse").value().token;
  const Principal caller = authenticate(calling).value();

  ProfileChanges changes;
  changes.password = "battery staple";
  changes.current_password = "wrong horse";
  Result<User> updated = run(service().update_profile(caller, std::move(changes)));

  EXPECT_TRUE(fails_with(updated, Code::invalid_password));
  EXPECT_TRUE(authenticate(other));
  EXPECT_TRUE(login("ada@example.com", "correct horse"));
}

TEST_F(AccountServiceTest, LoginRehashesAPasswordHashedWithOtherParameters) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  testing::PooledHasher hasher_b(hasher_options(kParamsB));
  ASSERT_TRUE(hasher_b.needs_rehash(stored_account("ada@example.com").password_hash));
  std::unique_ptr<AccountService> service_b = make_service(hasher_b);

  Result<Login> session = login("ada@example.com", "correct horse", service_b.get());
  ASSERT_TRUE(session);

  const std::string rehashed = stored_account("ada@example.com").password_hash;
  EXPECT_FALSE(hasher_b.needs_rehash(rehashed));
  EXPECT_TRUE(hasher_.needs_rehash(rehashed));
  EXPECT_EQ(hasher_b.hashes_run(), 1u);
  // The new hash is of the same password, and the session made by that login is valid.
  EXPECT_TRUE(login("ada@example.com", "correct horse", service_b.get()));
  EXPECT_TRUE(authenticate(session->token));
}

TEST_F(AccountServiceTest, LoginWithCurrentParametersDoesNotRehash) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string hash = stored_account("ada@example.com").password_hash;
  const auto hashes_before = hasher_.hashes_run();

  ASSERT_TRUE(login("ada@example.com", "correct horse"));

  EXPECT_EQ(hasher_.hashes_run(), hashes_before);
  EXPECT_EQ(stored_account("ada@example.com").password_hash, hash);
}

TEST_F(AccountServiceTest, FailedReauthenticationsCountTowardTheAccountsLoginLimit) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const Principal caller = authenticate(login("ada@example.com", "correct horse").value().token).value();
  // Half the limit (10) through PATCH, half through DELETE: the same guesses as at the login form.
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(fails_with(change_password(caller, "wrong horse", "battery staple"), Code::invalid_password)) << i;
    EXPECT_TRUE(fails_with(run(service().delete_account(caller, std::string("wrong horse"))), Code::invalid_password));
  }
  EXPECT_EQ(attempts("login:account:ada@example.com"), 10u);

  Result<User> throttled = change_password(caller, "correct horse", "battery staple");
  ASSERT_TRUE(fails_with(throttled, Code::too_many_attempts));
  EXPECT_EQ(throttled.error().retry_after, 15min);
  EXPECT_TRUE(fails_with(run(service().delete_account(caller, std::string("correct horse"))), Code::too_many_attempts));
  EXPECT_TRUE(fails_with(login("ada@example.com", "correct horse"), Code::too_many_attempts));
  // Past the window, the right password works again, and a success forgets the count.
  now_ = kT0 + 15min;
  EXPECT_TRUE(change_password(caller, "correct horse", "battery staple"));
  EXPECT_EQ(attempts("login:account:ada@example.com"), 0u);
}

TEST_F(AccountServiceTest, ReauthenticationIsLimitedPerClientToo) {
  Throttling limits;
  limits.failed_logins_per_client = {2, 15min};
  std::unique_ptr<AccountService> limited = make_service(hasher_, limits);
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  // The principal carries the address of the request it was authenticated for.
  const std::string token = login("ada@example.com", "correct horse").value().token;
  const Principal caller = run(limited->authenticate(token, RequestContext{.client = "203.0.113.9"})).value();
  for (int i = 0; i < 2; ++i) {
    ProfileChanges changes;
    changes.email = "ada@example.org";
    changes.current_password = "wrong horse";
    EXPECT_TRUE(fails_with(run(limited->update_profile(caller, std::move(changes))),
                           Code::invalid_password));
  }
  EXPECT_EQ(attempts("login:client:203.0.113.9"), 2u);
  EXPECT_TRUE(fails_with(run(limited->delete_account(caller, std::string("correct horse"))),
                         Code::too_many_attempts));
  EXPECT_TRUE(fails_with(login("ada@example.com", "correct horse", limited.get(), "203.0.113.9"),
                         Code::too_many_attempts));
}

TEST_F(AccountServiceTest, AClientOverItsLimitAddsToNoAccountsCount) {
  Throttling limits;
  limits.failed_logins_per_client = {2, 15min};
  std::unique_ptr<AccountService> limited = make_service(hasher_, limits);
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  EXPECT_TRUE(fails_with(login("x@example.com", "guess", limited.get(), "198.51.100.7"), Code::invalid_credentials));
  EXPECT_TRUE(fails_with(login("y@example.com", "guess", limited.get(), "198.51.100.7"), Code::invalid_credentials));
  const auto verifications = hasher_.verifications_run();

  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(fails_with(login("ada@example.com", "guess", limited.get(), "198.51.100.7"), Code::too_many_attempts));
  }

  EXPECT_EQ(attempts("login:account:ada@example.com"), 0u) << "a refused client cannot lock the account out";
  EXPECT_EQ(attempts("login:client:198.51.100.7"), 2u) << "a refusal writes nothing";
  EXPECT_EQ(hasher_.verifications_run(), verifications);
  EXPECT_TRUE(login("ada@example.com", "correct horse", limited.get(), "198.51.100.8"));
}

TEST_F(AccountServiceTest, AThrottledLoginWritesNothing) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(fails_with(login("ada@example.com", "guess"), Code::invalid_credentials));
  ASSERT_EQ(attempts("login:account:ada@example.com"), 10u);
  const auto verifications = hasher_.verifications_run();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(fails_with(login("ada@example.com", "guess"), Code::too_many_attempts));
  EXPECT_EQ(attempts("login:account:ada@example.com"), 10u) << "a 429 is decided by a read";
  EXPECT_EQ(hasher_.verifications_run(), verifications);
}

TEST_F(AccountServiceTest, ARefusedRegistrationWritesNothing) {
  Throttling limits;
  limits.registrations_per_client = {2, 1h};
  std::unique_ptr<AccountService> limited = make_service(hasher_, limits);
  auto registration = [](const std::string& email) {
    return Registration{.name = "Ada Lovelace", .email = email, .password = "correct horse"};
  };
  const RequestContext client{.client = "203.0.113.5"};
  EXPECT_TRUE(run(limited->register_account(registration("a@example.com"), client)));
  EXPECT_TRUE(run(limited->register_account(registration("b@example.com"), client)));
  for (int i = 0; i < 5; ++i) {
    Result<std::optional<User>> refused = run(limited->register_account(registration("c@example.com"), client));
    ASSERT_TRUE(fails_with(refused, Code::too_many_attempts)) << i;
    EXPECT_EQ(refused.error().retry_after, 1h);
  }
  EXPECT_EQ(attempts("register:client:203.0.113.5"), 2u) << "a 429 is decided by a read";
  EXPECT_EQ(hasher_.hashes_run(), 2u);
}

TEST_F(AccountServiceTest, AGuessRefusedForAFullHashQueueIsNotCounted) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const Principal caller = authenticate(login("ada@example.com", "correct horse").value().token).value();
  // A hasher with a queue of one, whose only slot the test holds: every verification is refused.
  testing::PooledHasher full(security::HasherOptions{.params = kParamsA, .threads = 1, .max_queued = 1});
  std::unique_ptr<AccountService> busy = make_service(full);
  std::optional<security::PasswordHasher::Reservation> held = full.reserve();
  ASSERT_TRUE(held);

  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(fails_with(login("ada@example.com", "guess", busy.get(), "192.0.2.1"), Code::overloaded));
    EXPECT_TRUE(fails_with(change_password(caller, "guess", "battery staple", busy.get()), Code::overloaded));
  }
  EXPECT_EQ(attempts("login:account:ada@example.com"), 0u) << "a retry after a 503 costs no budget";
  EXPECT_EQ(attempts("login:client:192.0.2.1"), 0u);
  EXPECT_EQ(full.verifications_run(), 0u);

  held.reset();
  EXPECT_TRUE(login("ada@example.com", "correct horse", busy.get()));
}

TEST_F(AccountServiceTest, APasswordChangeFromASessionAnotherChangeEndedIsRefused) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string first_token = login("ada@example.com", "correct horse").value().token;
  const std::string second_token = login("ada@example.com", "correct horse").value().token;
  // Both sessions were authenticated before either change was made.
  const Principal first = authenticate(first_token).value();
  const Principal second = authenticate(second_token).value();

  ASSERT_TRUE(change_password(first, "correct horse", "battery staple"));
  // The first change ended the second session: its holder learns that, not that its (correct)
  // password is wrong, and no failed attempt is counted. (Two changes that both re-authenticate
  // before either commits: one 200, the other 409 conflict; e2e ConcurrencyTest races them.)
  EXPECT_TRUE(fails_with(change_password(second, "correct horse", "second choice"), Code::invalid_token));

  EXPECT_TRUE(login("ada@example.com", "battery staple")) << "the winner's password sticks";
  EXPECT_TRUE(fails_with(login("ada@example.com", "second choice"), Code::invalid_credentials));
  EXPECT_TRUE(authenticate(first_token));
  EXPECT_TRUE(fails_with(authenticate(second_token), Code::invalid_token));
}

TEST_F(AccountServiceTest, AnEmailChangeFromASessionAPasswordChangeEndedIsRefused) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const Principal stale = authenticate(login("ada@example.com", "correct horse").value().token).value();
  const Principal fresh = authenticate(login("ada@example.com", "correct horse").value().token).value();
  ASSERT_TRUE(change_password(fresh, "correct horse", "battery staple"));

  ProfileChanges changes;
  changes.email = "ada@example.org";
  changes.current_password = "correct horse";
  EXPECT_TRUE(fails_with(run(service().update_profile(stale, std::move(changes))), Code::invalid_token));
  EXPECT_EQ(stored_account("ada@example.com").email, "ada@example.com");
}

// Whatever a Principal could hand out that holds a hash (a getter, a member, the stored account).
template <typename P>
concept ReadsAHash = requires(const P& p) { p.password_hash(); } || requires(const P& p) { p.password_hash_; } ||
                     requires(const P& p) { p.account(); } || requires(const P& p) { p.password_hash; };

TEST_F(AccountServiceTest, APrincipalCarriesNoPasswordHash) {
  // Compile-time: nobody outside accounts/ makes one, and it has nothing that reads a hash.
  static_assert(!std::is_constructible_v<Principal, User, std::string, std::string>);
  static_assert(!ReadsAHash<Principal>);
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const Principal caller = authenticate(login("ada@example.com", "correct horse").value().token).value();
  EXPECT_EQ(caller.user().email, "ada@example.com");
  EXPECT_EQ(caller.account_id(), caller.user().id);
}

TEST_F(AccountServiceTest, ALoginKeepsWhereItCameFromAndWhatTheClientSaidItWas) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string ua = "Agent/1.0 \x01\xc3\xa9" + std::string(400, 'x');
  Result<Login> session = login("ada@example.com", "correct horse", nullptr, "192.0.2.7", ua);
  ASSERT_TRUE(session);
  store::Session stored = stored_session(session->token);
  EXPECT_EQ(stored.client_address, "192.0.2.7");
  EXPECT_EQ(stored.user_agent.size(), kMaxUserAgentBytes);
  EXPECT_EQ(stored.user_agent.substr(0, 13), "Agent/1.0 ???") << "control and non-ASCII bytes are kept as '?'";
  EXPECT_EQ(stored.last_used_at, kT0);
  EXPECT_EQ(stored.id.size(), 36u) << "a UUID";
}

TEST_F(AccountServiceTest, ASessionsLastUseIsWrittenAtMostOncePerInterval) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  const std::string token = login("ada@example.com", "correct horse").value().token;

  now_ = kT0 + kTouchInterval - 1ms;
  ASSERT_TRUE(authenticate(token));
  EXPECT_EQ(stored_session(token).last_used_at, kT0) << "within the interval: a read only";
  now_ = kT0 + kTouchInterval;
  ASSERT_TRUE(authenticate(token));
  EXPECT_EQ(stored_session(token).last_used_at, kT0 + kTouchInterval);
  now_ = kT0 + kTouchInterval + 30s;
  ASSERT_TRUE(run(service().introspect(token)));
  EXPECT_EQ(stored_session(token).last_used_at, kT0 + kTouchInterval);
  now_ = kT0 + 2 * kTouchInterval + 1s;
  ASSERT_TRUE(run(service().introspect(token)));
  EXPECT_EQ(stored_session(token).last_used_at, kT0 + 2 * kTouchInterval + 1s) << "introspection is a use too";
}

TEST_F(AccountServiceTest, IntrospectionTellsALiveTokenFromAnythingElse) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  Result<Login> session = login("ada@example.com", "correct horse");
  ASSERT_TRUE(session);
  auto live = run(service().introspect(session->token));
  ASSERT_TRUE(live);
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ((*live)->account_id, session->user.id);
  EXPECT_EQ((*live)->email, "ada@example.com");
  EXPECT_EQ((*live)->issued_at, kT0);
  EXPECT_EQ((*live)->expires_at, kT0 + 1h);
  for (std::string token : {std::string(), std::string("x"), std::string(43, 'A')}) {
    auto none = run(service().introspect(token));
    ASSERT_TRUE(none) << token;
    EXPECT_FALSE(none->has_value()) << token;
  }
  now_ = kT0 + 1h;
  auto expired = run(service().introspect(session->token));
  ASSERT_TRUE(expired);
  EXPECT_FALSE(expired->has_value()) << "expired at its expiry";
}

TEST_F(AccountServiceTest, ADisabledAccountIsRefusedOnlyAfterThePasswordMatched) {
  Result<User> ada = register_account("ada@example.com", "correct horse");
  ASSERT_TRUE(ada);
  set_disabled(ada->id, true);
  EXPECT_TRUE(fails_with(login("ada@example.com", "wrong horse"), Code::invalid_credentials));
  EXPECT_TRUE(fails_with(login("ada@example.com", "correct horse"), Code::account_disabled));
  set_disabled(ada->id, false);
  EXPECT_TRUE(login("ada@example.com", "correct horse"));
}

TEST_F(AccountServiceTest, ALoginThatRacesADisableIsToldTheAccountIsDisabled) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  mail::FlakyStore racing(store());
  racing.disable_before_session = true;
  auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
  AccountService service(racing, hasher_, ServiceOptions{}, [this] { return now_; }, std::move(audit));
  Credentials c{.email = "ada@example.com", .password = "correct horse"};
  EXPECT_TRUE(fails_with(run(service.login(std::move(c))), Code::account_disabled))
      << "the password matched; the session was refused for the disable";
  racing.disable_before_session = false;
  EXPECT_TRUE(fails_with(login("ada@example.com", "correct horse"), Code::account_disabled));
}

TEST_F(AccountServiceTest, ASessionOfADisabledAccountAuthenticatesNobody) {
  Result<User> ada = register_account("ada@example.com", "correct horse");
  ASSERT_TRUE(ada);
  const std::string token = login("ada@example.com", "correct horse").value().token;
  // The flag alone, as if a login had raced the disabling change: the session is still stored.
  set_disabled(ada->id, true);
  EXPECT_TRUE(fails_with(authenticate(token), Code::invalid_token));
  auto introspected = run(service().introspect(token));
  ASSERT_TRUE(introspected);
  EXPECT_FALSE(introspected->has_value());
}

TEST_F(AccountServiceTest, SessionsListNewestFirstAndRevokeOnlyTheCallersOwn) {
  ASSERT_TRUE(register_account("ada@example.com", "correct horse"));
  ASSERT_TRUE(register_account("bob@example.com", "battery staple"));
  const std::string first = login("ada@example.com", "correct horse").value().token;
  now_ = kT0 + 1s;
  const std::string second = login("ada@example.com", "correct horse").value().token;
  const std::string bobs = login("bob@example.com", "battery staple").value().token;
  Principal ada = authenticate(second).value();
  auto listed = run(service().sessions(ada));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_TRUE((*listed)[0].current);
  EXPECT_EQ((*listed)[0].created_at, kT0 + 1s);
  EXPECT_FALSE((*listed)[1].current);

  const std::string bob_session = stored_session(bobs).id;
  EXPECT_TRUE(fails_with(run(service().revoke_session(ada, bob_session)), Code::not_found));
  EXPECT_TRUE(authenticate(bobs));
  ASSERT_TRUE(run(service().revoke_session(ada, (*listed)[1].id)));
  EXPECT_TRUE(fails_with(authenticate(first), Code::invalid_token));
  EXPECT_TRUE(fails_with(run(service().revoke_session(ada, (*listed)[1].id)), Code::not_found));
}

}  // namespace
}  // namespace vestibule::accounts
