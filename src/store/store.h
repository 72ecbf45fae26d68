// Persists accounts and sessions. The contract every backend (SQLite, Redis) implements and that
// tests/store/store_contract_test.cc checks against each. Safe for concurrent use: any number of
// coroutines on any threads may await operations at once.
//
// Every operation may also fail with Error::unavailable when the backing store cannot be reached
// or answer in time; no operation ever leaves a half-applied change behind.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace vestibule::store {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

enum class Error {
  not_found,    // no such account / session (or the session has expired)
  email_taken,  // another account holds this email key
  unavailable,  // the store cannot be reached or failed; the change was not applied
};

const char* to_string(Error e);

// Lets boost::system::result<T, Error>::value() report misuse (found by ADL).
[[noreturn]] void throw_exception_from_error(Error e, const boost::source_location& loc);

// Why a store could not be opened (bad URL, unwritable path, incompatible schema, ...).
struct OpenError {
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const OpenError& e, const boost::source_location& loc);

template <typename T>
using Result = boost::system::result<T, Error>;
template <typename T>
using Task = boost::asio::awaitable<T>;

struct Account {
  std::string id;             // UUID, chosen by the caller
  std::string name;
  std::string email;          // normalised address as shown to the user
  std::string email_key;      // case-folded address; unique across accounts
  std::string password_hash;  // PHC string; never leaves the accounts layer
  TimePoint created_at;
  TimePoint updated_at;
};

// A bearer session. Only a digest of the token is ever stored.
struct Session {
  std::string token_digest;
  std::string account_id;
  TimePoint created_at;
  TimePoint expires_at;
  // Not stored: when set, create_session succeeds only while the account's password hash is
  // still this one, so a login that verified a password changed meanwhile gets no session.
  std::optional<std::string> expected_password_hash{};
};

// The changes of one account update; unset fields stay as they are. Applied atomically.
struct AccountChanges {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> email_key;
  std::optional<std::string> password_hash;
  TimePoint updated_at;
  // When set, every session of the account except the one with this digest is revoked in the
  // same transaction (a password change keeps only the session that made it).
  std::optional<std::string> keep_only_session;
  // When set, the update applies only while the stored password hash is still this one;
  // otherwise nothing changes and the result is Error::not_found.
  std::optional<std::string> expected_password_hash{};
};

// A fixed-window counter of attempts (failed logins, registrations) under one key.
struct Attempts {
  std::uint32_t count = 0;  // attempts in the open window; 0 when none is open
  TimePoint window_ends;    // when the open window closes (meaningless when count is 0)
};

// The uniqueness key of a normalised email address (security::email_key in the server). Stores
// do not compute keys; they need the function only to migrate keys written by an older release
// with an older function (data version 2 re-keys every account).
using EmailKeyFunction = std::function<std::string(std::string_view email)>;

// `given`, or a logger that discards everything: a store never writes to spdlog's global default.
std::shared_ptr<spdlog::logger> logger_or_null(std::shared_ptr<spdlog::logger> given);

class Store {
 public:
  virtual ~Store() = default;

  // Creates the account. Error::email_taken if another account has the same email_key. Atomic:
  // of many concurrent creates with one email_key exactly one succeeds.
  virtual Task<Result<void>> create_account(Account account) = 0;

  // The account with this email key; Error::not_found if none.
  virtual Task<Result<Account>> find_account_by_email(std::string email_key) = 0;

  // The account of a live session: Error::not_found if the digest is unknown, revoked, or its
  // session expired at or before `now`.
  virtual Task<Result<Account>> find_account_by_session(std::string token_digest, TimePoint now) = 0;

  // Applies `changes` to the account and returns it as stored afterwards. Error::not_found if
  // the account is gone; Error::email_taken if the new email key belongs to another account.
  virtual Task<Result<Account>> update_account(std::string account_id, AccountChanges changes) = 0;

  // Deletes the account and all its sessions at once. Error::not_found if it is gone.
  virtual Task<Result<void>> delete_account(std::string account_id) = 0;

  // Stores a session for an existing account. Error::not_found if the account is gone or its
  // password hash is no longer session.expected_password_hash.
  virtual Task<Result<void>> create_session(Session session) = 0;

  // Revokes one session; revoking an unknown digest is not an error.
  virtual Task<Result<void>> delete_session(std::string token_digest) = 0;

  // Revokes every session of the account.
  virtual Task<Result<void>> delete_sessions(std::string account_id) = 0;

  // Removes sessions (and attempt windows) that expired at or before `now` (housekeeping;
  // backends with native expiry may do nothing). Returns how many sessions were removed.
  virtual Task<Result<std::size_t>> purge_expired_sessions(TimePoint now) = 0;

  // Throttling state, kept in the store so that limits hold across every instance sharing it.
  // Adds one attempt under `key`: a new window of length `window` opens at `now` unless one is
  // open. Atomic: concurrent additions are all counted. Returns the window after the addition.
  virtual Task<Result<Attempts>> add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) = 0;
  // The window open at `now` under `key` (count 0 if none).
  virtual Task<Result<Attempts>> attempts(std::string key, TimePoint now) = 0;
  // Forgets the attempts under `key`.
  virtual Task<Result<void>> clear_attempts(std::string key) = 0;

  // Succeeds when the store answers a trivial request. Never waits behind queued changes, so a
  // write backlog does not read as "not ready".
  virtual Task<Result<void>> ping() = 0;

  // Brings the store's data to the layout this binary uses (migrations) and checks it, before
  // anything is served: main runs it once after open_store and refuses to start on an error
  // (a newer data version, data of another program, or a store that cannot be reached to tell).
  // Backends that migrate while opening (SQLite) succeed at once.
  virtual Task<boost::system::result<void, OpenError>> prepare() = 0;
};

}  // namespace vestibule::store
