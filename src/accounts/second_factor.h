// The second factor: TOTP (RFC 6238) from an authenticator app, with single-use recovery codes.
// Enrolment cannot lock anyone out: a secret is pending until a code made from it is confirmed,
// and confirming hands out the recovery codes. Secrets are sealed at rest
// (ServiceOptions::secrets, security::SecretBox, the account id as associated data); recovery
// codes are stored as keyed digests only. Every code check goes through the Throttle with the
// account's login budget. The sign-in's second step itself is AccountService::complete_mfa,
// which asks check_code() what to change. Failures are values; thread-safe (no mutable state).
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accounts/failure.h"
#include "accounts/throttle.h"
#include "accounts/types.h"
#include "store/store.h"

namespace vestibule::accounts {

class SecondFactor {
 public:
  using ClockFn = std::function<TimePoint()>;

  // Everything must outlive this (AccountService owns it and the throttle).
  SecondFactor(store::Store& store, const ServiceOptions& options, ClockFn clock, std::shared_ptr<spdlog::logger> audit,
               Throttle& throttle);

  // A new secret for the caller, pending until confirm(); replaces a pending one. Needs the
  // current password (reauthenticate: validation_failed if missing, invalid_password,
  // too_many_attempts). totp_enabled if the second factor is on already; totp_unavailable
  // without secrets; conflict if the password changed meanwhile.
  Task<Result<TotpEnrolment>> enrol(const Principal& p, std::optional<std::string> current_password);

  // Turns the second factor on with a code from the pending secret, and returns the recovery
  // codes (shown this once). validation_failed if `code` is missing; totp_not_pending if
  // nothing is pending (totp_enabled if it is on already); invalid_confirmation_code for a wrong
  // code (counted like a wrong password); conflict if the enrolment changed meanwhile.
  Task<Result<std::vector<std::string>>> confirm(const Principal& p, std::optional<std::string> code);

  // Turns the second factor off (secret, pending secret and recovery codes gone) after the
  // current password. Succeeds when it is off already.
  Task<Result<void>> disable(const Principal& p, std::optional<std::string> current_password);

  // A fresh set of recovery codes after the current password; the old set stops working.
  // totp_not_enabled if the second factor is off.
  Task<Result<std::vector<std::string>>> regenerate_codes(const Principal& p,
                                                          std::optional<std::string> current_password);

  // What accepting `code` for `account` changes: the TOTP step it used (accept_totp_step) or
  // the recovery code it spends (use_recovery_code); std::nullopt for a wrong code.
  // totp_unavailable when the account's secret cannot be opened (no secrets key, or another).
  // A pure check: the caller applies the change atomically with what it guards.
  Result<std::optional<store::AccountChanges>> check_code(const store::Account& account, std::string_view code) const;

 private:
  // The caller's account as stored now (enrolment state is not in the Principal).
  Task<Result<store::Account>> current(const Principal& p);
  // New recovery codes and their digests.
  std::pair<std::vector<std::string>, std::vector<std::string>> new_codes() const;

  store::Store& store_;
  const ServiceOptions& options_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
  Throttle& throttle_;
};

}  // namespace vestibule::accounts
