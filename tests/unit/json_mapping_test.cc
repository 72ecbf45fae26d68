#include "api/json_mapping.h"
#include "api/user_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace vestibule::api {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
namespace beast_http = boost::beast::http;

http::Request request(std::optional<std::string_view> content_type, std::string body) {
  http::Request req{beast_http::verb::post, "/v1/users", 11};
  if (content_type) req.set(beast_http::field::content_type, *content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// `depth` objects nested inside each other: {"a":{"a":...{}...}}.
std::string nested_objects(int depth) {
  std::string body;
  for (int i = 1; i < depth; ++i) body += "{\"a\":";
  body += "{}";
  body += std::string(static_cast<std::size_t>(depth - 1), '}');
  return body;
}

boost::json::object object_of(std::string_view json) { return boost::json::parse(json).as_object(); }

accounts::TimePoint at(sys_days day, milliseconds time_of_day) {
  return accounts::TimePoint(duration_cast<milliseconds>(day.time_since_epoch()) + time_of_day);
}

TEST(ParseObject, ReadsAJsonObject) {
  auto parsed = parse_object(request("application/json", R"({"name":"Ada","n":1})"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->at("name").as_string(), "Ada");
  EXPECT_EQ(parsed->size(), 2u);
}

TEST(ParseObject, ReadsAnEmptyBodyAsAnEmptyObject) {
  // Whatever the Content-Type, so that the missing fields are then reported by name.
  for (std::optional<std::string_view> type : {std::optional<std::string_view>(), std::optional<std::string_view>("application/json"),
                                               std::optional<std::string_view>("text/plain")}) {
    auto parsed = parse_object(request(type, ""));
    ASSERT_TRUE(parsed) << type.value_or("(none)");
    EXPECT_TRUE(parsed->empty());
  }
}

TEST(ParseObject, RejectsOtherMediaTypesAsUnsupported) {
  for (std::string_view type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                                "application/json-patch+json", "multipart/form-data; boundary=x", ""}) {
    auto parsed = parse_object(request(type, "{}"));
    ASSERT_FALSE(parsed) << type;
    EXPECT_TRUE(parsed.error().unsupported_media_type) << type;
  }
}

TEST(ParseObject, RejectsAMissingContentTypeAsUnsupported) {
  auto parsed = parse_object(request(std::nullopt, "{}"));
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(parsed.error().unsupported_media_type);
}

TEST(ParseObject, AcceptsCharsetUtf8InAnySpelling) {
  for (std::string_view type : {"application/json; charset=utf-8", "application/json;charset=UTF-8",
                                "Application/JSON; Charset=\"utf-8\"", "application/json ; charset=utf-8 "}) {
    EXPECT_TRUE(parse_object(request(type, "{}"))) << type;
  }
}

TEST(ParseObject, RejectsOtherCharsetsAsUnsupported) {
  for (std::string_view type : {"application/json; charset=latin1", "application/json; charset=iso-8859-1",
                                "application/json; charset=utf-16", "application/json; charset=utf8"}) {
    auto parsed = parse_object(request(type, "{}"));
    ASSERT_FALSE(parsed) << type;
    EXPECT_TRUE(parsed.error().unsupported_media_type) << type;
  }
}

TEST(ParseObject, RejectsInvalidJsonAsMalformed) {
  for (std::string_view body : {"{", "{\"name\":}", "{'name':'Ada'}", "{\"a\":1,}", "{} {}", "nul"}) {
    auto parsed = parse_object(request("application/json", std::string(body)));
    ASSERT_FALSE(parsed) << body;
    EXPECT_FALSE(parsed.error().unsupported_media_type) << body;
    EXPECT_FALSE(parsed.error().detail.empty());
  }
}

TEST(ParseObject, RejectsJsonThatIsNotAnObject) {
  for (std::string_view body : {"[]", "[{\"name\":\"Ada\"}]", "\"Ada\"", "42", "null", "true"}) {
    auto parsed = parse_object(request("application/json", std::string(body)));
    ASSERT_FALSE(parsed) << body;
    EXPECT_FALSE(parsed.error().unsupported_media_type) << body;
  }
}

TEST(ParseObject, RejectsDeepNesting) {
  EXPECT_TRUE(parse_object(request("application/json", nested_objects(16))));
  auto too_deep = parse_object(request("application/json", nested_objects(17)));
  ASSERT_FALSE(too_deep);
  EXPECT_FALSE(too_deep.error().unsupported_media_type);
  // Far deeper input is refused the same way, not by exhausting the stack.
  EXPECT_FALSE(parse_object(request("application/json", nested_objects(100000))));
  EXPECT_FALSE(parse_object(request("application/json", std::string(100000, '['))));
}

TEST(ToRegistration, ReadsTheThreeFields) {
  auto r = to_registration(object_of(R"({"name":"Ada","email":"ada@example.com","password":"correct horse"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "Ada");
  EXPECT_EQ(r->email, "ada@example.com");
  EXPECT_EQ(r->password, "correct horse");
}

TEST(ToRegistration, LeavesAbsentFieldsUnset) {
  auto r = to_registration(object_of(R"({"email":"ada@example.com"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, std::nullopt);
  EXPECT_EQ(r->email, "ada@example.com");
  EXPECT_EQ(r->password, std::nullopt);
}

TEST(ToRegistration, KeepsEmptyStringsAsGiven) {
  auto r = to_registration(object_of(R"({"name":""})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "");
}

TEST(ToRegistration, RejectsFieldsOfOtherTypes) {
  for (std::string_view json : {R"({"name":1})", R"({"name":null})", R"({"email":["a@example.com"]})",
                                R"({"password":{"value":"x"}})", R"({"password":true})", R"({"password":12345678})"}) {
    auto r = to_registration(object_of(json));
    ASSERT_FALSE(r) << json;
    EXPECT_FALSE(r.error().unsupported_media_type);
  }
}

TEST(ToRegistration, NamesTheMistypedField) {
  auto r = to_registration(object_of(R"({"name":"Ada","email":42})"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("'email'"), std::string::npos) << r.error().detail;
}

TEST(ToRegistration, IgnoresExtraFields) {
  auto r = to_registration(object_of(
      R"({"name":"Ada","email":"ada@example.com","password":"correct horse","id":"x","created_at":1,"admin":true})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "Ada");
}

TEST(ToCredentials, ReadsEmailAndPasswordAndRejectsOtherTypes) {
  auto c = to_credentials(object_of(R"({"email":"ada@example.com","password":"pw","name":"ignored"})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->email, "ada@example.com");
  EXPECT_EQ(c->password, "pw");
  EXPECT_FALSE(to_credentials(object_of(R"({"password":0})")));
}

TEST(ToProfileChanges, ReadsTheFourFieldsAndRejectsOtherTypes) {
  auto p = to_profile_changes(object_of(R"({"name":"A","email":"e","password":"p","current_password":"c","id":"x"})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "A");
  EXPECT_EQ(p->email, "e");
  EXPECT_EQ(p->password, "p");
  EXPECT_EQ(p->current_password, "c");
  EXPECT_FALSE(to_profile_changes(object_of(R"({"current_password":null})")));
}

TEST(ToPasswordConfirmation, ReadsTheOptionalPassword) {
  EXPECT_EQ(to_password_confirmation(object_of(R"({"password":"pw"})")).value(), "pw");
  EXPECT_EQ(to_password_confirmation(object_of("{}")).value(), std::nullopt);
  EXPECT_FALSE(to_password_confirmation(object_of(R"({"password":1})")));
}

TEST(Rfc3339, FormatsTheEpoch) { EXPECT_EQ(rfc3339(accounts::TimePoint{}), "1970-01-01T00:00:00.000Z"); }

TEST(Rfc3339, FormatsMilliseconds) {
  EXPECT_EQ(rfc3339(at(2026y / November / 27, 18h + 30min + 123ms)), "2026-11-27T18:30:00.123Z");
  EXPECT_EQ(rfc3339(at(2026y / November / 27, 18h + 30min + 5ms)), "2026-11-27T18:30:00.005Z");
  EXPECT_EQ(rfc3339(at(2024y / February / 29, 23h + 59min + 59s + 999ms)), "2024-02-29T23:59:59.999Z");
}

TEST(Rfc3339, FormatsInstantsBefore1970) {
  EXPECT_EQ(rfc3339(accounts::TimePoint(-1ms)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339(accounts::TimePoint(-999ms)), "1969-12-31T23:59:59.001Z");
  EXPECT_EQ(rfc3339(accounts::TimePoint(-1000ms)), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(rfc3339(accounts::TimePoint(-1001ms)), "1969-12-31T23:59:58.999Z");
  EXPECT_EQ(rfc3339(at(1900y / January / 1, 0ms)), "1900-01-01T00:00:00.000Z");
}

TEST(ToJsonUser, HasExactlyThePublicKeys) {
  const accounts::User u{"0b7e2c7e-1f5d-4c8e-9a43-5f6c1a2b3c4d", "Ada", "ada@example.com",
                         accounts::TimePoint(1'700'000'000'000ms), accounts::TimePoint(1'700'000'000'001ms)};
  const boost::json::object o = to_json(u);
  std::set<std::string> keys;
  for (const auto& kv : o) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"id", "name", "email", "email_verified", "totp_enabled", "created_at",
                                         "updated_at"}));
  EXPECT_EQ(o.at("email_verified").as_bool(), false);
  EXPECT_EQ(o.at("id").as_string(), "0b7e2c7e-1f5d-4c8e-9a43-5f6c1a2b3c4d");
  EXPECT_EQ(o.at("name").as_string(), "Ada");
  EXPECT_EQ(o.at("email").as_string(), "ada@example.com");
  EXPECT_EQ(o.at("created_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(o.at("updated_at").as_string(), "2023-11-14T22:13:20.001Z");
}

TEST(ToJsonUser, ShowsAPendingAddressOnlyWhileThereIsOne) {
  accounts::User u{"0b7e2c7e-1f5d-4c8e-9a43-5f6c1a2b3c4d", "Ada", "ada@example.com",
                   accounts::TimePoint(1'700'000'000'000ms), accounts::TimePoint(1'700'000'000'001ms), true};
  EXPECT_FALSE(to_json(u).contains("pending_email"));
  EXPECT_EQ(to_json(u).at("email_verified").as_bool(), true);
  u.pending_email = "ada@lovelace.example.org";
  EXPECT_EQ(to_json(u).at("pending_email").as_string(), "ada@lovelace.example.org");
}

// What Boost.JSON writes for the user built as an object, member by member: user_json must
// write the same text, escapes included.
std::string generic_user_text(const accounts::User& u) {
  boost::json::object o{{"id", u.id},
                        {"name", u.name},
                        {"email", u.email},
                        {"email_verified", u.email_verified},
                        {"totp_enabled", u.totp_enabled},
                        {"created_at", rfc3339(u.created_at)},
                        {"updated_at", rfc3339(u.updated_at)}};
  if (!u.pending_email.empty()) o["pending_email"] = u.pending_email;
  return boost::json::serialize(o);
}

TEST(UserJson, IsWhatBoostJsonWritesForTheSameObject) {
  accounts::User u{"0b7e2c7e-1f5d-4c8e-9a43-5f6c1a2b3c4d", "Ada", "ada@example.com",
                   accounts::TimePoint(1'700'000'000'000ms), accounts::TimePoint(1'700'000'000'001ms)};
  EXPECT_EQ(user_json(u), generic_user_text(u));
  EXPECT_EQ(user_json(u),
            R"({"id":"0b7e2c7e-1f5d-4c8e-9a43-5f6c1a2b3c4d","name":"Ada","email":"ada@example.com",)"
            R"("email_verified":false,"totp_enabled":false,"created_at":"2023-11-14T22:13:20.000Z",)"
            R"("updated_at":"2023-11-14T22:13:20.001Z"})");
  // Every escape: quotes, backslashes, control characters, non-ASCII, and a string longer than
  // the writer's buffer.
  u.name = std::string("A \"quoted\" \\ name\n\t\x01\x1f caf\xc3\xa9 \xf0\x9f\x94\x91 ") + std::string(1500, 'x');
  u.email_verified = true;
  u.totp_enabled = true;
  u.pending_email = "new\"@example.org";
  EXPECT_EQ(user_json(u), generic_user_text(u));
  EXPECT_EQ(boost::json::parse(user_json(u)).as_object().at("name").as_string(), u.name);
}

TEST(UserJson, IsTheBodyOfAUserResponse) {
  const accounts::User u{"id-1", "Ada", "ada@example.com", accounts::TimePoint{}, accounts::TimePoint{}};
  const http::Response res = user_response(http::Status::ok, u);
  EXPECT_EQ(res.result(), http::Status::ok);
  EXPECT_EQ(res[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(res.body(), user_json(u));
  EXPECT_EQ(boost::json::parse(res.body()).as_object(), to_json(u));
}

TEST(IntrospectionResponse, IsTheBodyOfToJson) {
  const accounts::Introspection i{"acct-1", "ada@example.com", accounts::TimePoint(1'700'000'000'000ms),
                                  accounts::TimePoint(1'700'086'400'000ms)};
  const http::Response live = introspection_response(i);
  EXPECT_EQ(live.result(), http::Status::ok);
  EXPECT_EQ(boost::json::parse(live.body()).as_object(), to_json(std::optional(i)));
  EXPECT_EQ(introspection_response(std::nullopt).body(), R"({"active":false})");
}

TEST(ToJsonLogin, DescribesTheBearerTokenAndTheUser) {
  const accounts::User u{"id-1", "Ada", "ada@example.com", accounts::TimePoint{}, accounts::TimePoint{}};
  const accounts::Login l{"tok", accounts::TimePoint(86'400'000ms), 86400s, u};
  const boost::json::object o = to_json(l);
  EXPECT_EQ(o.size(), 5u);
  EXPECT_EQ(o.at("token").as_string(), "tok");
  EXPECT_EQ(o.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(o.at("expires_in").to_number<std::int64_t>(), 86400);
  EXPECT_EQ(o.at("expires_at").as_string(), "1970-01-02T00:00:00.000Z");
  EXPECT_EQ(o.at("user").as_object(), to_json(u));
}

TEST(JsonResponse, SerialisesTheBodyAsJson) {
  boost::json::object body{{"a", 1}};
  const http::Response res = json_response(http::Status::created, body);
  EXPECT_EQ(res.result(), http::Status::created);
  EXPECT_EQ(res[beast_http::field::content_type], "application/json");
  EXPECT_EQ(boost::json::parse(res.body()), boost::json::value(body));
}

}  // namespace
}  // namespace vestibule::api

namespace vestibule::api {
namespace {

using namespace std::chrono_literals;

TEST(ParseRfc3339, ReadsUtcOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), accounts::TimePoint(0ms));
  EXPECT_EQ(parse_rfc3339("2026-11-27T18:30:00.123Z"), accounts::TimePoint(1'795'804'200'123ms));
  EXPECT_EQ(parse_rfc3339("2026-11-27T19:30:00.123+01:00"), accounts::TimePoint(1'795'804'200'123ms));
  EXPECT_EQ(parse_rfc3339("2026-11-27t18:30:00.1234567z"), accounts::TimePoint(1'795'804'200'123ms))
      << "digits past milliseconds are dropped";
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00-00:30"), accounts::TimePoint(1'709'166'600'000ms));
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59.5Z"), accounts::TimePoint(-500ms));
  // Round trip with what we write.
  const accounts::TimePoint t(1'795'804'200'123ms);
  EXPECT_EQ(parse_rfc3339(rfc3339(t)), t);
}

TEST(ParseRfc3339, RefusesWhatIsNotADateTime) {
  for (std::string_view text : {"", "2026-11-27", "2026-11-27T18:30:00", "2026-13-01T00:00:00Z",
                                "2023-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-27T24:00:00Z",
                                "2026-11-27T18:30:00.Z", "2026-11-27T18:30:00Z ", "2026-11-27T18:30:00+0100",
                                "26-11-27T18:30:00Z", "yesterday", "2026-11-27T18:30:00.1234567891Z"}) {
    EXPECT_FALSE(parse_rfc3339(text)) << text;
  }
}

}  // namespace
}  // namespace vestibule::api
