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
#include "accounts/throttle.h"
#include "security/password_hasher.h"
#include "security/password_policy.h"
#include "store/store.h"

namespace vestibule::accounts {

using store::TimePoint;

// What clients may see of an account: never the password hash.
struct User {
  std::string id;
  std::string name;
  std::string email;
  TimePoint created_at;
  TimePoint updated_at;
};

// The authenticated caller of a request: the account as it was when the token was checked, and
// the digest of that token. The password hash it was read with stays inside the accounts layer
// (AccountService re-authenticates against it and makes changes conditional on it); nothing
// outside can reach it. A plain value.
class Principal {
 public:
  Principal() = default;  // nobody: no account, matches no password (for containers and futures)
  const std::string& account_id() const { return user_.id; }
  const User& user() const { return user_; }
  const std::string& token_digest() const { return token_digest_; }

 private:
  friend class AccountService;
  Principal(User user, std::string email_key, std::string password_hash, std::string token_digest)
      : user_(std::move(user)),
        email_key_(std::move(email_key)),
        password_hash_(std::move(password_hash)),
        token_digest_(std::move(token_digest)) {}

  User user_;
  std::string email_key_;
  std::string password_hash_;
  std::string token_digest_;
};

// Request inputs. std::nullopt means the field was absent; rules decide if that is allowed.
struct Registration {
  std::optional<std::string> name, email, password;
};
struct Credentials {
  std::optional<std::string> email, password;
};
struct ProfileChanges {
  std::optional<std::string> name, email, password, current_password;
};

struct Login {
  std::string token;  // the only time the token exists outside the client
  TimePoint expires_at;
  std::chrono::seconds expires_in;
  User user;
};

struct ServiceOptions {
  std::chrono::seconds token_ttl{86400};
  security::PasswordPolicy password_policy;  // default: length and similarity rules only
  Throttling throttling;
};

class AccountService {
 public:
  using ClockFn = std::function<TimePoint()>;

  AccountService(store::Store& store, security::PasswordHasher& hasher, ServiceOptions options, ClockFn clock,
                 std::shared_ptr<spdlog::logger> audit);

  // `client` is the caller's address, for the per-client limits; empty skips them.

  // Creates an account. validation_failed (every broken rule of name, email and password at
  // once, see Failure::fields); email_taken if another account has the address (ignoring case);
  // too_many_attempts past the client's registration limit (checked first, every attempt counts).
  Task<Result<User>> register_account(Registration r, std::string client = {});

  // Checks the password and opens a session. validation_failed if email or password is
  // missing; invalid_credentials for an unknown address, a wrong password, or an address or
  // password that cannot be valid (one answer, no enumeration); too_many_attempts past the
  // account's or the client's limit of failed checks, even with the right password.
  Task<Result<Login>> login(Credentials c, std::string client = {});

  // The holder of a bearer token. invalid_token if it is malformed, unknown, expired or revoked,
  // or its account is gone. Never overloaded (no hashing).
  Task<Result<Principal>> authenticate(std::string_view bearer_token);

  // Applies the changes present. validation_failed for broken rules (all at once), or a new
  // email or password without current_password; then, only for such sensitive changes, the
  // throttled re-authentication: too_many_attempts (the same limits as login: a failed
  // re-authentication counts as a failed login), invalid_password if current_password is wrong.
  // email_taken if the new address belongs to another account; conflict if the account's
  // password changed (or the account was deleted) since `p` was authenticated, so that of two
  // concurrent password changes exactly one applies; invalid_token if the account is gone.
  // Nothing is changed unless all is. With no change present, returns the user as is.
  Task<Result<User>> update_profile(const Principal& p, ProfileChanges changes, std::string client = {});

  // Deletes the account and all its sessions after checking `password` (throttled as in
  // update_profile). validation_failed if it is missing; too_many_attempts; invalid_password;
  // invalid_token if the account is already gone.
  Task<Result<void>> delete_account(const Principal& p, std::optional<std::string> password, std::string client = {});

  // Revokes the caller's session / every session of the caller's account. Only
  // store_unavailable; revoking an already revoked session succeeds.
  Task<Result<void>> logout(const Principal& p);
  Task<Result<void>> logout_everywhere(const Principal& p);

  // Whether the store answers (readiness probe). Never fails.
  Task<bool> store_ready();

 private:
  // The throttled check of `password` against the hash `p` was authenticated with.
  Task<Result<void>> reauthenticate(const Principal& p, const std::string& password, std::string client);

  store::Store& store_;
  security::PasswordHasher& hasher_;
  ServiceOptions options_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
  Throttle throttle_;
};

}  // namespace vestibule::accounts
