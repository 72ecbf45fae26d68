#include "api/json_mapping.h"

#include <fmt/format.h>

#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/throw_exception.hpp>
#include <ctime>

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

std::string rfc3339(accounts::TimePoint t) {
  const std::int64_t ms = t.time_since_epoch().count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int frac = static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

boost::json::object to_json(const accounts::User& u) {
  boost::json::object o{{"id", u.id},
                        {"name", u.name},
                        {"email", u.email},
                        {"email_verified", u.email_verified},
                        {"created_at", rfc3339(u.created_at)},
                        {"updated_at", rfc3339(u.updated_at)}};
  if (!u.pending_email.empty()) o["pending_email"] = u.pending_email;
  return o;
}

boost::json::object accepted_body(std::string_view message) { return {{"status", "accepted"}, {"message", message}}; }

boost::json::object to_json(const accounts::Login& l) {
  return {{"token", l.token},
          {"token_type", "Bearer"},
          {"expires_in", l.expires_in.count()},
          {"expires_at", rfc3339(l.expires_at)},
          {"user", to_json(l.user)}};
}

http::Response json_response(http::Status status, const boost::json::object& body) {
  http::Response res{status, 11};
  res.set(beast_http::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  return res;
}

}  // namespace vestibule::api
