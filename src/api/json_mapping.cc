#include "api/json_mapping.h"

#include <fmt/format.h>

#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/throw_exception.hpp>
#include <algorithm>
#include <cstdint>

#include "api/user_json.h"
#include "util/timestamps.h"

namespace vestibule::api {
namespace {

namespace beast_http = boost::beast::http;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// application/json, optionally with charset=utf-8 (RFC 8259 allows no other encoding).
bool is_json_media_type(std::string_view content_type) {
  const std::size_t semi = content_type.find(';');
  if (!boost::beast::iequals(trim(content_type.substr(0, semi)), "application/json")) return false;
  if (semi == std::string_view::npos) return true;
  std::string_view params = content_type.substr(semi + 1);
  while (!params.empty()) {
    const std::size_t next = params.find(';');
    std::string_view param = trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (boost::beast::iequals(trim(param.substr(0, eq)), "charset")) {
      std::string_view value = trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      if (!boost::beast::iequals(value, "utf-8")) return false;
    }
  }
  return true;
}

}  // namespace

Mapped<std::optional<std::string>> string_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return BodyError{false, fmt::format("Field '{}' must be a string.", key)};
  return std::optional<std::string>(std::string(v->get_string()));
}

Mapped<std::optional<bool>> bool_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v) return std::optional<bool>();
  if (!v->is_bool()) return BodyError{false, fmt::format("Field '{}' must be true or false.", key)};
  return std::optional<bool>(v->get_bool());
}

void throw_exception_from_error(const BodyError& e, const boost::source_location& loc) {
  boost::throw_exception(std::invalid_argument(e.detail), loc);
}

Mapped<boost::json::object> parse_object(const http::Request& req) {
  if (req.body().empty()) return boost::json::object();
  if (!is_json_media_type(req[beast_http::field::content_type])) {
    return BodyError{true, "The body must be JSON (Content-Type: application/json)."};
  }
  boost::json::parse_options options;
  options.max_depth = 16;  // our bodies are flat; deep nesting is only ever an attack
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(req.body(), ec, {}, options);
  if (ec) return BodyError{false, "The body is not valid JSON: " + ec.message() + "."};
  if (!v.is_object()) return BodyError{false, "The body must be a JSON object."};
  return std::move(v.get_object());
}

Mapped<accounts::Registration> to_registration(const boost::json::object& o) {
  accounts::Registration r;
  for (auto [key, out] : {std::pair{"name", &r.name}, {"email", &r.email}, {"password", &r.password}}) {
    auto field = string_field(o, key);
    if (!field) return field.error();
    *out = std::move(*field);
  }
  return r;
}

Mapped<accounts::Credentials> to_credentials(const boost::json::object& o) {
  accounts::Credentials c;
  for (auto [key, out] : {std::pair{"email", &c.email}, {"password", &c.password}}) {
    auto field = string_field(o, key);
    if (!field) return field.error();
    *out = std::move(*field);
  }
  return c;
}

Mapped<accounts::ProfileChanges> to_profile_changes(const boost::json::object& o) {
  accounts::ProfileChanges p;
  for (auto [key, out] : {std::pair{"name", &p.name}, {"email", &p.email}, {"password", &p.password},
                          {"current_password", &p.current_password}}) {
    auto field = string_field(o, key);
    if (!field) return field.error();
    *out = std::move(*field);
  }
  return p;
}

Mapped<std::optional<std::string>> to_password_confirmation(const boost::json::object& o) {
  return string_field(o, "password");
}

Mapped<accounts::NewUser> to_new_user(const boost::json::object& o) {
  accounts::NewUser u;
  for (auto [key, out] : {std::pair{"name", &u.name}, {"email", &u.email}, {"password", &u.password},
                          {"password_hash", &u.password_hash}, {"id", &u.id}}) {
    auto field = string_field(o, key);
    if (!field) return field.error();
    *out = std::move(*field);
  }
  auto verified = bool_field(o, "email_verified");
  if (!verified) return verified.error();
  u.email_verified = verified->value_or(false);
  auto created = string_field(o, "created_at");
  if (!created) return created.error();
  if (*created) {
    u.created_at = parse_rfc3339(**created);
    if (!u.created_at) return BodyError{false, "Field 'created_at' must be an RFC 3339 date-time."};
  }
  return u;
}

Mapped<accounts::UserEdit> to_user_edit(const boost::json::object& o) {
  accounts::UserEdit e;
  for (auto [key, out] : {std::pair{"name", &e.name}, {"email", &e.email}}) {
    auto field = string_field(o, key);
    if (!field) return field.error();
    *out = std::move(*field);
  }
  for (auto [key, out] : {std::pair{"email_verified", &e.email_verified}, {"disabled", &e.disabled},
                          {"totp_enabled", &e.totp_enabled}}) {
    auto field = bool_field(o, key);
    if (!field) return field.error();
    *out = *field;
  }
  return e;
}

namespace {

// Reads exactly `digits` decimal digits from the front of `s`.
std::optional<int> digits_at(std::string_view& s, std::size_t digits) {
  if (s.size() < digits) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  s.remove_prefix(digits);
  return value;
}

bool take(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

// Days from 1970-01-01 to the given civil date (proleptic Gregorian; H. Hinnant's algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

std::optional<accounts::TimePoint> parse_rfc3339(std::string_view s) {
  auto year = digits_at(s, 4);
  if (!year || !take(s, '-')) return std::nullopt;
  auto month = digits_at(s, 2);
  if (!month || !take(s, '-')) return std::nullopt;
  auto day = digits_at(s, 2);
  if (!day || s.empty() || (s.front() != 'T' && s.front() != 't' && s.front() != ' ')) return std::nullopt;
  s.remove_prefix(1);
  auto hour = digits_at(s, 2);
  if (!hour || !take(s, ':')) return std::nullopt;
  auto minute = digits_at(s, 2);
  if (!minute || !take(s, ':')) return std::nullopt;
  auto second = digits_at(s, 2);
  if (!second) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
  if (*month < 1 || *month > 12 || *day < 1 || *day > kDays[*month - 1] || (*month == 2 && *day == 29 && !leap) ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  int millis = 0;
  if (take(s, '.')) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
      if (n < 3) millis = millis * 10 + (s[n] - '0');
      ++n;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = n; i < 3; ++i) millis *= 10;
    s.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (take(s, 'Z') || take(s, 'z')) {
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '+' ? 1 : -1;
    s.remove_prefix(1);
    auto oh = digits_at(s, 2);
    if (!oh || !take(s, ':')) return std::nullopt;
    auto om = digits_at(s, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  // A leap second reads as the second after it (time points have none).
  const std::int64_t secs = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 +
                            std::min(*second, 59) + (*second == 60 ? 1 : 0) - offset_minutes * 60;
  return accounts::TimePoint(std::chrono::milliseconds(secs * 1000 + millis));
}

std::string rfc3339(accounts::TimePoint t) { return util::rfc3339_millis(t); }

boost::json::object to_json(const accounts::User& u) { return boost::json::parse(user_json(u)).as_object(); }

boost::json::object to_admin_json(const accounts::User& u) {
  boost::json::object o = to_json(u);
  o["disabled"] = u.disabled;
  return o;
}

boost::json::object to_json(const accounts::UserPage& page) {
  boost::json::array users;
  users.reserve(page.users.size());
  for (const accounts::User& u : page.users) users.push_back(to_admin_json(u));
  boost::json::object o{{"users", std::move(users)}};
  if (page.next_cursor) o["next_cursor"] = *page.next_cursor;
  else o["next_cursor"] = nullptr;
  return o;
}

boost::json::object to_json(const std::vector<accounts::SessionView>& sessions) {
  boost::json::array list;
  list.reserve(sessions.size());
  for (const accounts::SessionView& s : sessions) {
    list.push_back(boost::json::object{{"id", s.id},
                                       {"created_at", rfc3339(s.created_at)},
                                       {"expires_at", rfc3339(s.expires_at)},
                                       {"last_used_at", rfc3339(s.last_used_at)},
                                       {"current", s.current},
                                       {"user_agent", s.user_agent},
                                       {"client_address", s.client_address}});
  }
  return {{"sessions", std::move(list)}};
}

boost::json::object to_json(const std::optional<accounts::Introspection>& i, boost::json::storage_ptr sp) {
  if (!i) return boost::json::object({{"active", false}}, std::move(sp));
  const auto seconds = [](accounts::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  return boost::json::object({{"active", true},
                              {"sub", i->account_id},
                              {"username", i->email},
                              {"token_type", "Bearer"},
                              {"iat", seconds(i->issued_at)},
                              {"exp", seconds(i->expires_at)}},
                             std::move(sp));
}

boost::json::object accepted_body(std::string_view message) { return {{"status", "accepted"}, {"message", message}}; }

boost::json::object to_json(const accounts::Login& l) {
  if (l.mfa) return {{"mfa_required", true}, {"mfa_token", l.mfa->mfa_token}, {"expires_in", l.mfa->expires_in.count()}};
  return {{"token", l.token},
          {"token_type", "Bearer"},
          {"expires_in", l.expires_in.count()},
          {"expires_at", rfc3339(l.expires_at)},
          {"user", to_json(l.user)}};
}

boost::json::object to_json(const accounts::TotpEnrolment& e) {
  return {{"secret", e.secret}, {"otpauth_uri", e.otpauth_uri}};
}

boost::json::object recovery_codes_json(const std::vector<std::string>& codes) {
  boost::json::array list;
  for (const std::string& c : codes) list.push_back(boost::json::string(c));
  return {{"recovery_codes", std::move(list)}};
}

http::Response json_response(http::Status status, const boost::json::object& body) {
  http::Response res{status, 11};
  res.set(beast_http::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  return res;
}

namespace {

// Builds the body in an arena on this stack frame, freed at once when it returns: no allocation
// for the object and its strings, and no destructor walk, only the serialized body's.
template <class T>
http::Response arena_json_response(http::Status status, const T& value) {
  unsigned char arena[2048];
  boost::json::monotonic_resource mr(arena, sizeof arena);
  return json_response(status, to_json(value, &mr));
}

}  // namespace

http::Response user_response(http::Status status, const accounts::User& u) {
  http::Response res{status, 11};
  res.set(beast_http::field::content_type, "application/json");
  res.body() = user_json(u);
  return res;
}

http::Response introspection_response(const std::optional<accounts::Introspection>& i) {
  return arena_json_response(http::Status::ok, i);
}

}  // namespace vestibule::api
