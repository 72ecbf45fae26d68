#include "accounts/account_service.h"

#include <boost/throw_exception.hpp>

#include "accounts/checks.h"
#include "accounts/messages.h"
#include "accounts/name.h"
#include "accounts/reauthenticate.h"
#include "security/email.h"
#include "security/tokens.h"
#include "security/unicode.h"
#include "util/logfmt.h"

namespace vestibule::accounts {
namespace {

Failure from_store(store::Error e) {
  // not_found and email_taken are handled where they mean something; reaching here means the
  // account vanished under a live request (deleted concurrently), which is an invalid token.
  switch (e) {
    case store::Error::email_taken: return fail(Code::email_taken);
    case store::Error::id_taken: return fail(Code::id_taken);
    case store::Error::not_found: return fail(Code::invalid_token);
    case store::Error::unavailable: return fail(Code::store_unavailable);
  }
  return fail(Code::store_unavailable);
}

// A User-Agent as a session keeps it: at most kMaxUserAgentBytes, visible ASCII only (a header
// may carry any octet; what we store is shown in JSON and must not carry control characters or
// broken UTF-8), anything else as '?'.
std::string kept_user_agent(std::string_view sent) {
  std::string out(sent.substr(0, kMaxUserAgentBytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

Failure from_hash(security::HashError e) {
  // A failed hash is out of memory for argon2's buffer: as transient as a full queue.
  (void)e;
  return fail(Code::overloaded);
}

metrics::LoginOutcome login_outcome(const Result<Login>& r) {
  using O = metrics::LoginOutcome;
  if (r) return r->mfa ? O::mfa_required : O::success;
  switch (r.error().code) {
    case Code::invalid_credentials: return O::invalid_credentials;
    case Code::invalid_code:
    case Code::invalid_mfa_token: return O::invalid_code;
    case Code::totp_unavailable: return O::unavailable;
    case Code::too_many_attempts: return O::throttled;
    case Code::account_disabled: return O::disabled;
    case Code::email_not_verified: return O::unverified;
    case Code::overloaded:
    case Code::store_unavailable: return O::unavailable;
    default: return O::invalid_request;
  }
}

metrics::RegistrationOutcome registration_outcome(const Result<std::optional<User>>& r) {
  using O = metrics::RegistrationOutcome;
  if (r) return r->has_value() ? O::created : O::accepted;
  switch (r.error().code) {
    case Code::email_taken: return O::email_taken;
    case Code::too_many_attempts: return O::throttled;
    case Code::overloaded:
    case Code::store_unavailable: return O::unavailable;
    default: return O::invalid;
  }
}

}  // namespace

void throw_exception_from_error(const Failure& f, const boost::source_location& loc) {
  boost::throw_exception(std::logic_error("account result holds error " + std::to_string(static_cast<int>(f.code))),
                         loc);
}

AccountService::AccountService(store::Store& store, security::PasswordHasher& hasher, ServiceOptions options,
                               ClockFn clock, std::shared_ptr<spdlog::logger> audit, MailQueued mail_queued,
                               metrics::AccountMetrics* metrics)
    : store_(store),
      hasher_(hasher),
      options_(options),
      clock_(std::move(clock)),
      audit_(std::move(audit)),
      mail_queued_(std::move(mail_queued)),
      throttle_(store, hasher, options.throttling, clock_, metrics),
      metrics_(metrics),
      flows_(store, hasher, options_, clock_, audit_, mail_queued_, throttle_),
      second_factor_(store, options_, clock_, audit_, throttle_) {}

void AccountService::queued() const {
  if (mail_queued_) mail_queued_();
}

void AccountService::refused(std::string_view event, const RequestContext& request, const Failure& f,
                             std::string_view account_id) const {
  if (f.code != Code::too_many_attempts) return;  // store or pool trouble: not an account event
  audit_->info("event={} account_id={} request_id={} reason=throttled limit={} client={}", event, account_id,
               request.logged_id(), f.limit, util::logfmt_value(request.client));
}

Task<Result<std::optional<User>>> AccountService::register_account(Registration r, RequestContext request) {
  auto result = co_await register_unrecorded(std::move(r), std::move(request));
  if (metrics_) metrics_->registration(registration_outcome(result));
  co_return result;
}

Task<Result<std::optional<User>>> AccountService::register_unrecorded(Registration r, RequestContext request) {
  auto admitted = co_await throttle_.admit_registration(request.client);
  if (!admitted) {
    refused("registration.failed", request, admitted.error());
    co_return admitted.error();
  }
  Checks checks;
  checks.required("name", r.name);
  checks.required("email", r.email);
  checks.required("password", r.password);
  std::optional<std::string> name = r.name ? checks.take("name", check_name(*r.name)) : std::nullopt;
  std::optional<security::Email> email = r.email ? checks.take("email", security::validate_email(*r.email)) : std::nullopt;
  // Views into values that outlive the check (never into a temporary such as value_or's).
  const std::string_view email_text = email ? std::string_view(email->address) : r.email ? std::string_view(*r.email) : "";
  const std::string_view name_text = name ? std::string_view(*name) : r.name ? std::string_view(*r.name) : "";
  const security::PasswordContext context{email_text, name_text};
  std::optional<std::string> password =
      r.password ? checks.take("password", options_.password_policy.check(*r.password, context)) : std::nullopt;
  if (!checks.ok()) co_return std::move(checks).failure();
  const bool required = options_.email_verification == EmailVerification::required;

  // Answer a duplicate before spending a hash on it; the UNIQUE index still decides races.
  // Under `required` the answer must not tell, so a taken address costs what a new one does.
  auto existing = co_await store_.find_account_by_email(email->key);
  if (existing && !required) co_return fail(Code::email_taken);
  if (!existing && existing.error() != store::Error::not_found) co_return from_store(existing.error());

  auto hash = co_await hasher_.hash(std::move(*password));
  if (!hash) co_return from_hash(hash.error());
  if (existing) {
    // The same work as a new address: the hash, then one small write (the notice's limit counter;
    // the notice follows the answer) where a new account's row is written.
    co_await flows_.registration_attempted(std::move(*existing), std::move(request));
    co_return std::optional<User>();
  }

  const TimePoint now = clock_();
  store::Account account{security::new_uuid(), std::move(*name), std::move(email->address), std::move(email->key),
                         std::move(*hash), now, now};
  const std::chrono::seconds ttl = options_.verification_token_ttl;
  messages::IssuedFlowToken issued =
      messages::issue_flow_token(store::TokenPurpose::email_verification, account.id, account.email, now, ttl);
  store::Effects effects;
  effects.mail.push_back(messages::verify_email(account.email, account.name, issued.token, ttl, now));
  effects.token = std::move(issued.record);
  auto created = co_await store_.create_account(account, std::move(effects));
  if (!created) {
    // Lost a race for the address: under `required` that is the taken case, answered alike.
    if (required && created.error() == store::Error::email_taken) co_return std::optional<User>();
    co_return from_store(created.error());
  }
  audit_->info("event=account.registered account_id={} request_id={}", account.id, request.logged_id());
  queued();
  if (required) co_return std::optional<User>();
  co_return std::optional<User>(user_of(account));
}

Task<Result<Login>> AccountService::login(Credentials c, RequestContext request) {
  auto result = co_await login_unrecorded(std::move(c), std::move(request));
  if (metrics_) metrics_->login(login_outcome(result));
  co_return result;
}

Task<Result<Login>> AccountService::login_unrecorded(Credentials c, RequestContext request) {
  Checks checks;
  checks.required("email", c.email);
  checks.required("password", c.password);
  if (!checks.ok()) co_return std::move(checks).failure();

  // An address that cannot be valid cannot have an account: refuse without a store lookup.
  auto email = security::validate_email(*c.email);
  std::optional<std::string> password = security::to_nfc(*c.password);
  if (!email || !password) {
    audit_->info("event=login.failed account_id=- request_id={} reason=invalid_credentials", request.logged_id());
    co_return fail(Code::invalid_credentials);
  }

  // The account is read first (a read only, whatever the throttle then decides), so that the
  // throttle gets the hash to verify. Unknown emails are verified against a dummy hash, so that
  // timing doesn't reveal which exist, and are counted like known ones.
  auto found = co_await store_.find_account_by_email(email->key);
  if (!found && found.error() != store::Error::not_found) co_return from_store(found.error());
  const std::string_view account_id = found ? std::string_view(found->id) : "-";
  PasswordCheck check{email->key, request.client, *password, found ? found->password_hash : hasher_.dummy_hash()};
  check.forget_on_match = !(found && found->totp_enabled());
  auto match = co_await throttle_.check_password(std::move(check));
  if (!match) {
    refused("login.failed", request, match.error(), account_id);
    co_return match.error();
  }
  if (!found || !*match) {
    audit_->info("event=login.failed account_id={} request_id={} reason=invalid_credentials", account_id,
                 request.logged_id());
    co_return fail(Code::invalid_credentials);
  }
  store::Account account = std::move(*found);
  if (account.disabled) {
    // Only now, after the password matched, like email_not_verified: a guesser learns nothing.
    audit_->info("event=login.failed account_id={} request_id={} reason=account_disabled", account.id,
                 request.logged_id());
    co_return fail(Code::account_disabled);
  }

  if (options_.email_verification == EmailVerification::required && !account.email_verified) {
    // Only now, after the password matched: a guesser learns nothing about the address. The
    // owner gets a fresh link (they may have lost the first), within the mail limits.
    auto sent = co_await flows_.send_verification(account.id, account.name, account.email, request);
    // Deleted meanwhile: a login's answer for an account that is not there.
    if (!sent && sent.error().code == Code::invalid_token) co_return fail(Code::invalid_credentials);
    if (!sent) co_return sent.error();
    audit_->info("event=login.failed account_id={} request_id={} reason=email_not_verified", account.id,
                 request.logged_id());
    co_return fail(Code::email_not_verified);
  }

  if (hasher_.needs_rehash(account.password_hash)) {
    // Upgrade hashes made with older parameters while the password is at hand. Best effort: a
    // failure here leaves the old, still valid hash and does not fail the login. Only if the
    // hash is still the one verified: never overwrite a password changed meanwhile.
    auto upgraded = co_await hasher_.hash(*password);
    if (upgraded) {
      store::AccountChanges changes;
      changes.password_hash = std::move(*upgraded);
      changes.updated_at = account.updated_at;
      changes.expected_password_hash = account.password_hash;
      auto stored = co_await store_.update_account(account.id, std::move(changes));
      if (stored) {
        account = std::move(*stored);
        audit_->info("event=password.rehashed account_id={} request_id={}", account.id, request.logged_id());
      }
    }
  }

  if (account.totp_enabled()) co_return co_await challenge(account, request);
  co_return co_await open_session(account, request, "");
}

Task<Result<Login>> AccountService::open_session(const store::Account& account, const RequestContext& request,
                                                 std::string_view factor) {
  security::IssuedToken token = security::issue_token();
  const TimePoint now = clock_();
  const TimePoint expires = now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.token_ttl);
  // Named, not a braced temporary inside co_await: g++ 12 destroys such temporaries twice.
  // The session exists only if the password just verified is still the account's.
  store::Session session{std::move(token.digest), account.id, now, expires};
  const std::string session_id = security::new_uuid();
  session.id = session_id;
  session.user_agent = kept_user_agent(request.user_agent);
  session.client_address = request.client;
  session.expected_password_hash = account.password_hash;
  session.keep_newest = kMaxSessionsPerAccount;
  // Without a code only while there is still no second factor (a confirmation may have raced).
  session.without_second_factor = factor.empty();
  auto created = co_await store_.create_session(std::move(session));
  if (!created && created.error() == store::Error::not_found) {
    // Gone, disabled, its password changed since it was verified, or a second factor turned on
    // meanwhile. Only a disable and the second factor are told apart (the password matched, so
    // the answer may say so, as above); one more read, on this rare path only.
    auto now_stored = co_await store_.find_account(account.id);
    if (now_stored && factor.empty() && now_stored->totp_enabled() && !now_stored->disabled &&
        now_stored->password_hash == account.password_hash) {
      co_return co_await challenge(*now_stored, request);
    }
    if (now_stored && now_stored->disabled && now_stored->password_hash == account.password_hash) {
      audit_->info("event=login.failed account_id={} request_id={} reason=account_disabled", account.id,
                   request.logged_id());
      co_return fail(Code::account_disabled);
    }
    audit_->info("event=login.failed account_id={} request_id={} reason=invalid_credentials", account.id,
                 request.logged_id());
    co_return fail(Code::invalid_credentials);
  }
  if (!created) co_return from_store(created.error());
  if (factor.empty()) {
    audit_->info("event=login.succeeded account_id={} request_id={} session_id={}", account.id, request.logged_id(),
                 session_id);
  } else {
    audit_->info("event=login.succeeded account_id={} request_id={} session_id={} second_factor={}", account.id,
                 request.logged_id(), session_id, factor);
  }
  co_return Login{std::move(token.token), expires, options_.token_ttl, user_of(account)};
}

Task<Result<Login>> AccountService::challenge(const store::Account& account, const RequestContext& request) {
  security::IssuedToken token = security::issue_token();
  const TimePoint now = clock_();
  store::Effects effects;
  effects.token = store::FlowToken{std::move(token.digest), store::TokenPurpose::mfa_login, account.id, account.email,
                                   now, now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.mfa_token_ttl)};
  auto added = co_await store_.add_effects(account.id, std::move(effects));
  if (!added) {
    // Deleted meanwhile: a login's answer for an account that is not there.
    if (added.error() == store::Error::not_found) co_return fail(Code::invalid_credentials);
    co_return from_store(added.error());
  }
  audit_->info("event=login.mfa_required account_id={} request_id={}", account.id, request.logged_id());
  Login login{};
  login.mfa = MfaChallenge{std::move(token.token), options_.mfa_token_ttl};
  co_return login;
}

Task<Result<Login>> AccountService::complete_mfa(std::optional<std::string> mfa_token, std::optional<std::string> code,
                                                 RequestContext request) {
  auto result = co_await complete_mfa_unrecorded(std::move(mfa_token), std::move(code), std::move(request));
  if (metrics_) {
    const bool wrong = !result && result.error().code == Code::invalid_code;
    metrics_->login(wrong ? metrics::LoginOutcome::invalid_code : login_outcome(result));
  }
  co_return result;
}

Task<Result<Login>> AccountService::complete_mfa_unrecorded(std::optional<std::string> mfa_token,
                                                            std::optional<std::string> code, RequestContext request) {
  Checks checks;
  checks.required("mfa_token", mfa_token);
  checks.required("code", code);
  if (!checks.ok()) co_return std::move(checks).failure();
  std::optional<std::string> digest = security::token_digest(*mfa_token);
  if (!digest) co_return fail(Code::invalid_mfa_token);
  const TimePoint now = clock_();
  auto holder = co_await store_.find_token(*digest, store::TokenPurpose::mfa_login, now);
  if (!holder) {
    co_return holder.error() == store::Error::not_found ? fail(Code::invalid_mfa_token) : from_store(holder.error());
  }
  store::Account account = std::move(holder->account);
  auto admitted = co_await throttle_.admit_code(account.email_key, request.client, *digest, options_.mfa_token_ttl);
  if (!admitted) {
    if (admitted.error().code == Code::invalid_mfa_token) {
      // Its codes are used up: the token dies now rather than at its expiry.
      store::AccountChanges nothing;
      nothing.updated_at = account.updated_at;
      (void)co_await store_.redeem_token(*digest, store::TokenPurpose::mfa_login, now, std::move(nothing));
      audit_->info("event=login.failed account_id={} request_id={} reason=mfa_token_exhausted", account.id,
                   request.logged_id());
    }
    refused("login.failed", request, admitted.error(), account.id);
    co_return admitted.error();
  }
  if (account.disabled) {
    audit_->info("event=login.failed account_id={} request_id={} reason=account_disabled", account.id,
                 request.logged_id());
    co_return fail(Code::account_disabled);
  }
  auto checked = second_factor_.check_code(account, *code);
  if (!checked) co_return checked.error();
  std::optional<store::AccountChanges> changes = std::move(*checked);
  bool accepted = changes.has_value();
  const std::string_view factor = changes && changes->use_recovery_code ? "recovery_code" : "totp";
  std::optional<store::Account> redeemed;
  if (accepted) {
    // The token's consumption, the replay guard (or the recovery code's use) and the password
    // being still the one that was checked: one atomic change. A refusal here is a code that was
    // used meanwhile (a replay, a race) or a password changed since: no session either way.
    changes->expected_password_hash = account.password_hash;
    auto done = co_await store_.redeem_token(*digest, store::TokenPurpose::mfa_login, now, std::move(*changes));
    if (!done && done.error() != store::Error::not_found) co_return from_store(done.error());
    accepted = done.has_value();
    if (done) redeemed = std::move(*done);
  }
  if (!accepted) {
    auto counted = co_await throttle_.code_failed(request.client);
    if (!counted) co_return counted.error();
    audit_->info("event=login.failed account_id={} request_id={} reason=invalid_code", account.id,
                 request.logged_id());
    co_return fail(Code::invalid_code);
  }
  auto forgotten = co_await throttle_.forget_failures(account.email_key);
  (void)forgotten;  // best effort: the window closes by itself
  if (factor == "recovery_code") {
    audit_->info("event=recovery_code.used account_id={} request_id={} remaining={}", account.id, request.logged_id(),
                 redeemed->recovery_codes.size());
  }
  co_return co_await open_session(*redeemed, request, factor);
}

Task<Result<Principal>> AccountService::authenticate(std::string_view bearer_token, RequestContext request) {
  std::optional<std::string> digest = security::token_digest(bearer_token);
  if (!digest) co_return fail(Code::invalid_token);
  const TimePoint now = clock_();
  // The one lookup the session cache may answer (store/caching_store.h): no hash comes back.
  auto found = co_await store_.check_session(*digest, now);
  if (!found) co_return from_store(found.error());  // not_found -> invalid_token
  store::AccountSummary& account = found->account;
  store::Session& session = found->session;
  // Disabling revokes every session, but a login that raced it may have opened one since.
  if (account.disabled) co_return fail(Code::invalid_token);
  if (now - session.last_used_at >= kTouchInterval) {
    // At most once a minute per session, so that checking a token stays a read. Best effort: a
    // failed touch leaves last_used_at older than it should be, nothing else.
    (void)co_await store_.touch_session(*digest, now);
  }
  std::string email_key = std::move(account.email_key);
  Principal p{user_of(std::move(account)), std::move(email_key), std::move(*digest)};
  p.session_id_ = std::move(session.id);
  p.session_created_at_ = session.created_at;
  p.session_expires_at_ = session.expires_at;
  p.request_ = std::move(request);
  co_return p;
}

Task<Result<std::optional<Introspection>>> AccountService::introspect(std::string_view token) {
  // Named, not the defaulted argument: that would be a braced temporary in the co_await
  // expression, which g++ 12 destroys twice (STYLE.md section 10).
  RequestContext none;
  auto p = co_await authenticate(token, std::move(none));
  if (!p) {
    if (p.error().code == Code::store_unavailable) co_return p.error();
    co_return std::optional<Introspection>();  // not live, whatever the reason
  }
  co_return Introspection{p->account_id(), p->user().email, p->session_created_at(), p->session_expires_at()};
}

Task<Result<std::vector<SessionView>>> AccountService::sessions(const Principal& p) {
  auto listed = co_await store_.list_sessions(p.account_id(), clock_());
  if (!listed) co_return from_store(listed.error());
  std::vector<SessionView> out;
  out.reserve(listed->size());
  for (store::Session& s : *listed) {
    const bool current = s.token_digest == p.token_digest();
    out.push_back(SessionView{std::move(s.id), s.created_at, s.expires_at, s.last_used_at, current,
                              std::move(s.user_agent), std::move(s.client_address)});
  }
  co_return out;
}

Task<Result<void>> AccountService::revoke_session(const Principal& p, std::string session_id) {
  auto done = co_await store_.delete_session_by_id(p.account_id(), std::move(session_id), clock_());
  if (!done) co_return done.error() == store::Error::not_found ? fail(Code::not_found) : from_store(done.error());
  audit_->info("event=session.revoked account_id={} request_id={} session_id={}", p.account_id(),
               p.request().logged_id(), util::logfmt_value(session_id));
  co_return Result<void>{};
}

Task<Result<std::string>> AccountService::reauthenticate(const Principal& p, const std::string& password,
                                                         std::string_view purpose) {
  co_return co_await accounts::reauthenticate(store_, throttle_, *audit_, p, clock_(), password, purpose);
}

Task<Result<User>> AccountService::update_profile(const Principal& p, ProfileChanges ch) {
  Checks checks;
  std::optional<std::string> name = ch.name ? checks.take("name", check_name(*ch.name)) : std::nullopt;
  std::optional<security::Email> email = ch.email ? checks.take("email", security::validate_email(*ch.email)) : std::nullopt;
  // Similarity is judged against the account as it will be after this change.
  const security::PasswordContext context{email ? std::string_view(email->address) : std::string_view(p.user().email),
                                          name ? std::string_view(*name) : std::string_view(p.user().name)};
  std::optional<std::string> password =
      ch.password ? checks.take("password", options_.password_policy.check(*ch.password, context)) : std::nullopt;
  const bool sensitive = ch.email.has_value() || ch.password.has_value();
  if (sensitive) checks.required("current_password", ch.current_password);
  if (!checks.ok()) co_return std::move(checks).failure();
  if (!name && !email && !password) co_return p.user();

  // Changing how one logs in needs proof of the current password, not just a (maybe stolen) token.
  std::string proven_hash;
  if (sensitive) {
    auto proven = co_await reauthenticate(p, *ch.current_password, "account.update");
    if (!proven) co_return proven.error();
    proven_hash = std::move(*proven);
  }

  store::AccountChanges changes;
  changes.updated_at = clock_();
  if (email && email->key == p.email_key_) {
    changes.email = std::move(email->address);  // another spelling of the same address
    if (!p.user().pending_email.empty()) {
      // Back to the address in force: the pending change is withdrawn, and its link with it.
      changes.pending_email = "";
      changes.pending_email_key = "";
      changes.drop_tokens = {store::TokenPurpose::email_verification};
    }
  } else if (email) {
    const std::string& addressee = name ? *name : p.user().name;
    auto moved = co_await change_address(p, std::move(*email), addressee, changes);
    if (!moved) co_return moved.error();
  }
  changes.name = std::move(name);
  if (password) {
    auto hash = co_await hasher_.hash(std::move(*password));
    if (!hash) co_return from_hash(hash.error());
    changes.password_hash = std::move(*hash);
    // A password change is how users evict whoever else holds a session: revoke all but this one,
    // and every sign-in waiting for its second factor (it got there with the old password).
    changes.keep_only_session = p.token_digest();
    changes.drop_tokens.push_back(store::TokenPurpose::mfa_login);
    // The owner hears of it at the address in force, in case it was not them.
    changes.effects.mail.push_back(messages::password_changed(p.user().email, name ? *name : p.user().name,
                                                              changes.updated_at));
  }
  if (sensitive) {
    // Only while the password is still the one just proven: of two sessions changing it at once
    // exactly one wins, and the other learns so (conflict) instead of a 200 that did not stick.
    changes.expected_password_hash = std::move(proven_hash);
  }
  const bool mails = !changes.effects.mail.empty();
  auto updated = co_await store_.update_account(p.account_id(), std::move(changes));
  if (!updated) {
    // not_found under a condition means the hash moved on (or the account went): a retry
    // re-reads the account and gets a definite answer (401 or 403, or a success).
    if (sensitive && updated.error() == store::Error::not_found) co_return fail(Code::conflict);
    co_return from_store(updated.error());
  }
  // One line per kind of change, so that each is found by its event.
  const std::string_view id = p.request().logged_id();
  if (ch.name) audit_->info("event=name.changed account_id={} request_id={}", p.account_id(), id);
  if (ch.email) {
    audit_->info("event=email.changed account_id={} request_id={} pending={}", p.account_id(), id,
                 !updated->pending_email.empty());
  }
  if (ch.password) audit_->info("event=password.changed account_id={} request_id={}", p.account_id(), id);
  if (mails) queued();
  co_return user_of(*updated);
}

Task<Result<void>> AccountService::change_address(const Principal& p, security::Email to, const std::string& name,
                                                  store::AccountChanges& changes) {
  const bool required = options_.email_verification == EmailVerification::required;
  if (!required) {
    // Optional mode answers a taken address at once (the unique index still decides races), and
    // before the mail limit counts: a refused change sends nothing.
    auto holder = co_await store_.find_account_by_email(to.key);
    if (holder && holder->id != p.account_id()) co_return fail(Code::email_taken);
    if (!holder && holder.error() != store::Error::not_found) co_return from_store(holder.error());
  }
  // Each change mails two addresses, one of them chosen by the caller: within the mail limits,
  // or an account could mail anyone without end by changing its address back and forth.
  auto admitted = co_await throttle_.admit_mail(p.account_id(), "address");
  if (!admitted) co_return admitted.error();
  if (!*admitted) {
    const Failure refusal{Code::too_many_attempts, {}, options_.throttling.mail_per_account_short.window,
                          "mail_per_account"};
    refused("email.change_failed", p.request(), refusal, p.account_id());
    co_return refusal;
  }
  // Under `required` a pending address is not checked now: whoever proves an address first
  // takes it, and a taken one is refused when its link is followed (409 then). Checking here
  // would tell a signed-in caller which addresses have accounts.
  const TimePoint now = changes.updated_at;
  const std::chrono::seconds ttl = options_.verification_token_ttl;
  messages::IssuedFlowToken issued =
      messages::issue_flow_token(store::TokenPurpose::email_verification, p.account_id(), to.address, now, ttl);
  changes.effects.mail.push_back(messages::verify_email(to.address, name, issued.token, ttl, now));
  // The old address hears of it at once: if the owner did not ask for this, they know.
  changes.effects.mail.push_back(messages::email_change_notice(p.user().email, name, to.address, now));
  changes.effects.token = std::move(issued.record);
  // Links sent before prove nothing about the new address.
  changes.drop_tokens = {store::TokenPurpose::email_verification};
  if (required) {
    changes.pending_email = std::move(to.address);
    changes.pending_email_key = std::move(to.key);
  } else {
    changes.email = std::move(to.address);
    changes.email_key = std::move(to.key);
    changes.email_verified = false;
    changes.pending_email = "";
    changes.pending_email_key = "";
    changes.drop_tokens.push_back(store::TokenPurpose::password_reset);  // sent to the old address
  }
  co_return Result<void>{};
}

Task<Result<void>> AccountService::delete_account(const Principal& p, std::optional<std::string> password) {
  Checks checks;
  checks.required("password", password);
  if (!checks.ok()) co_return std::move(checks).failure();
  auto proven = co_await reauthenticate(p, *password, "account.delete");
  if (!proven) co_return proven.error();
  auto deleted = co_await store_.delete_account(p.account_id());
  if (!deleted) co_return from_store(deleted.error());
  audit_->info("event=account.deleted account_id={} request_id={}", p.account_id(), p.request().logged_id());
  co_return Result<void>{};
}

Task<Result<void>> AccountService::logout(const Principal& p) {
  auto done = co_await store_.delete_session(p.token_digest());
  if (!done) co_return from_store(done.error());
  audit_->info("event=logout account_id={} request_id={} session_id={}", p.account_id(), p.request().logged_id(),
               p.session_id());
  co_return Result<void>{};
}

Task<Result<void>> AccountService::logout_everywhere(const Principal& p) {
  auto done = co_await store_.delete_sessions(p.account_id());
  if (!done) co_return from_store(done.error());
  audit_->info("event=logout.all account_id={} request_id={}", p.account_id(), p.request().logged_id());
  co_return Result<void>{};
}

Task<bool> AccountService::store_ready() {
  auto pong = co_await store_.ping();
  co_return pong.has_value();
}

}  // namespace vestibule::accounts
