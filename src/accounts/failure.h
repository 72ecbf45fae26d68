// How an account operation fails: a Code (mapped to HTTP in one place, api/problem.cc) with, for
// validation, the broken rules per field and, for throttling, when to retry. Plain values.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::accounts {

enum class Code {
  validation_failed,    // one or more fields broke a rule; see Failure::fields
  email_taken,          // another account has this address
  invalid_credentials,  // login: unknown email or wrong password (deliberately not told apart)
  invalid_password,     // current_password / password confirmation was wrong
  invalid_token,        // missing, malformed, unknown, expired or revoked bearer token
  invalid_link_token,   // a mailed token (reset, verification): unknown, used, expired or malformed
  email_not_verified,   // login under --email-verification required before the address is proven
  already_verified,     // a fresh verification link was asked for a verified address
  too_many_attempts,    // throttled (password checks, registrations); see Failure::retry_after
  conflict,             // the account changed between reading and writing it; retry
  not_found,            // no such session of the caller's (or, admin API, no such account)
  account_disabled,     // login with the right password to an account an operator disabled
  id_taken,             // admin API: an account with the given id exists
  backup_unsupported,   // admin API: the store keeps its own persistence (Redis: AOF, RDB)
  backup_in_progress,   // admin API: another backup is being written; retry when it is done
  invalid_code,         // sign-in's second step: a wrong, replayed or used code (401)
  invalid_mfa_token,    // sign-in's second step: the mfa_token is malformed, unknown, used, expired or dead (400)
  invalid_confirmation_code,  // TOTP confirmation: a wrong code (400 invalid_code)
  totp_enabled,         // enrolment while a second factor is on
  totp_not_enabled,     // new recovery codes without a second factor
  totp_not_pending,     // a confirmation with no enrolment waiting
  totp_unavailable,     // no secrets key (--secrets-key-file): no TOTP on this server (503)
  overloaded,           // the hashing pool is full (or shutting down); retry shortly
  store_unavailable,    // the store could not be reached; nothing was changed
};

struct FieldError {
  std::string field;
  std::string code;
  std::string message;
};

struct Failure {
  Code code;
  std::vector<FieldError> fields;  // only for validation_failed
  std::chrono::seconds retry_after{0};  // only for too_many_attempts
  // Only for too_many_attempts: the limit that refused, as Throttling names its fields
  // ("failed_logins_per_account"...), for the audit line. Static text.
  std::string_view limit{};
};
[[noreturn]] void throw_exception_from_error(const Failure& f, const boost::source_location& loc);

template <typename T>
using Result = boost::system::result<T, Failure>;

inline Failure fail(Code code) { return Failure{code, {}}; }
template <typename T>
using Task = boost::asio::awaitable<T>;

}  // namespace vestibule::accounts
