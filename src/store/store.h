// Persists accounts, sessions, the single-use tokens of mailed flows (password reset, email
// verification) and the outbox of mail waiting to be delivered. The contract every backend (SQLite, Redis) implements and that
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
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace vestibule::store {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

enum class Error {
  not_found,    // no such account / session (or the session has expired)
  email_taken,  // another account holds this email key
  id_taken,     // an account with this id exists (create_account with a caller-chosen id)
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
  bool email_verified = false;  // the owner of `email` followed a verification link
  // An address change waiting for its verification link (empty: none). Not unique: whoever
  // confirms first takes the address, the other confirmation then gets Error::email_taken.
  std::string pending_email{};
  std::string pending_email_key{};
  // Set by an operator (admin API): no login, no live session. The accounts layer revokes every
  // session in the change that sets it; the store only keeps the flag.
  bool disabled = false;
  // The second factor (TOTP, RFC 6238). The store keeps these opaque: the secrets sealed by the
  // accounts layer (security::SecretBox; never the plain secret), the recovery codes as keyed
  // digests (never the codes). `totp_secret` empty: the second factor is off. `totp_pending`: a
  // secret enrolled but not confirmed yet (empty: none). `totp_last_step`: the last time step
  // whose code was accepted (0: none), so that a code is refused again for the rest of its
  // window. `recovery_codes`: the digests of the unused recovery codes, in no particular order.
  std::string totp_secret{};
  std::string totp_pending{};
  std::int64_t totp_last_step = 0;
  std::vector<std::string> recovery_codes{};
  bool totp_enabled() const { return !totp_secret.empty(); }
};

// What a flow token is for. A token is redeemed only for its own purpose. mfa_login: the
// mfa_token of a sign-in whose password matched, waiting for its second factor (not mailed).
enum class TokenPurpose { password_reset, email_verification, mfa_login };

// Its name in storage ("password_reset", "email_verification", "mfa_login"); stable across releases.
const char* to_string(TokenPurpose p);

// A single-use token of a mailed flow. Only its digest is stored; the token itself travels only
// inside the message that carries it (OutboxMessage::params) until that message is delivered.
struct FlowToken {
  std::string token_digest;
  TokenPurpose purpose = TokenPurpose::password_reset;
  std::string account_id;
  std::string email;  // the address it was sent to (for a verification: the address it proves)
  TimePoint created_at;
  TimePoint expires_at;
};

// One message in the outbox. The store keeps it opaque: `kind` names the template and `params`
// fill it in. Params may hold a flow token, which is why a delivered message leaves the store
// and a failed one loses its params.
struct OutboxMessage {
  std::string id;  // UUID, chosen by the caller; also names the message (Message-ID)
  std::string kind;
  std::string recipient;  // one address
  std::vector<std::pair<std::string, std::string>> params;
  TimePoint created_at;
  std::uint32_t attempts = 0;  // failed deliveries so far; kept by the store, ignored on queueing
};

// What a change does besides, in the same transaction: the token it issues and the mail it
// queues. So no mail goes out for a change that did not happen, and no change is acknowledged
// without its mail queued.
struct Effects {
  std::optional<FlowToken> token;   // inserted (after AccountChanges::drop_tokens)
  std::vector<OutboxMessage> mail;  // queued
};

struct OutboxStats {
  std::size_t queued = 0;  // waiting or being delivered
  std::size_t failed = 0;  // given up on, kept until their keep_until
  std::optional<TimePoint> oldest_queued;  // created_at of the oldest queued message
};

// A bearer session. Only a digest of the token is ever stored.
struct Session {
  std::string token_digest;
  std::string account_id;
  TimePoint created_at;
  TimePoint expires_at;
  // The public identifier (GET /v1/sessions, DELETE /v1/sessions/{id}): random, chosen by the
  // caller, unique, neither the token nor its digest.
  std::string id{};
  // What the client said it was (User-Agent, already truncated by the caller) and where it came
  // from, when the session was created. Shown to the owner only.
  std::string user_agent{};
  std::string client_address{};
  // When the session was last used to authenticate; coarse (the caller touches it at most once
  // a minute, touch_session). create_session stores created_at here, whatever it is given.
  TimePoint last_used_at{};
  // Not stored: when set, create_session succeeds only while the account's password hash is
  // still this one, so a login that verified a password changed meanwhile gets no session.
  std::optional<std::string> expected_password_hash{};
  // Not stored: when set, create_session succeeds only while the account has no second factor
  // (totp_secret empty), so a login whose password was checked while a confirmation turned the
  // second factor on gets no session without a code.
  bool without_second_factor = false;
  // Not stored: when not 0, create_session keeps at most this many live sessions of the account
  // (the new one among them) and revokes the rest in the same transaction, oldest first (by
  // created_at, then id). 0 bounds nothing. So listing and revoking all stay bounded work.
  std::size_t keep_newest = 0;
};

// A live session and its account, as authentication reads them in one lookup.
struct SessionAccount {
  Session session;  // expected_password_hash is unset
  Account account;
};

// The part of an account that checking a bearer token needs, and all that a session cache
// (store/session_cache.h) holds of it: no password hash, no second-factor secret, no recovery
// code, so a copy kept in memory for speed can leak none of them.
struct AccountSummary {
  std::string id;
  std::string name;
  std::string email;
  std::string email_key;
  TimePoint created_at;
  TimePoint updated_at;
  bool email_verified = false;
  std::string pending_email{};
  bool disabled = false;
  bool totp_enabled = false;
};

AccountSummary summary_of(const Account& account);

// A live session (without user_agent and client_address, which only listing shows) and its
// account's summary: what check_session answers.
struct SessionSummary {
  Session session;
  AccountSummary account;
};

// The session and account summary of find_session's answer.
SessionSummary summary_of(const SessionAccount& found);

class SessionCache;
class SessionWatch;

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
  std::optional<bool> email_verified{};
  // Set together; empty strings clear the pending change.
  std::optional<std::string> pending_email{};
  std::optional<std::string> pending_email_key{};
  // Revokes every session of the account (a password reset: nobody stays signed in).
  bool revoke_all_sessions = false;
  // Revokes the account's outstanding flow tokens of these purposes (before effects.token is
  // inserted, so the token this change issues survives).
  std::vector<TokenPurpose> drop_tokens{};
  Effects effects{};
  std::optional<bool> disabled{};
  // The second factor (Account::totp_*). An empty string clears a secret; recovery_codes
  // replaces the whole set (empty: none left).
  std::optional<std::string> totp_secret{};
  std::optional<std::string> totp_pending{};
  std::optional<std::vector<std::string>> recovery_codes{};
  // When set, the update applies only while the stored totp_pending is still this one (a
  // confirmation racing a new enrolment confirms neither by mistake); otherwise nothing changes
  // and the result is Error::not_found.
  std::optional<std::string> expected_totp_pending{};
  // When set, the update applies only while the stored totp_last_step is below this step, and
  // sets it to this step; otherwise nothing changes and the result is Error::not_found. Of
  // concurrent uses of one TOTP code (one step) exactly one succeeds: no replay.
  std::optional<std::int64_t> accept_totp_step{};
  // When set, the update applies only while this digest is among the stored recovery_codes, and
  // removes it; otherwise nothing changes and the result is Error::not_found. Of concurrent
  // uses of one recovery code exactly one succeeds. With recovery_codes set in the same change,
  // the new set replaces what is left (the used code is checked against the stored set).
  std::optional<std::string> use_recovery_code{};
};

// A live flow token with the account it belongs to.
struct TokenHolder {
  FlowToken token;
  Account account;
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

  // Creates the account with its effects (a verification token, mail), with every field as
  // given (created_at, email_verified and disabled too: an import keeps them). Error::id_taken
  // if an account with this id exists (whatever its address); else Error::email_taken if
  // another account has the same email_key. Atomic: of many concurrent creates with one id or
  // one email_key exactly one succeeds, and a refused create leaves no token and no mail.
  virtual Task<Result<void>> create_account(Account account, Effects effects) = 0;

  // The account with this email key; Error::not_found if none.
  virtual Task<Result<Account>> find_account_by_email(std::string email_key) = 0;

  // The account with this id; Error::not_found if none.
  virtual Task<Result<Account>> find_account(std::string account_id) = 0;

  // Up to `limit` accounts (limit >= 1) whose ids sort after `after_id` (bytewise; "" for the
  // first page), in ascending id order. Paging by the last id of a page is stable under inserts
  // and deletions: no account present throughout is skipped or listed twice.
  virtual Task<Result<std::vector<Account>>> list_accounts(std::string after_id, std::size_t limit) = 0;

  // A live session and its account: Error::not_found if the digest is unknown, revoked, or its
  // session expired at or before `now`.
  virtual Task<Result<SessionAccount>> find_session(std::string token_digest, TimePoint now) = 0;

  // find_session's account.
  Task<Result<Account>> find_account_by_session(std::string token_digest, TimePoint now);

  // find_session, summarised (same errors): what checking a bearer token needs. The one lookup
  // a session cache may answer from memory (store/caching_store.h); this default asks
  // find_session.
  virtual Task<Result<SessionSummary>> check_session(std::string token_digest, TimePoint now);

  // For a store that other processes change too (Redis): starts telling `cache` of every change
  // to a session or an account that any process makes, and returns what the cache consults
  // before each answer (session_cache.h), or an error saying why it cannot. nullptr for a store
  // that only this object changes (SQLite: one process holds the file), where the caching
  // store's own forgetting after each write is all there is to know. `cache` must outlive the
  // watch's stop().
  virtual boost::system::result<std::shared_ptr<SessionWatch>, OpenError> watch_sessions(SessionCache& cache);

  // Sets the session's last_used_at to `at` (never backwards). A session that is gone is not an
  // error (it may have been revoked meanwhile): nothing happens then.
  virtual Task<Result<void>> touch_session(std::string token_digest, TimePoint at) = 0;

  // The account's sessions live at `now`, newest first (created_at descending, then id
  // descending). Empty for an unknown account.
  virtual Task<Result<std::vector<Session>>> list_sessions(std::string account_id, TimePoint now) = 0;

  // Revokes the account's session with this public id. Error::not_found unless the account has
  // a session live at `now` with this id (another account's session id is not found either).
  virtual Task<Result<void>> delete_session_by_id(std::string account_id, std::string session_id, TimePoint now) = 0;

  // Applies `changes` (with their effects) to the account and returns it as stored afterwards.
  // Error::not_found if the account is gone; Error::email_taken if the new email key belongs to
  // another account. All or nothing.
  virtual Task<Result<Account>> update_account(std::string account_id, AccountChanges changes) = 0;

  // Deletes the account, all its sessions and all its flow tokens at once (its queued mail
  // stays and may still go out). Error::not_found if it is gone.
  virtual Task<Result<void>> delete_account(std::string account_id) = 0;

  // Stores a session for an existing account. Error::not_found if the account is gone, is
  // disabled, or its password hash is no longer session.expected_password_hash, or it has a
  // second factor under session.without_second_factor. With
  // session.keep_newest set, the account's other sessions live at session.created_at beyond the
  // newest keep_newest - 1 (created_at descending, then id descending) are revoked atomically
  // with the insert: the new session always stays, even if a clock behind made it the oldest.
  virtual Task<Result<void>> create_session(Session session) = 0;

  // Revokes one session; revoking an unknown digest is not an error.
  virtual Task<Result<void>> delete_session(std::string token_digest) = 0;

  // Revokes every session of the account.
  virtual Task<Result<void>> delete_sessions(std::string account_id) = 0;

  // Removes sessions (and attempt windows, flow tokens, and failed mail past its keep_until)
  // that expired at or before `now` (housekeeping; backends with native expiry may do nothing).
  // Returns how many sessions were removed.
  virtual Task<Result<std::size_t>> purge_expired_sessions(TimePoint now) = 0;

  // Throttling state, kept in the store so that limits hold across every instance sharing it.
  // Adds one attempt under `key`: a new window of length `window` opens at `now` unless one is
  // open. Atomic: concurrent additions are all counted. Returns the window after the addition.
  virtual Task<Result<Attempts>> add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) = 0;
  // The window open at `now` under `key` (count 0 if none).
  virtual Task<Result<Attempts>> attempts(std::string key, TimePoint now) = 0;
  // Forgets the attempts under `key`.
  virtual Task<Result<void>> clear_attempts(std::string key) = 0;

  // Flow tokens. Issues effects.token and queues effects.mail for an existing account, changing
  // nothing else (a reset request, a fresh verification link, a notice). Error::not_found if the
  // account is gone (then nothing is stored).
  virtual Task<Result<void>> add_effects(std::string account_id, Effects effects) = 0;
  // The live token with this digest and purpose, and its account. Error::not_found if the
  // digest is unknown, of another purpose, already redeemed, or expired at or before `now`.
  virtual Task<Result<TokenHolder>> find_token(std::string token_digest, TokenPurpose purpose, TimePoint now) = 0;
  // Consumes the token and applies `changes` to its account in one transaction, returning the
  // account as stored afterwards. Error::not_found if the token is not live (as in find_token)
  // or the account is gone, or changes.expected_password_hash no longer holds; Error::email_taken
  // if the changes take an email key another account holds. On any error nothing changes: the
  // token stays usable. Of concurrent redemptions of one token exactly one succeeds.
  virtual Task<Result<Account>> redeem_token(std::string token_digest, TokenPurpose purpose, TimePoint now,
                                             AccountChanges changes) = 0;

  // The outbox. Messages are queued only as effects of a change (above). A courier claims due
  // messages for a lease and then completes (delivered: removed), retries (due again later) or
  // fails (given up) each. `claim` names one claimer: a message claimed by another since (after
  // this claimer's lease ran out) is no longer this claimer's, and the call then changes
  // nothing and returns false.
  //
  // Claims up to `limit` messages due at `now`, oldest due first; each is not due again (for any
  // claimer) before now + lease. Atomic: concurrent claims never return one message twice.
  virtual Task<Result<std::vector<OutboxMessage>>> claim_mail(TimePoint now, std::chrono::milliseconds lease,
                                                             std::size_t limit, std::string claim) = 0;
  // Delivered: the message leaves the store.
  virtual Task<Result<bool>> complete_mail(std::string message_id, std::string claim) = 0;
  // Not delivered this time: counts one more attempt; due again at `due`.
  virtual Task<Result<bool>> retry_mail(std::string message_id, std::string claim, TimePoint due) = 0;
  // Given up: counts one more attempt, erases the params, is never due again, and is removed by
  // purge_expired_sessions (or expiry) once `keep_until` has passed.
  virtual Task<Result<bool>> fail_mail(std::string message_id, std::string claim, TimePoint keep_until) = 0;
  // How many messages are queued (waiting or claimed: not yet delivered nor given up) and given
  // up (failed, until purged), and the created_at of the oldest queued one (none when nothing is
  // queued). Delivered messages are gone and count nowhere. For monitoring: the metrics scrape
  // calls it, so it stays cheap (SQLite counts within its outbox index by status, Redis answers
  // with ZCARDs and one ZRANGE); a snapshot. Fails only with Error::unavailable.
  virtual Task<Result<OutboxStats>> outbox_stats() = 0;

  // Succeeds when the store answers a trivial request. Never waits behind queued changes, so a
  // write backlog does not read as "not ready".
  virtual Task<Result<void>> ping() = 0;

  // Online backup: writes a consistent copy of the whole store, as of one instant, to `path`
  // while the store goes on serving, and returns its size in bytes. `path` must not exist; the
  // copy is created readable by its owner only. Error::unavailable if it cannot be written (the
  // file exists, the directory is missing or full); nothing partial is left at `path` then.
  // Only stores whose data is one file can (supports_backup()); the others (Redis: its own
  // AOF and RDB persistence) answer Error::unavailable.
  virtual bool supports_backup() const { return false; }
  virtual Task<Result<std::uint64_t>> backup(std::string path);

  // Whether the store's connection is up, for backends that keep one (Redis: true from a
  // successful connect until the client notices it lost the connection, e.g. a failed command;
  // it reconnects on the next command). std::nullopt for backends without a connection (SQLite).
  // Cheap (an atomic load, no I/O), thread-safe: for the metrics scrape.
  virtual std::optional<bool> connected() const { return std::nullopt; }

  // Brings the store's data to the layout this binary uses (migrations) and checks it, before
  // anything is served: main runs it once after open_store and refuses to start on an error
  // (a newer data version, data of another program, or a store that cannot be reached to tell).
  // Backends that migrate while opening (SQLite) succeed at once.
  virtual Task<boost::system::result<void, OpenError>> prepare() = 0;
};

}  // namespace vestibule::store
