// The rules of the account API: registration, login, bearer authentication, profile changes,
// deletion and logout, over a Store and a PasswordHasher. Failures are values (Failure), mapped
// to HTTP in one place in api/. Thread-safe: holds no mutable state of its own.
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

#include "security/password_hasher.h"
#include "security/password_policy.h"
#include "store/store.h"

namespace vestibule::accounts {

using store::TimePoint;

enum class Code {
  validation_failed,    // one or more fields broke a rule; see Failure::fields
  email_taken,          // another account has this address
  invalid_credentials,  // login: unknown email or wrong password (deliberately not told apart)
  invalid_password,     // current_password / password confirmation was wrong
  invalid_token,        // missing, malformed, unknown, expired or revoked bearer token
  too_many_attempts,    // throttled (failed logins, registrations); see Failure::retry_after
  overloaded,           // the hashing pool is full; retry shortly
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
};
[[noreturn]] void throw_exception_from_error(const Failure& f, const boost::source_location& loc);

template <typename T>
using Result = boost::system::result<T, Failure>;
template <typename T>
using Task = boost::asio::awaitable<T>;

// What clients may see of an account: never the password hash.
struct User {
  std::string id;
  std::string name;
  std::string email;
  TimePoint created_at;
  TimePoint updated_at;
};

// The authenticated caller of a request.
struct Principal {
  store::Account account;
  std::string token_digest;
  User user() const;
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

// A limit of `max` attempts per `window`; max 0 switches it off.
struct Limit {
  std::uint32_t max = 0;
  std::chrono::seconds window{0};
};

// Throttling of password guessing (NIST SP 800-63B 5.2.2, OWASP ASVS 2.2.1): failed logins per
// account and per client address, and registrations per client address. Counted in the store,
// so the limits hold across every instance that shares it.
struct Throttling {
  Limit failed_logins_per_account{10, std::chrono::minutes(15)};
  Limit failed_logins_per_client{100, std::chrono::minutes(15)};
  Limit registrations_per_client{300, std::chrono::hours(1)};
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

  // `client` identifies the caller's address for throttling; empty skips the per-client limits.
  Task<Result<User>> register_account(Registration r, std::string client = {});
  Task<Result<Login>> login(Credentials c, std::string client = {});
  Task<Result<Principal>> authenticate(std::string_view bearer_token);
  Task<Result<User>> update_profile(const Principal& p, ProfileChanges changes);
  Task<Result<void>> delete_account(const Principal& p, std::optional<std::string> password);
  Task<Result<void>> logout(const Principal& p);
  Task<Result<void>> logout_everywhere(const Principal& p);
  Task<bool> store_ready();

 private:
  Task<Result<void>> check_password_of(const store::Account& account, const std::string& password);
  // Fails with too_many_attempts when the window under `key` is full.
  Task<Result<void>> check_limit(const Limit& limit, std::string key);
  // Counts this attempt first, atomically, and fails with too_many_attempts when it is over the
  // limit: parallel requests cannot all slip through a check made before any of them counted.
  Task<Result<void>> take_attempt(const Limit& limit, std::string key);
  // Counts one attempt under `key` (no-op when the limit is off).
  Task<Result<void>> count_attempt(const Limit& limit, std::string key);

  store::Store& store_;
  security::PasswordHasher& hasher_;
  ServiceOptions options_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
};

}  // namespace vestibule::accounts
