#include "accounts/second_factor.h"

#include <sodium.h>

#include "accounts/checks.h"
#include "accounts/reauthenticate.h"
#include "security/recovery_codes.h"
#include "security/totp.h"

namespace vestibule::accounts {
namespace {

Failure from_store(store::Error e) {
  // The caller's account vanished under a live request: its token is no longer any good.
  return fail(e == store::Error::unavailable ? Code::store_unavailable : Code::invalid_token);
}

std::int64_t current_step(TimePoint now) { return security::totp_step(now); }

}  // namespace

SecondFactor::SecondFactor(store::Store& store, const ServiceOptions& options, ClockFn clock,
                           std::shared_ptr<spdlog::logger> audit, Throttle& throttle)
    : store_(store), options_(options), clock_(std::move(clock)), audit_(std::move(audit)), throttle_(throttle) {}

Task<Result<store::Account>> SecondFactor::current(const Principal& p) {
  auto found = co_await store_.find_account(p.account_id());
  if (!found) co_return from_store(found.error());
  co_return std::move(*found);
}

std::pair<std::vector<std::string>, std::vector<std::string>> SecondFactor::new_codes() const {
  std::vector<std::string> codes = security::new_recovery_codes();
  std::vector<std::string> digests;
  digests.reserve(codes.size());
  for (const std::string& code : codes) digests.push_back(options_.secrets->digest(*security::normalise_recovery_code(code)));
  return {std::move(codes), std::move(digests)};
}

Task<Result<TotpEnrolment>> SecondFactor::enrol(const Principal& p, std::optional<std::string> current_password) {
  Checks checks;
  checks.required("current_password", current_password);
  if (!checks.ok()) co_return std::move(checks).failure();
  if (!options_.secrets) co_return fail(Code::totp_unavailable);
  if (p.user().totp_enabled) co_return fail(Code::totp_enabled);
  auto proven = co_await reauthenticate(store_, throttle_, *audit_, p, clock_(), *current_password, "totp.enrol");
  if (!proven) co_return proven.error();

  security::Bytes secret = security::new_totp_secret();
  store::AccountChanges changes;
  changes.updated_at = clock_();
  changes.totp_pending = options_.secrets->seal(secret, p.account_id());
  // Only while the password is the one just proven (and so the account the one authenticated).
  changes.expected_password_hash = std::move(*proven);
  TotpEnrolment enrolment{security::base32_encode(secret), {}};
  enrolment.otpauth_uri = security::otpauth_uri(options_.totp_issuer, p.user().email, enrolment.secret);
  sodium_memzero(secret.data(), secret.size());
  auto stored = co_await store_.update_account(p.account_id(), std::move(changes));
  if (!stored) co_return stored.error() == store::Error::not_found ? fail(Code::conflict) : from_store(stored.error());
  if (stored->totp_enabled()) {
    // Confirmed by a racing request in between: this pending secret will never be confirmed.
    co_return fail(Code::totp_enabled);
  }
  audit_->info("event=totp.enrolment_started account_id={} request_id={}", p.account_id(), p.request().logged_id());
  co_return enrolment;
}

Task<Result<std::vector<std::string>>> SecondFactor::confirm(const Principal& p, std::optional<std::string> code) {
  Checks checks;
  checks.required("code", code);
  if (!checks.ok()) co_return std::move(checks).failure();
  auto account = co_await current(p);
  if (!account) co_return account.error();
  if (account->totp_pending.empty()) co_return fail(account->totp_enabled() ? Code::totp_enabled : Code::totp_not_pending);
  if (!options_.secrets) co_return fail(Code::totp_unavailable);
  std::optional<security::Bytes> secret = options_.secrets->open(account->totp_pending, account->id);
  if (!secret) co_return fail(Code::totp_unavailable);  // sealed under another key

  // A confirmation is a code check like a sign-in's: the same budget, its own token key.
  const std::string confirmations = "confirm:" + account->id;  // named: a coroutine's reference argument
  auto admitted =
      co_await throttle_.admit_code(p.email_key_, p.request().client, confirmations, options_.mfa_token_ttl);
  if (!admitted) {
    if (admitted.error().code == Code::invalid_mfa_token) co_return fail(Code::invalid_confirmation_code);
    co_return admitted.error();
  }
  // After the last step accepted, should an earlier enrolment have used one this recently.
  const std::optional<std::int64_t> step =
      security::match_totp(*secret, *code, current_step(clock_()), account->totp_last_step);
  sodium_memzero(secret->data(), secret->size());
  if (!step) {
    auto counted = co_await throttle_.code_failed(p.request().client);
    if (!counted) co_return counted.error();
    audit_->info("event=totp.confirm_failed account_id={} request_id={} reason=invalid_code", account->id,
                 p.request().logged_id());
    co_return fail(Code::invalid_confirmation_code);
  }
  auto [codes, digests] = new_codes();
  store::AccountChanges changes;
  changes.updated_at = clock_();
  changes.totp_secret = account->totp_pending;
  changes.totp_pending = "";
  changes.recovery_codes = std::move(digests);
  changes.expected_totp_pending = account->totp_pending;
  changes.accept_totp_step = *step;  // the code that confirmed cannot sign in too
  auto stored = co_await store_.update_account(account->id, std::move(changes));
  if (!stored) co_return stored.error() == store::Error::not_found ? fail(Code::conflict) : from_store(stored.error());
  auto forgotten = co_await throttle_.forget_failures(p.email_key_);
  (void)forgotten;  // best effort: the window closes by itself
  audit_->info("event=totp.enabled account_id={} request_id={}", account->id, p.request().logged_id());
  co_return std::move(codes);
}

Task<Result<void>> SecondFactor::disable(const Principal& p, std::optional<std::string> current_password) {
  Checks checks;
  checks.required("current_password", current_password);
  if (!checks.ok()) co_return std::move(checks).failure();
  auto proven = co_await reauthenticate(store_, throttle_, *audit_, p, clock_(), *current_password, "totp.disable");
  if (!proven) co_return proven.error();
  store::AccountChanges changes;
  changes.updated_at = clock_();
  changes.totp_secret = "";
  changes.totp_pending = "";
  changes.recovery_codes = std::vector<std::string>{};
  // A sign-in waiting for a code would wait for nothing: it starts again with the password.
  changes.drop_tokens = {store::TokenPurpose::mfa_login};
  changes.expected_password_hash = std::move(*proven);
  auto stored = co_await store_.update_account(p.account_id(), std::move(changes));
  if (!stored) co_return stored.error() == store::Error::not_found ? fail(Code::conflict) : from_store(stored.error());
  audit_->info("event=totp.disabled account_id={} request_id={}", p.account_id(), p.request().logged_id());
  co_return Result<void>{};
}

Task<Result<std::vector<std::string>>> SecondFactor::regenerate_codes(const Principal& p,
                                                                      std::optional<std::string> current_password) {
  Checks checks;
  checks.required("current_password", current_password);
  if (!checks.ok()) co_return std::move(checks).failure();
  if (!p.user().totp_enabled) co_return fail(Code::totp_not_enabled);
  if (!options_.secrets) co_return fail(Code::totp_unavailable);
  auto proven = co_await reauthenticate(store_, throttle_, *audit_, p, clock_(), *current_password, "recovery_codes.regenerate");
  if (!proven) co_return proven.error();
  auto [codes, digests] = new_codes();
  store::AccountChanges changes;
  changes.updated_at = clock_();
  changes.recovery_codes = std::move(digests);
  changes.expected_password_hash = std::move(*proven);
  auto stored = co_await store_.update_account(p.account_id(), std::move(changes));
  if (!stored) co_return stored.error() == store::Error::not_found ? fail(Code::conflict) : from_store(stored.error());
  if (!stored->totp_enabled()) co_return fail(Code::totp_not_enabled);  // turned off meanwhile
  audit_->info("event=recovery_codes.regenerated account_id={} request_id={}", p.account_id(),
               p.request().logged_id());
  co_return std::move(codes);
}

Result<std::optional<store::AccountChanges>> SecondFactor::check_code(const store::Account& account,
                                                                      std::string_view code) const {
  if (!options_.secrets) return fail(Code::totp_unavailable);
  store::AccountChanges changes;
  changes.updated_at = account.updated_at;  // a sign-in is not a change of the account
  if (std::optional<std::string> recovery = security::normalise_recovery_code(code)) {
    const std::string digest = options_.secrets->digest(*recovery);
    // Compared in constant time with each stored digest, all of them.
    bool found = false;
    for (const std::string& stored : account.recovery_codes) {
      found |= stored.size() == digest.size() && sodium_memcmp(stored.data(), digest.data(), digest.size()) == 0;
    }
    if (!found) return std::optional<store::AccountChanges>();
    changes.use_recovery_code = digest;
    return std::optional<store::AccountChanges>(std::move(changes));
  }
  std::optional<security::Bytes> secret = options_.secrets->open(account.totp_secret, account.id);
  if (!secret) return fail(Code::totp_unavailable);
  const std::optional<std::int64_t> step =
      security::match_totp(*secret, code, current_step(clock_()), account.totp_last_step);
  sodium_memzero(secret->data(), secret->size());
  if (!step) return std::optional<store::AccountChanges>();
  changes.accept_totp_step = *step;
  return std::optional<store::AccountChanges>(std::move(changes));
}

}  // namespace vestibule::accounts
