// Throttling of password guessing and registrations (NIST SP 800-63B 5.2.2, OWASP ASVS 2.2.1),
// and the one door every password check goes through: login, re-authentication before a change
// or a deletion, and whatever checks a password later (reset confirmation, a second factor).
// Counters are fixed windows in the store (Store::add_attempt), so limits hold across every
// instance sharing it. Thread-safe: holds no mutable state of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "accounts/failure.h"
#include "metrics/account_metrics.h"
#include "security/password_hasher.h"
#include "store/store.h"

namespace vestibule::accounts {

// A limit of `max` attempts per `window`; max 0 switches it off.
struct Limit {
  std::uint32_t max = 0;
  std::chrono::seconds window{0};
};

// Failed password checks per account and per client address, and registrations per client
// address. A failed login and a failed re-authentication are the same kind of guess and share
// one count per account and one per client.
struct Throttling {
  Limit failed_logins_per_account{10, std::chrono::minutes(15)};
  Limit failed_logins_per_client{100, std::chrono::minutes(15)};
  Limit registrations_per_client{300, std::chrono::hours(1)};
  // Requests that may send mail (password resets, fresh verification links), per client.
  Limit mail_requests_per_client{100, std::chrono::hours(1)};
  // Emails of one kind to one account: both must admit it. So nobody can flood an inbox
  // through us, whatever addresses they use.
  Limit mail_per_account_short{1, std::chrono::minutes(1)};
  Limit mail_per_account_long{5, std::chrono::hours(1)};
};

// One password check: whose password, guessed from where, and against what.
struct PasswordCheck {
  // The account's email key: for a login the typed address once normalised (unknown addresses
  // are counted too, so a 429 does not tell which exist), for a re-authentication the stored
  // account's, which is the same key.
  std::string email_key;
  std::string client;    // the caller's address; empty skips the per-client limit
  std::string password;  // as compared (NFC)
  std::string hash;      // the stored PHC string, or the hasher's dummy hash for an unknown account
  // Whether a match forgets the account's count. Not for an account with a second factor: its
  // sign-in is complete only with the code (complete_mfa forgets it then), or else whoever has
  // the password could clear the count of failed codes with each login and guess on.
  bool forget_on_match = true;
};

// Codes one mfa_token admits (right or wrong) before it is dead.
inline constexpr std::uint32_t kCodesPerMfaToken = 5;

class Throttle {
 public:
  using ClockFn = std::function<store::TimePoint()>;

  // With `metrics`, every refusal counts under its limit (vestibule_throttle_rejections_total).
  Throttle(store::Store& store, security::PasswordHasher& hasher, Throttling limits, ClockFn clock,
           metrics::AccountMetrics* metrics = nullptr);

  // Verifies check.password against check.hash unless a limit refuses the guess. In order:
  //  1. a client over its limit is refused with no further work: no account's count changes, so
  //     one address cannot lock out the accounts it names, and a refusal costs no store write;
  //  2. an account whose window is full is refused likewise (a read, no write);
  //  3. a slot in the hashing queue is reserved; none free is Code::overloaded, counted nowhere
  //     (a retry after a 503 costs no budget);
  //  4. the guess is counted for the account, atomically, and refused if that count is over the
  //     limit, so parallel guesses cannot overshoot it (only such a loser of a race is counted
  //     without being verified; its window is full then anyway);
  //  5. the password is verified: a match forgets the account's count (ASVS 2.2.1; unless
  //     check.forget_on_match is false), a mismatch
  //     is counted for the client (the client's count grows only with failures, so an office's
  //     successful logins never add up; hence checked before and counted after).
  // Returns whether the password matched. Failures: Code::too_many_attempts with retry_after
  // and the limit that refused (Failure::limit; steps 1, 2, 4; never verified), Code::overloaded (step 3; or the hasher failed or shut
  // down in step 5, after counting), Code::store_unavailable (any step; nothing verified, unless
  // it was counting the client's failure or forgetting the account's count).
  Task<Result<bool>> check_password(PasswordCheck check);

  // Counts one registration from `client` and refuses it with Code::too_many_attempts past the
  // limit (every attempt counts, so a script can neither probe addresses nor fill the store).
  // A client whose window is already full is refused by a read: no store write.
  // Empty `client`: no limit. Code::store_unavailable if the store cannot count.
  Task<Result<void>> admit_registration(std::string client);

  // The same for a request that may send mail (mail_requests_per_client).
  Task<Result<void>> admit_mail_request(std::string client);

  // Whether one more email of kind `group` may go to the account (its id, or for password
  // resets its email key) now (mail_per_account_short and _long), counting it if so. A refusal is not a failure: the caller answers as it would
  // have and sends nothing, so the answer tells nobody whether mail went out. Only
  // Code::store_unavailable.
  Task<Result<bool>> admit_mail(const std::string& recipient, std::string_view group);

  // A second-factor code (TOTP or recovery code) of the sign-in whose mfa_token's digest is
  // `token_digest`: the same door as a password, and the same budget. In order: the client's and
  // the account's limits are checked by reads (as in check_password steps 1 and 2); the attempt
  // is counted for the account (a guessed code is a guessed credential, counted in the store so
  // the limit holds across instances) and for the token, which admits kCodesPerMfaToken codes
  // in all: past them Code::invalid_mfa_token (the token is dead; the caller consumes it).
  // The caller then checks the code and calls code_failed() or forget_failures().
  // Code::too_many_attempts (with the limit's name), Code::store_unavailable.
  Task<Result<void>> admit_code(const std::string& email_key, const std::string& client,
                                const std::string& token_digest, std::chrono::seconds token_ttl);
  // A wrong code: counted for the client, as a wrong password is (the account's count was taken
  // by admit_code). Code::store_unavailable.
  Task<Result<void>> code_failed(const std::string& client);

  // Forgets the failed password checks counted for an account (a password reset proved its
  // owner). Code::store_unavailable.
  Task<Result<void>> forget_failures(std::string email_key);

 private:
  // Refuses a client whose window under `key` is full by a read, else counts the attempt.
  // `name` is the limit's (Failure::limit).
  Task<Result<void>> admit_client(const Limit& limit, std::string_view name, std::string key);
  // Code::too_many_attempts when the window under `key` is full. A read only.
  Task<Result<void>> check_limit(const Limit& limit, std::string_view name, std::string key);
  // Counts an attempt under `key` and fails with too_many_attempts when it is over the limit.
  Task<Result<void>> take_attempt(const Limit& limit, std::string_view name, std::string key);
  Failure throttled(const store::Attempts& window, std::string_view name) const;

  store::Store& store_;
  security::PasswordHasher& hasher_;
  Throttling limits_;
  ClockFn clock_;
  metrics::AccountMetrics* const metrics_;  // may be null
};

}  // namespace vestibule::accounts
