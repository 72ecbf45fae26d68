// The log as an operator reads it: every line of a request (its audit lines and its access
// line) carries the request's id, the one the client sent or the one the server made; and
// --log-format json prints nothing but JSON objects with a time, a level and an event.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <regex>
#include <sstream>

#include "api_helpers.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

// A request with a JSON body, a bearer token and an X-Request-Id, each when given.
Response send(HttpClient& client, http::verb method, std::string_view target, const std::optional<json::value>& body,
              std::string_view token, std::string_view request_id) {
  Request req{method, target, 11};
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
  if (!request_id.empty()) req.set("X-Request-Id", request_id);
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = json::serialize(*body);
  }
  return client.send(std::move(req));
}

// Each with a space at its end, so that "key=value " matches the last field too.
std::vector<std::string> lines_of(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line + " ");
  }
  return lines;
}

// The lines that hold every one of `parts`.
std::vector<std::string> lines_with(const std::string& log, std::initializer_list<std::string> parts) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(log)) {
    bool all = true;
    for (const std::string& part : parts) all = all && line.find(part) != std::string::npos;
    if (all) found.push_back(line);
  }
  return found;
}

TEST(RequestIdLogTest, EveryAuditLineAndTheAccessLineCarryTheClientsRequestId) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  const std::string email = unique_email("rid");
  const std::string password = "first-Secret-passphrase-1";
  const std::string new_password = "second-Secret-passphrase-2";

  ASSERT_EQ(send(client, http::verb::post, "/v1/users",
                 json::object{{"name", "Ada"}, {"email", email}, {"password", password}}, {}, "rid-register")
                .result_int(),
            201u);
  Response login = send(client, http::verb::post, "/v1/sessions", json::object{{"email", email}, {"password", password}},
                        {}, "rid-login");
  ASSERT_EQ(login.result_int(), 201u);
  const std::string token(body_object(login)["token"].as_string());
  EXPECT_EQ(send(client, http::verb::post, "/v1/sessions",
                 json::object{{"email", email}, {"password", "wrong-Secret-passphrase"}}, {}, "rid-login-failed")
                .result_int(),
            401u);
  EXPECT_EQ(send(client, http::verb::patch, "/v1/users/me",
                 json::object{{"password", new_password}, {"current_password", password}}, token, "rid-password")
                .result_int(),
            200u);
  EXPECT_EQ(send(client, http::verb::delete_, "/v1/sessions/current", std::nullopt, token, "rid-logout").result_int(),
            204u);
  Response second = send(client, http::verb::post, "/v1/sessions",
                         json::object{{"email", email}, {"password", new_password}}, {}, "rid-login-2");
  ASSERT_EQ(second.result_int(), 201u);
  const std::string second_token(body_object(second)["token"].as_string());
  EXPECT_EQ(send(client, http::verb::delete_, "/v1/users/me", json::object{{"password", new_password}}, second_token,
                 "rid-delete")
                .result_int(),
            204u);
  ASSERT_EQ(server->stop(), 0);  // the log is complete
  const std::string log = server->log();

  const std::vector<std::pair<std::string, std::string>> expected = {
      {"rid-register", "event=account.registered"},
      {"rid-login", "event=login.succeeded"},
      {"rid-login-failed", "event=login.failed"},
      {"rid-password", "event=password.changed"},
      {"rid-logout", "event=logout"},
      {"rid-login-2", "event=login.succeeded"},
      {"rid-delete", "event=account.deleted"},
  };
  for (const auto& [id, event] : expected) {
    const std::string tag = "request_id=" + id + " ";
    EXPECT_EQ(lines_with(log, {"logger=audit " + event + " ", tag}).size(), 1u) << id << " " << event << " in:\n" << log;
    EXPECT_EQ(lines_with(log, {"logger=http event=http.request ", tag}).size(), 1u) << id << " in:\n" << log;
    // And no other request's lines carry it.
    EXPECT_EQ(lines_with(log, {tag}).size(), 2u) << id << " in:\n" << log;
  }
  EXPECT_EQ(lines_with(log, {"event=login.failed ", "request_id=rid-login-failed ", " reason=invalid_credentials"}).size(), 1u)
      << log;
}

TEST(RequestIdLogTest, ARequestWithoutAnIdGetsOneInTheHeaderTheProblemAndTheLog) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  Response refused = send(client, http::verb::post, "/v1/sessions",
                          json::object{{"email", unique_email("noid")}, {"password", "wrong-Secret-passphrase"}}, {}, {});
  ASSERT_TRUE(is_problem(refused, 401, "invalid_credentials"));
  const std::string id(refused["X-Request-Id"]);
  ASSERT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{6}-[0-9]+"))) << id;
  EXPECT_EQ(body_object(refused)["instance"].as_string(), "urn:vestibule:request:" + id);
  ASSERT_EQ(server->stop(), 0);
  const std::string log = server->log();
  EXPECT_EQ(lines_with(log, {"logger=audit event=login.failed ", "request_id=" + id + " "}).size(), 1u) << log;
  EXPECT_EQ(lines_with(log, {"logger=http event=http.request request_id=" + id + " "}).size(), 1u) << log;
}

// A client's id that breaks the rule (too long, or a character outside [A-Za-z0-9._-]) is
// replaced, and the replacement is what the log carries: nothing the client typed.
TEST(RequestIdLogTest, AnUnusableIdIsReplacedInTheLogToo) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  const std::string too_long(65, 'a');
  const std::string fits(64, 'b');
  EXPECT_EQ(send(client, http::verb::get, "/healthz", std::nullopt, {}, fits)["X-Request-Id"], fits);
  Response replaced = send(client, http::verb::get, "/healthz", std::nullopt, {}, too_long);
  EXPECT_TRUE(std::regex_match(std::string(replaced["X-Request-Id"]), std::regex("[0-9a-f]{6}-[0-9]+")));
  Response quoted = send(client, http::verb::get, "/healthz", std::nullopt, {}, "x\"y=z");
  EXPECT_TRUE(std::regex_match(std::string(quoted["X-Request-Id"]), std::regex("[0-9a-f]{6}-[0-9]+")));
  ASSERT_EQ(server->stop(), 0);
  const std::string log = server->log();
  EXPECT_EQ(log.find(too_long), std::string::npos) << log;
  EXPECT_EQ(log.find("x\"y=z"), std::string::npos) << log;
  EXPECT_EQ(lines_with(log, {"request_id=" + fits + " "}).size(), 1u) << log;
  EXPECT_EQ(lines_with(log, {"request_id=" + std::string(replaced["X-Request-Id"]) + " "}).size(), 1u) << log;
}

// A refusal by a limit is on record: the operation's failure event, reason=throttled, and which
// limit refused.
TEST(RequestIdLogTest, AThrottledAttemptIsAuditedWithTheLimitThatRefusedIt) {
  ServerConfig config;
  config.extra_args = {"--login-account-limit", "1", "--register-client-limit", "1"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  Account a = register_account(client, "throttled");
  EXPECT_EQ(client.post("/v1/users", {{"name", "B"}, {"email", unique_email("b")}, {"password", kPassword}}).result_int(),
            429u);
  const json::object wrong{{"email", a.email}, {"password", "wrong-Secret-passphrase"}};
  EXPECT_EQ(send(client, http::verb::post, "/v1/sessions", wrong, {}, "rid-guess-1").result_int(), 401u);
  EXPECT_EQ(send(client, http::verb::post, "/v1/sessions", wrong, {}, "rid-guess-2").result_int(), 429u);
  ASSERT_EQ(server->stop(), 0);
  const std::string log = server->log();
  EXPECT_EQ(lines_with(log, {"event=registration.failed ", " reason=throttled limit=registrations_per_client client=127.0.0.1"})
                .size(),
            1u)
      << log;
  EXPECT_EQ(lines_with(log, {"event=login.failed ", "request_id=rid-guess-1 ", " reason=invalid_credentials"}).size(), 1u)
      << log;
  EXPECT_EQ(lines_with(log, {"event=login.failed ", "request_id=rid-guess-2 ",
                             " reason=throttled limit=failed_logins_per_account client=127.0.0.1"})
                .size(),
            1u)
      << log;
}

TEST(JsonLogTest, EveryLineIsAJsonObjectWithAnRfc3339TimeALevelAndAnEvent) {
  ServerConfig config;
  config.extra_args = {"--log-format", "json"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  Account a = register_account(client, "jsonlog");
  const std::string token = login(client, a);
  EXPECT_EQ(client.get("/v1/users/me", token).result_int(), 200u);
  EXPECT_EQ(client.post("/v1/sessions", {{"email", a.email}, {"password", "wrong-Secret-passphrase"}}).result_int(), 401u);
  EXPECT_EQ(send(client, http::verb::get, "/no/such/path", std::nullopt, {}, "rid-json").result_int(), 404u);
  ASSERT_EQ(server->stop(), 0);
  const std::string log = server->log();

  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  std::set<std::string> events;
  const std::vector<std::string> lines = lines_of(log);
  ASSERT_GE(lines.size(), 8u) << log;
  for (const std::string& line : lines) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(v.is_object()) << line;
    const json::object& o = v.as_object();
    for (std::string_view key : {"ts", "level", "logger", "event"}) {
      ASSERT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " missing in: " << line;
    }
    EXPECT_TRUE(std::regex_match(std::string(o.at("ts").as_string()), rfc3339)) << line;
    // The stores' own messages are free text (src/store, not this test's concern): the rest
    // names its event.
    const bool store_text = o.contains("msg") && (o.at("msg").as_string().starts_with("redis: ") ||
                                                  o.at("msg").as_string().starts_with("sqlite: "));
    if (!store_text) {
      EXPECT_NE(o.at("event").as_string(), "log.text") << "a line without an event: " << line;
    }
    events.insert(std::string(o.at("event").as_string()));
    if (o.at("event") == "http.request" && o.at("request_id") == "rid-json") {
      EXPECT_EQ(o.at("path"), "/no/such/path");
      EXPECT_EQ(o.at("status"), "404");
    }
  }
  for (const char* event : {"listening", "account.registered", "login.succeeded", "login.failed", "http.request",
                            "stopping", "stopped"}) {
    EXPECT_EQ(events.count(event), 1u) << event << " missing from:\n" << log;
  }
}

}  // namespace
}  // namespace vestibule::e2e
