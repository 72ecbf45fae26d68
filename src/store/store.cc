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

Task<Result<std::uint64_t>> Store::backup(std::string) { co_return Error::unavailable; }

std::shared_ptr<spdlog::logger> logger_or_null(std::shared_ptr<spdlog::logger> given) {
  if (given) return given;
  return std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace vestibule::store
