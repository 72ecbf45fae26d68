#include "store/redis/codec.h"

#include <charconv>

#include "store/params.h"

namespace vestibule::store::redis {
namespace {

// The prefix of the account hash's recovery code fields (scripts.h: RECOVERY_CODE).
constexpr std::string_view kRecoveryCodeField = "recovery_code:";

void append_optional(std::vector<std::string>& args, const std::optional<std::string>& value) {
  args.emplace_back(flag(value.has_value()));
  args.push_back(value.value_or(""));
}

std::optional<TokenPurpose> purpose_of(std::string_view name) {
  for (TokenPurpose p : {TokenPurpose::password_reset, TokenPurpose::email_verification, TokenPurpose::mfa_login}) {
    if (name == to_string(p)) return p;
  }
  return std::nullopt;
}

}  // namespace

std::string millis(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

std::int64_t parse_int(const std::string& s) {
  std::int64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

TimePoint parse_millis(const std::string& s) { return TimePoint(std::chrono::milliseconds(parse_int(s))); }

const char* flag(bool set) { return set ? "1" : "0"; }

std::string field(const Reply& hash, std::string_view name) {
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    if (hash.elements[i].str == name) return hash.elements[i + 1].str;
  }
  return "";
}

Result<Account> to_account(const Reply& r) {
  if (r.type != Reply::Type::array || r.elements.empty()) return Error::not_found;
  Account a;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& name = r.elements[i].str;
    const std::string& value = r.elements[i + 1].str;
    if (name == "id") a.id = value;
    else if (name == "name") a.name = value;
    else if (name == "email") a.email = value;
    else if (name == "email_key") a.email_key = value;
    else if (name == "password_hash") a.password_hash = value;
    else if (name == "created_at") a.created_at = parse_millis(value);
    else if (name == "updated_at") a.updated_at = parse_millis(value);
    // Absent in accounts written before data version 3: not verified, no change pending.
    else if (name == "email_verified") a.email_verified = value == "1";
    else if (name == "pending_email") a.pending_email = value;
    else if (name == "pending_email_key") a.pending_email_key = value;
    // Absent in accounts written before data version 4: not disabled.
    else if (name == "disabled") a.disabled = value == "1";
    // Absent in accounts written before data version 5 (and whenever not set): TOTP off, no
    // secret pending, no step accepted, no recovery codes.
    else if (name == "totp_secret") a.totp_secret = value;
    else if (name == "totp_pending") a.totp_pending = value;
    else if (name == "totp_last_step") a.totp_last_step = parse_int(value);
    else if (name.starts_with(kRecoveryCodeField)) a.recovery_codes.push_back(name.substr(kRecoveryCodeField.size()));
  }
  return a;
}

std::optional<Session> to_session(std::string digest, const Reply& r) {
  if (r.type != Reply::Type::array || r.elements.empty()) return std::nullopt;
  Session s;
  s.token_digest = std::move(digest);
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& name = r.elements[i].str;
    const std::string& value = r.elements[i + 1].str;
    if (name == "account_id") s.account_id = value;
    else if (name == "id") s.id = value;
    else if (name == "created_at") s.created_at = parse_millis(value);
    else if (name == "expires_at") s.expires_at = parse_millis(value);
    else if (name == "last_used_at") s.last_used_at = parse_millis(value);
    else if (name == "user_agent") s.user_agent = value;
    else if (name == "client_address") s.client_address = value;
  }
  if (s.account_id.empty()) return std::nullopt;
  return s;
}

std::optional<FlowToken> to_token(std::string digest, const Reply& r) {
  FlowToken t;
  t.token_digest = std::move(digest);
  std::optional<TokenPurpose> purpose;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& name = r.elements[i].str;
    const std::string& value = r.elements[i + 1].str;
    if (name == "purpose") purpose = purpose_of(value);
    else if (name == "account_id") t.account_id = value;
    else if (name == "email") t.email = value;
    else if (name == "created_at") t.created_at = parse_millis(value);
    else if (name == "expires_at") t.expires_at = parse_millis(value);
  }
  if (!purpose) return std::nullopt;
  t.purpose = *purpose;
  return t;
}

std::optional<OutboxMessage> to_message(const Reply& r) {
  OutboxMessage m;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& name = r.elements[i].str;
    const std::string& value = r.elements[i + 1].str;
    if (name == "id") m.id = value;
    else if (name == "kind") m.kind = value;
    else if (name == "recipient") m.recipient = value;
    else if (name == "created_at") m.created_at = parse_millis(value);
    else if (name == "attempts") m.attempts = static_cast<std::uint32_t>(parse_int(value));
    else if (name == "params") {
      std::optional<Params> params = decode_params(value);
      if (!params) return std::nullopt;
      m.params = std::move(*params);
    }
  }
  return m;
}

void append_effects(std::vector<std::string>& args, const Effects& e) {
  args.emplace_back(flag(e.token.has_value()));
  args.push_back(e.token ? e.token->token_digest : "");
  args.push_back(e.token ? to_string(e.token->purpose) : "");
  args.push_back(e.token ? e.token->email : "");
  args.push_back(e.token ? millis(e.token->created_at) : "0");
  args.push_back(e.token ? millis(e.token->expires_at) : "0");
  args.push_back(std::to_string(e.mail.size()));
  for (const OutboxMessage& m : e.mail) {
    args.push_back(m.id);
    args.push_back(m.kind);
    args.push_back(m.recipient);
    args.push_back(encode_params(m.params));
    args.push_back(millis(m.created_at));
  }
}

void append_digests(std::vector<std::string>& args, const std::vector<std::string>& digests) {
  args.push_back(std::to_string(digests.size()));
  args.insert(args.end(), digests.begin(), digests.end());
}

void append_changes(std::vector<std::string>& args, const AccountChanges& ch) {
  args.push_back(millis(ch.updated_at));
  append_optional(args, ch.name);
  append_optional(args, ch.email);
  append_optional(args, ch.email_key);
  append_optional(args, ch.password_hash);
  append_optional(args, ch.keep_only_session);
  append_optional(args, ch.expected_password_hash);
  std::optional<std::string> verified;
  if (ch.email_verified) verified = flag(*ch.email_verified);
  append_optional(args, verified);
  std::optional<std::string> disabled;
  if (ch.disabled) disabled = flag(*ch.disabled);
  append_optional(args, disabled);
  args.emplace_back(flag(ch.pending_email.has_value() || ch.pending_email_key.has_value()));
  args.push_back(ch.pending_email.value_or(""));
  args.push_back(ch.pending_email_key.value_or(""));
  args.emplace_back(flag(ch.revoke_all_sessions));
  args.push_back(std::to_string(ch.drop_tokens.size()));
  for (TokenPurpose p : ch.drop_tokens) args.emplace_back(to_string(p));
  append_optional(args, ch.totp_secret);
  append_optional(args, ch.totp_pending);
  append_optional(args, ch.expected_totp_pending);
  std::optional<std::string> step;
  if (ch.accept_totp_step) step = std::to_string(*ch.accept_totp_step);
  append_optional(args, step);
  append_optional(args, ch.use_recovery_code);
  args.emplace_back(flag(ch.recovery_codes.has_value()));
  append_digests(args, ch.recovery_codes.value_or(std::vector<std::string>{}));
  append_effects(args, ch.effects);
}

Result<void> to_void(const Result<Reply>& r) {
  if (!r) return r.error();
  if (r->is_nil()) return Error::not_found;
  if (r->str == "email_taken") return Error::email_taken;
  if (r->str == "id_taken") return Error::id_taken;
  if (r->str == "collision") return Error::unavailable;
  return {};
}

Result<Account> to_changed_account(const Result<Reply>& r) {
  Result<void> refused = to_void(r);
  if (!refused) return refused.error();
  return to_account(*r);
}

Result<bool> to_bool(const Result<Reply>& r) {
  if (!r) return r.error();
  if (r->type != Reply::Type::integer) return Error::unavailable;
  return r->integer == 1;
}

}  // namespace vestibule::store::redis
