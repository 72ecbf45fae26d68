// JSON <-> domain values for the API: request bodies into accounts:: inputs (type checks only;
// the rules live in accounts/), domain results into response bodies. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "accounts/account_service.h"
#include "accounts/admin_service.h"
#include "http/message.h"

namespace vestibule::api {

// Why a body could not be mapped: becomes 400 malformed_request or 415.
struct BodyError {
  bool unsupported_media_type = false;
  std::string detail;
};
[[noreturn]] void throw_exception_from_error(const BodyError& e, const boost::source_location& loc);

template <typename T>
using Mapped = boost::system::result<T, BodyError>;

// The request body as a JSON object. Needs Content-Type application/json (charset utf-8 if
// given) unless the body is empty, which reads as {} so missing fields are reported by name.
Mapped<boost::json::object> parse_object(const http::Request& req);

// Fields other than these are ignored (no mass assignment of id or timestamps).
Mapped<accounts::Registration> to_registration(const boost::json::object& o);
Mapped<accounts::Credentials> to_credentials(const boost::json::object& o);
Mapped<accounts::ProfileChanges> to_profile_changes(const boost::json::object& o);
Mapped<std::optional<std::string>> to_password_confirmation(const boost::json::object& o);
// An optional string member; a present member of another type is a malformed request.
Mapped<std::optional<std::string>> string_field(const boost::json::object& o, std::string_view key);

// An optional boolean member; a present member of another type is a malformed request.
Mapped<std::optional<bool>> bool_field(const boost::json::object& o, std::string_view key);

// The admin API's bodies (POST /admin/v1/users, PATCH /admin/v1/users/{id}).
Mapped<accounts::NewUser> to_new_user(const boost::json::object& o);
Mapped<accounts::UserEdit> to_user_edit(const boost::json::object& o);

// RFC 3339 UTC with milliseconds, e.g. 2026-11-27T18:30:00.123Z.
std::string rfc3339(accounts::TimePoint t);
// An RFC 3339 date-time (any offset, fractions to milliseconds), or std::nullopt.
std::optional<accounts::TimePoint> parse_rfc3339(std::string_view text);

// The user as api/user_json.h writes it, as an object (for a body that contains it).
boost::json::object to_json(const accounts::User& u);
// A session, or for an account with a second factor {mfa_required, mfa_token, expires_in}.
boost::json::object to_json(const accounts::Login& l);
boost::json::object to_json(const accounts::TotpEnrolment& e);
// {"recovery_codes": [...]}
boost::json::object recovery_codes_json(const std::vector<std::string>& codes);
// {"sessions": [...]}, in the order given.
boost::json::object to_json(const std::vector<accounts::SessionView>& sessions);
// What an operator sees of an account: the user and whether it is disabled.
boost::json::object to_admin_json(const accounts::User& u);
boost::json::object to_json(const accounts::UserPage& page);
// RFC 7662 section 2.2: {"active": false} for std::nullopt.
boost::json::object to_json(const std::optional<accounts::Introspection>& i, boost::json::storage_ptr sp = {});
// The body of every 202: the same whatever happened behind it (it must not tell).
boost::json::object accepted_body(std::string_view message);

// A JSON response with the given status.
http::Response json_response(http::Status status, const boost::json::object& body);
// json_response(status, to_json(...)) for the hot path's bodies (GET /v1/users/me,
// introspection), without a heap allocation but the body's.
http::Response user_response(http::Status status, const accounts::User& u);
http::Response introspection_response(const std::optional<accounts::Introspection>& i);  // a 200

}  // namespace vestibule::api
