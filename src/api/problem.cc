#include "api/problem.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace vestibule::api {
namespace {

namespace beast_http = boost::beast::http;
using accounts::Code;
using http::Status;

struct Mapping {
  Status status;
  std::string_view code;
  std::string_view detail;
};

Mapping map(Code code) {
  switch (code) {
    case Code::validation_failed:
      return {Status::unprocessable_entity, "validation_failed", "One or more fields are invalid; see errors."};
    case Code::email_taken:
      return {Status::conflict, "email_taken", "An account with this email address already exists."};
    case Code::invalid_credentials:
      // One answer for unknown email and wrong password: no account enumeration through login.
      return {Status::unauthorized, "invalid_credentials", "The email address or password is wrong."};
    case Code::invalid_password:
      return {Status::forbidden, "invalid_password", "The password given to confirm this change is wrong."};
    case Code::invalid_token:
      return {Status::unauthorized, "invalid_token", "A valid bearer token is required."};
    case Code::invalid_link_token:
      // The same code as a bad bearer token, but 400: the token is a field of the body here.
      return {Status::bad_request, "invalid_token", "The link is invalid, already used or expired; ask for a new one."};
    case Code::email_not_verified:
      return {Status::forbidden, "email_not_verified",
              "The email address is not verified yet; follow the link we sent (a new one is on its way)."};
    case Code::already_verified:
      return {Status::conflict, "already_verified", "The email address is already verified."};
    case Code::too_many_attempts:
      return {Status::too_many_requests, "too_many_attempts", "Too many attempts; retry after the time in Retry-After."};
    case Code::conflict:
      return {Status::conflict, "conflict", "The account changed meanwhile; retry."};
    case Code::not_found:
      return {Status::not_found, "not_found", "No such resource."};
    case Code::account_disabled:
      return {Status::forbidden, "account_disabled", "This account is disabled; contact the operator."};
    case Code::id_taken:
      return {Status::conflict, "id_taken", "An account with this id already exists."};
    case Code::backup_in_progress:
      return {Status::conflict, "backup_in_progress", "Another backup is being written: try again when it is done."};
    case Code::backup_unsupported:
      return {Status::conflict, "backup_unsupported",
              "This store has no online backup here: back up Redis with its own persistence (AOF, RDB)."};
    case Code::invalid_code:
      return {Status::unauthorized, "invalid_code", "The code is wrong, already used or expired."};
    case Code::invalid_mfa_token:
      return {Status::bad_request, "invalid_token",
              "The mfa_token is invalid, already used, expired or out of attempts; sign in again."};
    case Code::invalid_confirmation_code:
      // The same code as at sign-in, but 400: nobody is being authenticated here.
      return {Status::bad_request, "invalid_code",
              "The code does not match the new secret; check the authenticator app's clock and try again."};
    case Code::totp_enabled:
      return {Status::conflict, "totp_enabled", "Two-factor sign-in is already on; turn it off first."};
    case Code::totp_not_enabled:
      return {Status::conflict, "totp_not_enabled", "Two-factor sign-in is off."};
    case Code::totp_not_pending:
      return {Status::conflict, "totp_not_pending", "No enrolment is waiting for a code; start one first."};
    case Code::totp_unavailable:
      return {Status::service_unavailable, "totp_unavailable",
              "Two-factor sign-in is not available on this server (no secrets key)."};
    case Code::overloaded:
      return {Status::service_unavailable, "overloaded", "The server is busy; retry shortly."};
    case Code::store_unavailable:
      return {Status::service_unavailable, "store_unavailable", "The account store is unavailable; retry shortly."};
  }
  return {Status::internal_server_error, "internal_error", "An unexpected error occurred."};
}

}  // namespace

http::Response problem(Status status, std::string_view code, std::string_view detail, const http::Exchange& ex,
                       const std::vector<accounts::FieldError>& errors) {
  boost::json::object body;
  body["type"] = "urn:vestibule:problem:" + std::string(code);
  body["title"] = std::string(beast_http::obsolete_reason(status));
  body["status"] = static_cast<unsigned>(status);
  body["detail"] = detail;
  body["code"] = code;
  // The request id, so a user's bug report points at the exact log lines.
  body["instance"] = "urn:vestibule:request:" + ex.request_id;
  if (!errors.empty()) {
    boost::json::array list;
    for (const auto& e : errors) list.push_back(boost::json::object{{"field", e.field}, {"code", e.code}, {"message", e.message}});
    body["errors"] = std::move(list);
  }
  http::Response res{status, 11};
  res.set(beast_http::field::content_type, "application/problem+json");
  res.body() = boost::json::serialize(body);
  return res;
}

http::Response render_error(const http::ErrorInfo& info, const http::Exchange& ex) {
  return problem(info.status, info.code, info.detail, ex);
}

http::Response failure_response(const accounts::Failure& f, const http::Exchange& ex, bool token_sent) {
  const Mapping m = map(f.code);
  http::Response res = problem(m.status, m.code, m.detail, ex, f.fields);
  if (f.code == Code::invalid_token) {
    // RFC 6750 3.1: no error attribute when the request carried no token at all.
    res.set(beast_http::field::www_authenticate,
            token_sent ? R"(Bearer realm="vestibule", error="invalid_token")" : R"(Bearer realm="vestibule")");
  }
  // Transient: retry shortly. (totp_unavailable is how the server is configured: no retry helps.)
  if (m.status == Status::service_unavailable && f.code != Code::totp_unavailable) {
    res.set(beast_http::field::retry_after, "1");
  }
  if (f.code == Code::too_many_attempts) res.set(beast_http::field::retry_after, std::to_string(f.retry_after.count()));
  return res;
}

http::Response body_error(const BodyError& e, const http::Exchange& ex) {
  if (e.unsupported_media_type) return problem(Status::unsupported_media_type, "unsupported_media_type", e.detail, ex);
  return problem(Status::bad_request, "malformed_request", e.detail, ex);
}

}  // namespace vestibule::api
