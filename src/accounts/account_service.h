// The rules of the account API: registration, login, bearer authentication, profile changes,
// deletion and logout, over a Store and a PasswordHasher; every password check goes through its
// Throttle. Failures are values (Failure, failure.h), mapped to HTTP in one place in api/.
// Thread-safe: holds no mutable state of its own.
//
// Every operation that reaches the store may also fail with Code::store_unavailable (nothing
// was changed, unless said otherwise below); every one that hashes or verifies a password may
// fail with Code::overloaded when the hashing pool is full or shutting down (503, retry).
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accounts/failure.h"
#include "accounts/mail_flows.h"
#include "accounts/second_factor.h"
#include "accounts/throttle.h"
#include "accounts/types.h"
#include "metrics/account_metrics.h"
#include "security/email.h"
#include "security/password_hasher.h"
#include "security/password_policy.h"
#include "store/store.h"

namespace vestibule::accounts {

class AccountService {
 public:
  using ClockFn = std::function<TimePoint()>;

  AccountService(store::Store& store, security::PasswordHasher& hasher, ServiceOptions options, ClockFn clock,
                 std::shared_ptr<spdlog::logger> audit, MailQueued mail_queued = {},
                 metrics::AccountMetrics* metrics = nullptr);
  // Not copyable or movable: its MailFlows holds references to its members.
  AccountService(const AccountService&) = delete;
  AccountService& operator=(const AccountService&) = delete;

  // `request` is the request served (RequestContext): its client address counts against the
  // per-client limits, its id goes into every audit line. Operations on a Principal use the
  // request it was authenticated for (Principal::request()). Every refusal by a limit writes
  // an audit line with reason=throttled and the limit's name.

  // Creates an account and queues its verification email. validation_failed (every broken rule
  // of name, email and password at once, see Failure::fields); too_many_attempts past the
  // client's registration limit (checked first, every attempt counts). With verification
  // optional: the user, or email_taken if another account has the address (ignoring case).
  // With verification required: std::nullopt ("accepted") for a new and a taken address alike,
  // after the same work (a hash each); a taken address's owner is mailed a notice instead.
  Task<Result<std::optional<User>>> register_account(Registration r, RequestContext request = {});

  // Checks the password and opens a session. validation_failed if email or password is
  // missing; invalid_credentials for an unknown address, a wrong password, or an address or
  // password that cannot be valid (one answer, no enumeration); too_many_attempts past the
  // account's or the client's limit of failed checks, even with the right password;
  // email_not_verified, only after the password matched, when verification is required and the
  // address is not verified yet (a fresh link is mailed then, within the mail limits);
  // account_disabled, only after the password matched, for an account an operator disabled.
  // The session keeps the request's user agent (cut to kMaxUserAgentBytes) and client address
  // for its owner's list.
  Task<Result<Login>> login(Credentials c, RequestContext request = {});

  // The second step of a sign-in with a second factor: `code` (a TOTP code or a recovery code)
  // for the account whose login answered `mfa_token`; opens the session as login does.
  // validation_failed if either is missing; invalid_mfa_token if the token is malformed,
  // unknown, used, expired or has taken kCodesPerMfaToken codes (it is dead then);
  // too_many_attempts past the account's or the client's failed-check limits (a wrong code counts
  // as a wrong password); invalid_code for a wrong code, a TOTP code already accepted in its
  // window (no replay) or a recovery code already used; totp_unavailable without the secrets
  // key; account_disabled if an operator disabled the account since the password step;
  // invalid_credentials if its password changed since (the token no longer proves anything).
  Task<Result<Login>> complete_mfa(std::optional<std::string> mfa_token, std::optional<std::string> code,
                                   RequestContext request = {});

  // The holder of a bearer token. invalid_token if it is malformed, unknown, expired or revoked,
  // or its account is gone or disabled. Never overloaded (no hashing). Records the use
  // (last_used_at) at most once per kTouchInterval, best effort. The Principal keeps `request`.
  Task<Result<Principal>> authenticate(std::string_view bearer_token, RequestContext request = {});

  // RFC 7662: what a resource server may know of `token`, or std::nullopt for anything that is
  // not a live token of an enabled account (malformed, unknown, expired, revoked, account gone),
  // without saying which. Costs what authenticate() does. Only store_unavailable.
  Task<Result<std::optional<Introspection>>> introspect(std::string_view token);

  // The caller's live sessions, newest first; `current` marks p's own. Only store_unavailable.
  Task<Result<std::vector<SessionView>>> sessions(const Principal& p);
  // Revokes one of the caller's sessions by its public id (its own included). not_found unless
  // it is one of the caller's live sessions.
  Task<Result<void>> revoke_session(const Principal& p, std::string session_id);

  // Applies the changes present. validation_failed for broken rules (all at once), or a new
  // email or password without current_password; then, only for such sensitive changes, the
  // throttled re-authentication: too_many_attempts (the same limits as login: a failed
  // re-authentication counts as a failed login), invalid_password if current_password is wrong.
  // A new address (not merely another spelling of the same one) is mailed a verification link
  // and the old one a notice, in the same transaction as the change; with verification
  // required the change waits as pending_email until that link is followed.
  // too_many_attempts past the mail limits for a new address;
  // email_taken (optional mode) if the new address belongs to another account; conflict if the account's
  // password changed (or the account was deleted) since `p` was authenticated, so that of two
  // concurrent password changes exactly one applies; invalid_token if the account is gone.
  // Nothing is changed unless all is. With no change present, returns the user as is.
  Task<Result<User>> update_profile(const Principal& p, ProfileChanges changes);

  // Deletes the account and all its sessions after checking `password` (throttled as in
  // update_profile). validation_failed if it is missing; too_many_attempts; invalid_password;
  // invalid_token if the account is already gone.
  Task<Result<void>> delete_account(const Principal& p, std::optional<std::string> password);

  // Revokes the caller's session / every session of the caller's account. Only
  // store_unavailable; revoking an already revoked session succeeds.
  Task<Result<void>> logout(const Principal& p);
  Task<Result<void>> logout_everywhere(const Principal& p);

  // Whether the store answers (readiness probe). Never fails.
  Task<bool> store_ready();

  // The mailed flows: password reset, email verification (accounts/mail_flows.h).
  MailFlows& mail_flows() { return flows_; }
  // Enrolment in the second factor (accounts/second_factor.h).
  SecondFactor& second_factor() { return second_factor_; }
  // Work answered requests still have running (MailFlows::background_jobs()): serve lets it
  // finish before it exits.
  std::size_t background_jobs() const { return flows_.background_jobs(); }

 private:
  // register_account and login without their outcome counted (the public ones count it once,
  // whichever way they end: vestibule_registrations_total, vestibule_logins_total).
  Task<Result<std::optional<User>>> register_unrecorded(Registration r, RequestContext request);
  Task<Result<Login>> login_unrecorded(Credentials c, RequestContext request);
  Task<Result<Login>> complete_mfa_unrecorded(std::optional<std::string> mfa_token, std::optional<std::string> code,
                                              RequestContext request);
  // A login's answer for an account with a second factor: an mfa_token (a flow token of purpose
  // mfa_login, only its digest stored) and no session.
  Task<Result<Login>> challenge(const store::Account& account, const RequestContext& request);
  // Opens a session for `account`, whose password (and second factor, `factor` names it: ""
  // for none) was just checked: only while that password is still the account's.
  Task<Result<Login>> open_session(const store::Account& account, const RequestContext& request,
                                   std::string_view factor);

  // Adds to `changes` a move of p's address to `to`: the verification link for it and a
  // notice to the old one; under `required` the move waits as pending_email. too_many_attempts
  // past the per-account mail limits (address changes count as one kind of mail).
  Task<Result<void>> change_address(const Principal& p, security::Email to, const std::string& name,
                                    store::AccountChanges& changes);
  void queued() const;

  // The throttled check of `password` against the account's stored hash, which it returns
  // (accounts::reauthenticate); `purpose` names the operation it guards in the audit line.
  Task<Result<std::string>> reauthenticate(const Principal& p, const std::string& password, std::string_view purpose);
  // The audit line of a request a limit refused (nothing for other failures).
  void refused(std::string_view event, const RequestContext& request, const Failure& f,
               std::string_view account_id = "-") const;

  store::Store& store_;
  security::PasswordHasher& hasher_;
  ServiceOptions options_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
  MailQueued mail_queued_;
  Throttle throttle_;
  metrics::AccountMetrics* const metrics_;  // may be null
  MailFlows flows_;  // after what it uses
  SecondFactor second_factor_;
};

}  // namespace vestibule::accounts
