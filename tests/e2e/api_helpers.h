// Calls and checks shared by the end-to-end tests: unique test accounts, registering and logging
// in, and predicates for the shapes docs/openapi.yaml promises (problem details, the standard
// response headers, tokens, UUIDs, timestamps). Checks return testing::AssertionResult so that a
// failure message shows the whole response.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_client.h"

namespace vestibule::e2e {

inline constexpr std::string_view kPassword = "correct horse battery";

// The WWW-Authenticate challenges of a 401 (RFC 6750): without credentials, and for a token that
// is malformed, unknown, expired or revoked.
inline constexpr std::string_view kBearerChallenge = R"(Bearer realm="vestibule")";
inline constexpr std::string_view kInvalidTokenChallenge = R"(Bearer realm="vestibule", error="invalid_token")";

// An address no other call in this process returns: "<tag>-<n>@e2e.example.com".
std::string unique_email(std::string_view tag);

struct Account {
  std::string id;
  std::string name;
  std::string email;  // as the server normalised it
  std::string password;
};

// Registers a new account under a unique address; a failure is recorded unless the answer is 201.
Account register_account(HttpClient& client, std::string_view tag, std::string_view password = kPassword);

// Logs in and returns the bearer token; "" (and a recorded failure) unless the answer is 201.
std::string login(HttpClient& client, std::string_view email, std::string_view password);
inline std::string login(HttpClient& client, const Account& a) { return login(client, a.email, a.password); }

// The body as a JSON object; an empty object (and a recorded failure) if it is not one.
boost::json::object body_object(const Response& res);

std::set<std::string> keys_of(const boost::json::object& o);

// {field, code} of every entry in a validation_failed problem's `errors`.
std::vector<std::pair<std::string, std::string>> field_errors(const Response& res);

// A problem+json answer with this status and code: type, title (the reason phrase), status,
// detail, code, instance matching X-Request-Id, and `errors` exactly for validation_failed.
testing::AssertionResult is_problem(const Response& res, unsigned status, std::string_view code);

// X-Request-Id (a usable id), Cache-Control: no-store and X-Content-Type-Options: nosniff.
testing::AssertionResult has_standard_headers(const Response& res);

// A User object: exactly id, name, email, created_at, updated_at, of the right formats.
testing::AssertionResult is_user(const boost::json::object& o);

bool is_uuid_v4(std::string_view s);
bool is_token(std::string_view s);  // 43 characters of base64url

// Milliseconds since the epoch of an RFC 3339 UTC timestamp with milliseconds ("...T09:20:11.042Z").
std::optional<std::int64_t> timestamp_ms(std::string_view s);

// The string `v` holds, or a description of what it holds instead, so that comparing a JSON
// member with a std::string reads plainly and fails readably.
std::string text(const boost::json::value& v);

// The response as text, for failure messages.
std::string describe(const Response& res);

}  // namespace vestibule::e2e
