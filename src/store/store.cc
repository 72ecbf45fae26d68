#include "store/store.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/throw_exception.hpp>

namespace vestibule::store {

const char* to_string(Error e) {
  switch (e) {
    case Error::not_found: return "not_found";
    case Error::email_taken: return "email_taken";
    case Error::id_taken: return "id_taken";
    case Error::unavailable: return "unavailable";
  }
  return "unknown";
}

void throw_exception_from_error(Error e, const boost::source_location& loc) {
  boost::throw_exception(std::logic_error(std::string("store result holds error ") + to_string(e)), loc);
}

void throw_exception_from_error(const OpenError& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.message), loc);
}

const char* to_string(TokenPurpose p) {
  switch (p) {
    case TokenPurpose::password_reset: return "password_reset";
    case TokenPurpose::email_verification: return "email_verification";
    case TokenPurpose::mfa_login: return "mfa_login";
  }
  return "unknown";
}

Task<Result<Account>> Store::find_account_by_session(std::string token_digest, TimePoint now) {
  auto found = co_await find_session(std::move(token_digest), now);
  if (!found) co_return found.error();
  co_return std::move(found->account);
}

AccountSummary summary_of(const Account& a) {
  return AccountSummary{.id = a.id,
                        .name = a.name,
                        .email = a.email,
                        .email_key = a.email_key,
                        .created_at = a.created_at,
                        .updated_at = a.updated_at,
                        .email_verified = a.email_verified,
                        .pending_email = a.pending_email,
                        .disabled = a.disabled,
                        .totp_enabled = a.totp_enabled()};
}

SessionSummary summary_of(const SessionAccount& found) {
  const Session& s = found.session;
  return SessionSummary{Session{.token_digest = s.token_digest,
                                .account_id = s.account_id,
                                .created_at = s.created_at,
                                .expires_at = s.expires_at,
                                .id = s.id,
                                .last_used_at = s.last_used_at},
                        summary_of(found.account)};
}

Task<Result<SessionSummary>> Store::check_session(std::string token_digest, TimePoint now) {
  auto found = co_await find_session(std::move(token_digest), now);
  if (!found) co_return found.error();
  co_return summary_of(*found);
}

boost::system::result<std::shared_ptr<SessionWatch>, OpenError> Store::watch_sessions(SessionCache&) {
  return std::shared_ptr<SessionWatch>();
}

Task<Result<std::uint64_t>> Store::backup(std::string) { co_return Error::unavailable; }

std::shared_ptr<spdlog::logger> logger_or_null(std::shared_ptr<spdlog::logger> given) {
  if (given) return given;
  return std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace vestibule::store
