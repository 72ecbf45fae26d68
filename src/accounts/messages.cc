#include "accounts/messages.h"

#include "security/tokens.h"

namespace vestibule::accounts::messages {
namespace {

store::OutboxMessage message(std::string_view kind, std::string_view to, store::TimePoint now,
                             std::vector<std::pair<std::string, std::string>> params) {
  store::OutboxMessage m;
  m.id = security::new_uuid();
  m.kind = std::string(kind);
  m.recipient = std::string(to);
  m.params = std::move(params);
  m.created_at = now;
  return m;
}

}  // namespace

IssuedFlowToken issue_flow_token(store::TokenPurpose purpose, std::string account_id, std::string email,
                                 store::TimePoint now, std::chrono::seconds ttl) {
  security::IssuedToken t = security::issue_token();
  store::FlowToken record{std::move(t.digest), purpose, std::move(account_id), std::move(email), now,
                          now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl)};
  return IssuedFlowToken{std::move(t.token), std::move(record)};
}

store::OutboxMessage verify_email(std::string_view to, std::string_view name, std::string_view token,
                                  std::chrono::seconds ttl, store::TimePoint now) {
  return message(kVerifyEmail, to, now,
                 {{"name", std::string(name)}, {"email", std::string(to)}, {"token", std::string(token)},
                  {"expires_in", std::to_string(ttl.count())}});
}

store::OutboxMessage reset_password(std::string_view to, std::string_view name, std::string_view token,
                                    std::chrono::seconds ttl, store::TimePoint now) {
  return message(kResetPassword, to, now,
                 {{"name", std::string(name)}, {"email", std::string(to)}, {"token", std::string(token)},
                  {"expires_in", std::to_string(ttl.count())}});
}

store::OutboxMessage password_changed(std::string_view to, std::string_view name, store::TimePoint now) {
  return message(kPasswordChanged, to, now, {{"name", std::string(name)}, {"email", std::string(to)}});
}

store::OutboxMessage email_change_notice(std::string_view to, std::string_view name, std::string_view new_email,
                                         store::TimePoint now) {
  return message(kEmailChangeNotice, to, now,
                 {{"name", std::string(name)}, {"email", std::string(to)}, {"new_email", std::string(new_email)}});
}

store::OutboxMessage registration_attempt(std::string_view to, std::string_view name, store::TimePoint now) {
  return message(kRegistrationAttempt, to, now, {{"name", std::string(name)}, {"email", std::string(to)}});
}

}  // namespace vestibule::accounts::messages
