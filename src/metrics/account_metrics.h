// What the account rules decided:
//   vestibule_logins_total{outcome}                 counter
//   vestibule_registrations_total{outcome}          counter
//   vestibule_throttle_rejections_total{limit}      counter
// One series per enumerator, made up front. Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace vestibule::metrics {

enum class LoginOutcome {
  success,
  invalid_credentials,  // unknown address or wrong password (one answer)
  throttled,            // 429: a failed-login limit
  disabled,             // the right password, an account an operator disabled
  unverified,           // the right password, email verification required and not done
  invalid_request,      // 422: email or password missing
  unavailable,          // 503: store down or hashing pool full
  mfa_required,         // the right password, a second factor to come (POST /v1/sessions/mfa)
  invalid_code,         // the second step: a wrong, replayed or used code
};
inline constexpr std::size_t kLoginOutcomes = 9;

enum class RegistrationOutcome {
  created,      // 201
  accepted,     // 202 (verification required: new and taken addresses alike)
  email_taken,  // 409
  invalid,      // 422
  throttled,    // 429
  unavailable,  // 503
};
inline constexpr std::size_t kRegistrationOutcomes = 6;

// Which limit refused an attempt: accounts::Throttling's fields, named as the audit lines and
// Failure::limit name them.
enum class Limit {
  failed_logins_per_account,
  failed_logins_per_client,
  registrations_per_client,
  mail_requests_per_client,
  mail_per_account_short,
  mail_per_account_long,
};
inline constexpr std::size_t kLimits = 6;

std::string_view to_string(LoginOutcome);
std::string_view to_string(RegistrationOutcome);
std::string_view to_string(Limit);

class AccountMetrics {
 public:
  explicit AccountMetrics(prometheus::Registry& registry);

  void login(LoginOutcome o) { logins_[static_cast<std::size_t>(o)]->Increment(); }
  void registration(RegistrationOutcome o) { registrations_[static_cast<std::size_t>(o)]->Increment(); }
  void throttled(Limit l) { throttled_[static_cast<std::size_t>(l)]->Increment(); }
  // By the limit's name (Failure::limit); a name that is none of Limit's is not counted, so the
  // label set stays fixed.
  void throttled(std::string_view limit);

 private:
  std::array<prometheus::Counter*, kLoginOutcomes> logins_{};
  std::array<prometheus::Counter*, kRegistrationOutcomes> registrations_{};
  std::array<prometheus::Counter*, kLimits> throttled_{};
};

}  // namespace vestibule::metrics
