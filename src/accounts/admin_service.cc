#include "accounts/admin_service.h"

#include <sodium.h>

#include <algorithm>

#include "accounts/checks.h"
#include "accounts/name.h"
#include "security/email.h"
#include "security/tokens.h"

namespace vestibule::accounts {
namespace {

Failure from_store(store::Error e) {
  switch (e) {
    case store::Error::not_found: return fail(Code::not_found);
    case store::Error::email_taken: return fail(Code::email_taken);
    case store::Error::id_taken: return fail(Code::id_taken);
    case store::Error::unavailable: return fail(Code::store_unavailable);
  }
  return fail(Code::store_unavailable);
}

// A page's cursor: the last id listed, base64url (opaque to clients, so it can change).
std::string encode_cursor(const std::string& id) {
  std::string text(sodium_base64_ENCODED_LEN(id.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(id.data()), id.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

std::optional<std::string> decode_cursor(std::string_view cursor) {
  std::string raw(64, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (cursor.size() > 64 ||
      sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), cursor.data(), cursor.size(),
                        nullptr, &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != cursor.data() + cursor.size()) {
    return std::nullopt;
  }
  raw.resize(len);
  return security::canonical_uuid(raw);
}

}  // namespace

AdminService::AdminService(store::Store& store, security::PasswordHasher& hasher, security::PasswordPolicy policy,
                           ClockFn clock, std::shared_ptr<spdlog::logger> audit)
    : store_(store), hasher_(hasher), policy_(std::move(policy)), clock_(std::move(clock)), audit_(std::move(audit)) {}

Task<Result<UserPage>> AdminService::list_users(UserQuery q, RequestContext request) {
  Checks checks;
  if (q.limit < 1 || q.limit > kMaxPageSize) {
    checks.reject("limit", "out_of_range",
                  "limit must be a whole number from 1 to " + std::to_string(kMaxPageSize) + ".");
  }
  std::string after;
  if (q.cursor) {
    auto decoded = decode_cursor(*q.cursor);
    if (decoded) after = std::move(*decoded);
    else checks.reject("cursor", "invalid", "cursor must be a next_cursor this API returned.");
  }
  if (!checks.ok()) co_return std::move(checks).failure();

  UserPage page;
  if (q.email) {
    // One account at most has an address; a malformed one has none (no error: it is a filter).
    auto email = security::validate_email(*q.email);
    if (!email) co_return page;
    auto found = co_await store_.find_account_by_email(email->key);
    if (!found && found.error() != store::Error::not_found) co_return from_store(found.error());
    if (found && (after.empty() || found->id > after)) page.users.push_back(user_of(*found));
    audit_->info("event=admin.users.listed request_id={} filter=email count={}", request.logged_id(), page.users.size());
    co_return page;
  }
  // One more than asked tells whether another page follows.
  auto listed = co_await store_.list_accounts(after, q.limit + 1);
  if (!listed) co_return from_store(listed.error());
  const bool more = listed->size() > q.limit;
  if (more) listed->resize(q.limit);
  for (const store::Account& a : *listed) page.users.push_back(user_of(a));
  if (more) page.next_cursor = encode_cursor(page.users.back().id);
  audit_->info("event=admin.users.listed request_id={} filter=none count={}", request.logged_id(), page.users.size());
  co_return page;
}

Task<Result<User>> AdminService::get_user(std::string id, RequestContext request) {
  auto canonical = security::canonical_uuid(id);
  if (!canonical) co_return fail(Code::not_found);
  auto found = co_await store_.find_account(*canonical);
  if (!found) co_return from_store(found.error());
  audit_->info("event=admin.user.read account_id={} request_id={}", *canonical, request.logged_id());
  co_return user_of(*found);
}

Task<Result<User>> AdminService::create_user(NewUser u, RequestContext request) {
  Checks checks;
  checks.required("name", u.name);
  checks.required("email", u.email);
  std::optional<std::string> name = u.name ? checks.take("name", check_name(*u.name)) : std::nullopt;
  std::optional<security::Email> email = u.email ? checks.take("email", security::validate_email(*u.email)) : std::nullopt;
  std::optional<std::string> id = u.id ? security::canonical_uuid(*u.id) : std::optional<std::string>(security::new_uuid());
  if (!id) checks.reject("id", "invalid", "id must be a UUID.");
  std::optional<std::string> password;
  if (u.password.has_value() == u.password_hash.has_value()) {
    checks.reject(u.password ? "password_hash" : "password", u.password ? "conflicting" : "required",
                  "Give exactly one of password and password_hash.");
  } else if (u.password) {
    const security::PasswordContext context{email ? std::string_view(email->address) : std::string_view(),
                                            name ? std::string_view(*name) : std::string_view()};
    password = checks.take("password", policy_.check(*u.password, context));
  } else if (!security::PasswordHasher::can_verify(*u.password_hash)) {
    checks.reject("password_hash", "unsupported_hash",
                  "Not a password hash format this service verifies, or its cost is beyond the bounds; see the README.");
  }
  const TimePoint now = clock_();
  // A time an account can have been made at: since the epoch, and not in the future (a day of
  // clock skew between systems allowed). Beyond, it could not even be written back as RFC 3339.
  if (u.created_at && (u.created_at->time_since_epoch().count() < 0 || *u.created_at > now + std::chrono::hours(24))) {
    checks.reject("created_at", "out_of_range", "created_at must lie between 1970-01-01 and now.");
  }
  if (!checks.ok()) co_return std::move(checks).failure();

  std::string hash;
  if (password) {
    auto hashed = co_await hasher_.hash(std::move(*password));
    if (!hashed) co_return fail(Code::overloaded);
    hash = std::move(*hashed);
  } else {
    hash = std::move(*u.password_hash);
  }
  store::Account account{std::move(*id), std::move(*name), std::move(email->address), std::move(email->key),
                         std::move(hash), u.created_at.value_or(now), now};
  account.email_verified = u.email_verified;
  store::Effects no_effects;  // named: no braced temporary in a co_await (STYLE.md 10)
  auto created = co_await store_.create_account(account, std::move(no_effects));
  if (!created) co_return from_store(created.error());
  audit_->info("event=admin.user.created account_id={} request_id={} password={}", account.id, request.logged_id(),
               password ? "set" : "imported");
  co_return user_of(account);
}

Task<Result<User>> AdminService::update_user(std::string id, UserEdit e, RequestContext request) {
  auto canonical = security::canonical_uuid(id);
  if (!canonical) co_return fail(Code::not_found);
  Checks checks;
  std::optional<std::string> name = e.name ? checks.take("name", check_name(*e.name)) : std::nullopt;
  std::optional<security::Email> email = e.email ? checks.take("email", security::validate_email(*e.email)) : std::nullopt;
  if (e.totp_enabled && *e.totp_enabled) {
    checks.reject("totp_enabled", "invalid", "Only the account's owner can turn two-factor sign-in on.");
  }
  if (!checks.ok()) co_return std::move(checks).failure();
  if (!name && !email && !e.email_verified && !e.disabled && !e.totp_enabled) {
    auto found = co_await store_.find_account(*canonical);
    if (!found) co_return from_store(found.error());
    co_return user_of(*found);  // nothing changed: no write, no audit line
  }

  store::AccountChanges changes;
  changes.updated_at = clock_();
  changes.name = std::move(name);
  if (email) {
    auto current = co_await store_.find_account(*canonical);
    if (!current) co_return from_store(current.error());
    if (email->key != current->email_key) {
      // Nobody has proven the new address: unverified unless the operator says so; links and a
      // pending change made for the old address mean nothing now.
      changes.email_verified = false;
      changes.pending_email = "";
      changes.pending_email_key = "";
      changes.drop_tokens = {store::TokenPurpose::email_verification, store::TokenPurpose::password_reset};
    }
    // The key always goes with the address, so that the two cannot part even if the account's
    // address changed since it was read (an unchanged key is no change).
    changes.email_key = std::move(email->key);
    changes.email = std::move(email->address);
  }
  if (e.email_verified) changes.email_verified = *e.email_verified;
  if (e.disabled) {
    changes.disabled = *e.disabled;
    if (*e.disabled) {
      // Disabling signs the account out everywhere in the same change, and voids its links: no
      // session outlives it, and no reset link mailed before lets anyone back in.
      changes.revoke_all_sessions = true;
      changes.drop_tokens = {store::TokenPurpose::email_verification, store::TokenPurpose::password_reset,
                             store::TokenPurpose::mfa_login};
    }
  }
  if (e.totp_enabled) {
    changes.totp_secret = "";
    changes.totp_pending = "";
    changes.recovery_codes = std::vector<std::string>{};
    changes.drop_tokens.push_back(store::TokenPurpose::mfa_login);
  }
  auto updated = co_await store_.update_account(*canonical, std::move(changes));
  if (!updated) co_return from_store(updated.error());
  audit_->info(
      "event=admin.user.updated account_id={} request_id={} name={} email={} email_verified={} disabled={} "
      "totp_disabled={}",
      *canonical, request.logged_id(), e.name.has_value(), e.email.has_value(),
      e.email_verified ? (*e.email_verified ? "true" : "false") : "-", e.disabled ? (*e.disabled ? "true" : "false") : "-",
      e.totp_enabled.has_value());
  co_return user_of(*updated);
}

Task<Result<void>> AdminService::delete_user(std::string id, RequestContext request) {
  auto canonical = security::canonical_uuid(id);
  if (!canonical) co_return fail(Code::not_found);
  auto deleted = co_await store_.delete_account(*canonical);
  if (!deleted) co_return from_store(deleted.error());
  audit_->info("event=admin.user.deleted account_id={} request_id={}", *canonical, request.logged_id());
  co_return Result<void>{};
}

Task<Result<void>> AdminService::revoke_sessions(std::string id, RequestContext request) {
  auto canonical = security::canonical_uuid(id);
  if (!canonical) co_return fail(Code::not_found);
  auto found = co_await store_.find_account(*canonical);
  if (!found) co_return from_store(found.error());
  auto done = co_await store_.delete_sessions(*canonical);
  if (!done) co_return from_store(done.error());
  audit_->info("event=admin.sessions.revoked account_id={} request_id={}", *canonical, request.logged_id());
  co_return Result<void>{};
}

}  // namespace vestibule::accounts
