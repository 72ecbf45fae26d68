#include "metrics/account_metrics.h"

namespace vestibule::metrics {

std::string_view to_string(LoginOutcome o) {
  switch (o) {
    case LoginOutcome::success: return "success";
    case LoginOutcome::invalid_credentials: return "invalid_credentials";
    case LoginOutcome::throttled: return "throttled";
    case LoginOutcome::disabled: return "disabled";
    case LoginOutcome::unverified: return "unverified";
    case LoginOutcome::invalid_request: return "invalid_request";
    case LoginOutcome::unavailable: return "unavailable";
    case LoginOutcome::mfa_required: return "mfa_required";
    case LoginOutcome::invalid_code: return "invalid_code";
  }
  return "unknown";
}

std::string_view to_string(RegistrationOutcome o) {
  switch (o) {
    case RegistrationOutcome::created: return "created";
    case RegistrationOutcome::accepted: return "accepted";
    case RegistrationOutcome::email_taken: return "email_taken";
    case RegistrationOutcome::invalid: return "invalid";
    case RegistrationOutcome::throttled: return "throttled";
    case RegistrationOutcome::unavailable: return "unavailable";
  }
  return "unknown";
}

std::string_view to_string(Limit l) {
  switch (l) {
    case Limit::failed_logins_per_account: return "failed_logins_per_account";
    case Limit::failed_logins_per_client: return "failed_logins_per_client";
    case Limit::registrations_per_client: return "registrations_per_client";
    case Limit::mail_requests_per_client: return "mail_requests_per_client";
    case Limit::mail_per_account_short: return "mail_per_account_short";
    case Limit::mail_per_account_long: return "mail_per_account_long";
  }
  return "unknown";
}

void AccountMetrics::throttled(std::string_view limit) {
  for (std::size_t i = 0; i < kLimits; ++i) {
    if (to_string(static_cast<Limit>(i)) == limit) {
      throttled_[i]->Increment();
      return;
    }
  }
}

AccountMetrics::AccountMetrics(prometheus::Registry& registry) {
  auto& logins = prometheus::BuildCounter()
                     .Name("vestibule_logins_total")
                     .Help("Login attempts (POST /v1/sessions), by outcome")
                     .Register(registry);
  for (std::size_t i = 0; i < kLoginOutcomes; ++i) {
    logins_[i] = &logins.Add({{"outcome", std::string(to_string(static_cast<LoginOutcome>(i)))}});
  }
  auto& registrations = prometheus::BuildCounter()
                            .Name("vestibule_registrations_total")
                            .Help("Registration attempts (POST /v1/users), by outcome")
                            .Register(registry);
  for (std::size_t i = 0; i < kRegistrationOutcomes; ++i) {
    registrations_[i] =
        &registrations.Add({{"outcome", std::string(to_string(static_cast<RegistrationOutcome>(i)))}});
  }
  auto& throttled = prometheus::BuildCounter()
                        .Name("vestibule_throttle_rejections_total")
                        .Help("Attempts refused by a throttling limit (429, or a mail not sent), by limit")
                        .Register(registry);
  for (std::size_t i = 0; i < kLimits; ++i) {
    throttled_[i] = &throttled.Add({{"limit", std::string(to_string(static_cast<Limit>(i)))}});
  }
}

}  // namespace vestibule::metrics
