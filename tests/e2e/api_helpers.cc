#include "api_helpers.h"

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <atomic>
#include <ctime>
#include <regex>
#include <sstream>

namespace vestibule::e2e {

namespace json = boost::json;

std::string unique_email(std::string_view tag) {
  static std::atomic<int> next{0};
  return std::string(tag) + "-" + std::to_string(++next) + "@example.com";
}

Account register_account(HttpClient& client, std::string_view tag, std::string_view password) {
  const std::string email = unique_email(tag);
  const std::string name = "User " + std::string(tag);
  Response res = client.post("/v1/users", {{"name", name}, {"email", email}, {"password", password}});
  EXPECT_EQ(res.result_int(), 201u) << describe(res);
  json::object user = body_object(res);
  Account a{"", name, email, std::string(password)};
  if (auto* id = user.if_contains("id"); id && id->is_string()) a.id = id->get_string();
  if (auto* e = user.if_contains("email"); e && e->is_string()) a.email = e->get_string();
  return a;
}

std::string login(HttpClient& client, std::string_view email, std::string_view password) {
  Response res = client.post("/v1/sessions", {{"email", email}, {"password", password}});
  EXPECT_EQ(res.result_int(), 201u) << describe(res);
  json::object session = body_object(res);
  if (auto* token = session.if_contains("token"); token && token->is_string()) return std::string(token->get_string());
  return "";
}

json::object body_object(const Response& res) {
  boost::system::error_code ec;
  json::value v = json::parse(res.body(), ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "expected a JSON object body in:\n" << describe(res);
    return {};
  }
  return std::move(v.get_object());
}

std::set<std::string> keys_of(const json::object& o) {
  std::set<std::string> keys;
  for (const auto& kv : o) keys.emplace(kv.key());
  return keys;
}

std::vector<std::pair<std::string, std::string>> field_errors(const Response& res) {
  std::vector<std::pair<std::string, std::string>> out;
  json::object body = body_object(res);
  const json::value* errors = body.if_contains("errors");
  if (!errors || !errors->is_array()) return out;
  for (const json::value& e : errors->get_array()) {
    const json::object* o = e.if_object();
    if (!o || !o->contains("field") || !o->contains("code")) continue;
    const json::value& field = o->at("field");
    const json::value& code = o->at("code");
    if (field.is_string() && code.is_string()) out.emplace_back(field.get_string(), code.get_string());
  }
  return out;
}

namespace {

bool is_string_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string();
}

std::string_view string_member(const json::object& o, std::string_view key) {
  return is_string_member(o, key) ? std::string_view(o.at(key).get_string()) : std::string_view();
}

}  // namespace

testing::AssertionResult is_problem(const Response& res, unsigned status, std::string_view code) {
  auto fail = [&](std::string_view why) { return testing::AssertionFailure() << why << " in:\n" << describe(res); };
  if (res.result_int() != status) return fail("expected status " + std::to_string(status));
  if (res[http::field::content_type] != "application/problem+json") return fail("expected application/problem+json");
  boost::system::error_code ec;
  json::value v = json::parse(res.body(), ec);
  if (ec || !v.is_object()) return fail("expected a JSON object body");
  const json::object& o = v.get_object();
  for (std::string_view key : {"type", "title", "detail", "code", "instance"}) {
    if (!is_string_member(o, key) || string_member(o, key).empty()) {
      return fail("expected a non-empty string member '" + std::string(key) + "'");
    }
  }
  if (string_member(o, "code") != code) return fail("expected code " + std::string(code));
  if (string_member(o, "type") != "urn:vestibule:problem:" + std::string(code)) return fail("wrong type");
  const std::string_view reason = http::obsolete_reason(http::int_to_status(status));
  if (string_member(o, "title") != reason) return fail("expected title '" + std::string(reason) + "'");
  const json::value* s = o.if_contains("status");
  if (!s || !s->is_number() || s->to_number<unsigned>() != status) return fail("wrong status member");
  if (string_member(o, "instance") != "urn:vestibule:request:" + std::string(res["X-Request-Id"])) {
    return fail("instance does not name the X-Request-Id");
  }
  const json::value* errors = o.if_contains("errors");
  if (code == "validation_failed") {
    if (!errors || !errors->is_array() || errors->get_array().empty()) return fail("expected a non-empty errors array");
    for (const json::value& e : errors->get_array()) {
      const json::object* item = e.if_object();
      if (!item || keys_of(*item) != std::set<std::string>{"field", "code", "message"} ||
          !is_string_member(*item, "field") || !is_string_member(*item, "code") || !is_string_member(*item, "message")) {
        return fail("every error must be exactly {field, code, message} strings");
      }
    }
  } else if (errors) {
    return fail("only validation_failed carries errors");
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult has_standard_headers(const Response& res) {
  static const std::regex kRequestId("[A-Za-z0-9._-]{1,64}");
  const std::string id(res["X-Request-Id"]);
  if (!std::regex_match(id, kRequestId)) return testing::AssertionFailure() << "bad X-Request-Id in:\n" << describe(res);
  if (res[http::field::cache_control] != "no-store") {
    return testing::AssertionFailure() << "expected Cache-Control: no-store in:\n" << describe(res);
  }
  if (res["X-Content-Type-Options"] != "nosniff") {
    return testing::AssertionFailure() << "expected X-Content-Type-Options: nosniff in:\n" << describe(res);
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult is_user(const json::object& o) {
  auto fail = [&](std::string_view why) {
    return testing::AssertionFailure() << why << " in " << json::serialize(o);
  };
  std::set<std::string> keys = keys_of(o);
  keys.erase("pending_email");  // only while an address change waits for its link
  if (keys != std::set<std::string>{"id", "name", "email", "email_verified", "totp_enabled", "created_at", "updated_at"}) {
    return fail(
        "expected exactly id, name, email, email_verified, totp_enabled, created_at, updated_at (and pending_email)");
  }
  if (!o.at("email_verified").is_bool()) return fail("email_verified is not a boolean");
  if (!o.at("totp_enabled").is_bool()) return fail("totp_enabled is not a boolean");
  if (!is_uuid_v4(string_member(o, "id"))) return fail("id is not a lower-case version 4 UUID");
  if (string_member(o, "name").empty() || string_member(o, "email").empty()) return fail("empty name or email");
  if (!timestamp_ms(string_member(o, "created_at")) || !timestamp_ms(string_member(o, "updated_at"))) {
    return fail("timestamps must be RFC 3339 UTC with milliseconds");
  }
  return testing::AssertionSuccess();
}

bool is_uuid_v4(std::string_view s) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(s.begin(), s.end(), kUuid);
}

bool is_token(std::string_view s) {
  static const std::regex kToken("[A-Za-z0-9_-]{43}");
  return std::regex_match(s.begin(), s.end(), kToken);
}

std::optional<std::int64_t> timestamp_ms(std::string_view s) {
  static const std::regex kTimestamp(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(s.begin(), s.end(), m, kTimestamp)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1].str()) - 1900;
  tm.tm_mon = std::stoi(m[2].str()) - 1;
  tm.tm_mday = std::stoi(m[3].str());
  tm.tm_hour = std::stoi(m[4].str());
  tm.tm_min = std::stoi(m[5].str());
  tm.tm_sec = std::stoi(m[6].str());
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + std::stoi(m[7].str());
}

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return "<not a string: " + json::serialize(v) + ">";
}

std::string describe(const Response& res) {
  std::ostringstream out;
  out << res.base() << res.body();
  return out.str();
}

}  // namespace vestibule::e2e
