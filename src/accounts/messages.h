// The mail the account rules send, as outbox messages: one builder per kind. The store queues
// them with the change that causes them; the mail layer renders each kind from its template
// (src/mail/templates). A message names its kind and carries the values its template needs,
// the token of a link among them, never a password or a hash. Also the flow tokens that links
// carry. Pure functions apart from the random token and message id; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "store/store.h"

namespace vestibule::accounts::messages {

// Kinds; mail/ has a built-in template for each. `expires_in` is the link's lifetime in seconds
// (a decimal string); mail/ says it in words.
inline constexpr std::string_view kVerifyEmail = "verify_email";                 // link: verify-email
inline constexpr std::string_view kResetPassword = "reset_password";             // link: reset-password
inline constexpr std::string_view kPasswordChanged = "password_changed";         // notice
inline constexpr std::string_view kEmailChangeNotice = "email_change_notice";    // to the old address
inline constexpr std::string_view kRegistrationAttempt = "registration_attempt"; // to a taken address

// A flow token as issued: the token goes into the message, the record into the store.
struct IssuedFlowToken {
  std::string token;
  store::FlowToken record;
};
IssuedFlowToken issue_flow_token(store::TokenPurpose purpose, std::string account_id, std::string email,
                                 store::TimePoint now, std::chrono::seconds ttl);

store::OutboxMessage verify_email(std::string_view to, std::string_view name, std::string_view token,
                                  std::chrono::seconds ttl, store::TimePoint now);
store::OutboxMessage reset_password(std::string_view to, std::string_view name, std::string_view token,
                                    std::chrono::seconds ttl, store::TimePoint now);
store::OutboxMessage password_changed(std::string_view to, std::string_view name, store::TimePoint now);
store::OutboxMessage email_change_notice(std::string_view to, std::string_view name, std::string_view new_email,
                                         store::TimePoint now);
store::OutboxMessage registration_attempt(std::string_view to, std::string_view name, store::TimePoint now);

}  // namespace vestibule::accounts::messages
