// The values of the account rules: what clients see of an account (User), who is calling
// (Principal), the request inputs and results, and the options. Plain values.
#pragma once

#include <chrono>
#include <functional>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "accounts/throttle.h"
#include "security/password_policy.h"
#include "security/secret_box.h"
#include "store/store.h"

namespace spdlog {
class logger;
}

namespace vestibule::accounts {

using store::TimePoint;

// What clients may see of an account: never the password hash.
struct User {
  std::string id;
  std::string name;
  std::string email;
  TimePoint created_at;
  TimePoint updated_at;
  bool email_verified = false;
  std::string pending_email{};  // empty: no address change waiting for its link
  bool disabled = false;        // shown to operators (admin API) only
  bool totp_enabled = false;    // a confirmed second factor (never the secret)
};

// What a client may see of a stored account.
inline User user_of(const store::AccountSummary& a) {
  return User{a.id,           a.name,         a.email,    a.created_at,   a.updated_at,
              a.email_verified, a.pending_email, a.disabled, a.totp_enabled};
}
inline User user_of(store::AccountSummary&& a) {
  return User{std::move(a.id),    std::move(a.name),          std::move(a.email), a.created_at,   a.updated_at,
              a.email_verified, std::move(a.pending_email), a.disabled,         a.totp_enabled};
}
inline User user_of(const store::Account& a) {
  return User{a.id,           a.name,         a.email,    a.created_at,      a.updated_at,
              a.email_verified, a.pending_email, a.disabled, a.totp_enabled()};
}

// One of an account's sessions as its owner sees it (GET /v1/sessions): never the token or its
// digest.
struct SessionView {
  std::string id;
  TimePoint created_at;
  TimePoint expires_at;
  TimePoint last_used_at;  // coarse: kTouchInterval
  bool current = false;    // the session of the request that asked
  std::string user_agent;  // at most kMaxUserAgentBytes
  std::string client_address;
};

// A session's last_used_at is written at most this often, so checking a token stays a read.
inline constexpr std::chrono::seconds kTouchInterval{60};
// The longest User-Agent a session keeps (longer ones are cut; bytes other than visible ASCII
// are kept as '?').
inline constexpr std::size_t kMaxUserAgentBytes = 256;
// The most live sessions an account keeps: a login past it ends the oldest (store::Session::
// keep_newest), so listing and revoking an account's sessions stay bounded work.
inline constexpr std::size_t kMaxSessionsPerAccount = 100;

// The request an operation serves, as the accounts layer needs it: its id for every audit line
// (so an operator finds all lines of one request, and the X-Request-Id a proxy chose), the
// caller's address for the per-client limits and the session list, and its User-Agent for the
// session list. Passed explicitly, never kept anywhere "current": a request is a coroutine that
// may resume on any thread. Empty fields are unknown (tests, tools); an empty client skips the
// per-client limits. A plain value. Operations default it for tests and tools calling them
// from plain code; a coroutine passes a named one (a defaulted argument is a braced temporary
// in the co_await expression, which g++ 12 destroys twice: STYLE.md section 10).
struct RequestContext {
  std::string request_id{};  // http::Exchange::request_id
  std::string client{};      // http::Exchange::client
  std::string user_agent{};  // as sent; a session keeps it cut to kMaxUserAgentBytes
  // request_id as an audit line writes it: "-" when unknown.
  std::string_view logged_id() const { return request_id.empty() ? std::string_view("-") : request_id; }
};

// What a resource server learns of a live token (RFC 7662 introspection).
struct Introspection {
  std::string account_id;
  std::string email;
  TimePoint issued_at;
  TimePoint expires_at;
};

// The authenticated caller of a request: the account as it was when the token was checked, the
// digest of that token, and the request it was checked for (RequestContext), which the
// operations on it use for their limits and audit lines. It carries no password hash and no
// second-factor secret (it may come from the session cache, which holds none): an operation
// that needs them reads the account (reauthenticate()). A plain value.
class Principal {
 public:
  Principal() = default;  // nobody: no account, matches no password (for containers and futures)
  const std::string& account_id() const { return user_.id; }
  const User& user() const { return user_; }
  const std::string& token_digest() const { return token_digest_; }
  // The session the token opened: its public id and lifetime.
  const std::string& session_id() const { return session_id_; }
  TimePoint session_created_at() const { return session_created_at_; }
  TimePoint session_expires_at() const { return session_expires_at_; }
  const RequestContext& request() const { return request_; }

 private:
  friend class AccountService;
  friend class MailFlows;
  friend class SecondFactor;
  friend Task<Result<std::string>> reauthenticate(store::Store&, Throttle&, spdlog::logger&, const Principal&,
                                                  TimePoint, const std::string&, std::string_view);
  Principal(User user, std::string email_key, std::string token_digest)
      : user_(std::move(user)), email_key_(std::move(email_key)), token_digest_(std::move(token_digest)) {}

  User user_;
  std::string email_key_;
  std::string token_digest_;
  std::string session_id_{};
  TimePoint session_created_at_{};
  TimePoint session_expires_at_{};
  RequestContext request_{};
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

// A sign-in whose password matched for an account with a second factor: no session yet, but an
// mfa_token (single use, ServiceOptions::mfa_token_ttl) to present with a code.
struct MfaChallenge {
  std::string mfa_token;  // the only time it exists outside the client
  std::chrono::seconds expires_in;
};

// A login's result: a session, or (`mfa` set) the challenge of a second factor, and then no
// token, no expiry and no user.
struct Login {
  std::string token;  // the only time the token exists outside the client
  TimePoint expires_at;
  std::chrono::seconds expires_in;
  User user;
  std::optional<MfaChallenge> mfa{};
};

// A TOTP enrolment waiting for its confirmation: the secret, shown this once.
struct TotpEnrolment {
  std::string secret;       // base32
  std::string otpauth_uri;  // for a QR code
};

// Whether an account must prove its address before it may log in (--email-verification).
//   optional: registration answers 201 (or 409 email_taken) and mails a verification link; an
//     address change applies at once and is unverified until its link is followed.
//   required: additionally a login before verification gets email_not_verified (after the
//     password matched); registration answers "accepted" alike for new and taken addresses (the
//     owner of a taken one gets a notice instead), so it tells nobody which addresses have
//     accounts; an address change waits (pending_email) until the new address is proven.
enum class EmailVerification { optional, required };

struct ServiceOptions {
  std::chrono::seconds token_ttl{86400};
  security::PasswordPolicy password_policy;  // default: length and similarity rules only
  Throttling throttling;
  EmailVerification email_verification = EmailVerification::optional;
  std::chrono::seconds reset_token_ttl{3600};
  std::chrono::seconds verification_token_ttl{86400};
  // The second factor. `secrets` seals TOTP secrets and keys the recovery codes' digests; without
  // it enrolment is Code::totp_unavailable (and so is a sign-in needing a TOTP secret opened).
  std::optional<security::SecretBox> secrets{};
  std::chrono::seconds mfa_token_ttl{300};
  std::string totp_issuer = "Vestibule";  // the name authenticator apps show
};

// Called after a change queued mail, so a courier can deliver at once instead of at its next
// poll. Must not block. Empty: nobody to tell.
using MailQueued = std::function<void()>;

}  // namespace vestibule::accounts
