// Token introspection for resource servers (RFC 7662): POST /v1/introspect with the shared
// secret answers what a live token is, and {"active": false} for anything else, without saying
// why; without a configured secret the route does not exist.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "api_helpers.h"
#include "shared_server_test.h"
#include "support/temp_dir.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

Request form_request(std::string_view body, std::string_view secret,
                     std::string_view content_type = "application/x-www-form-urlencoded") {
  Request req{http::verb::post, "/v1/introspect", 11};
  if (!secret.empty()) req.set(http::field::authorization, "Bearer " + std::string(secret));
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::string(body);
  return req;
}

// The answer for `token` (200 expected).
json::object introspect(HttpClient& client, std::string_view secret, std::string_view token) {
  Response res = client.send(form_request("token=" + std::string(token), secret));
  EXPECT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  return body_object(res);
}

const json::object kInactive{{"active", false}};

class IntrospectionTest : public SharedServerTest {
 protected:
  json::object introspect(std::string_view token) {
    return e2e::introspect(client(), server().introspection_secret(), token);
  }
};

TEST_F(IntrospectionTest, ALiveTokenIsActiveWithItsSubjectAndTimes) {
  Account a = register_account(client(), "introspect");
  Response login_res = client().post("/v1/sessions", {{"email", a.email}, {"password", a.password}});
  ASSERT_EQ(login_res.result_int(), 201u);
  json::object session = body_object(login_res);
  const std::string token = text(session.at("token"));

  json::object answer = introspect(token);
  EXPECT_EQ(keys_of(answer), (std::set<std::string>{"active", "sub", "username", "token_type", "iat", "exp"}))
      << json::serialize(answer);
  EXPECT_EQ(answer.at("active"), true);
  EXPECT_EQ(text(answer.at("sub")), a.id);
  EXPECT_EQ(text(answer.at("username")), a.email);
  EXPECT_EQ(text(answer.at("token_type")), "Bearer");
  ASSERT_TRUE(answer.at("exp").is_int64() && answer.at("iat").is_int64()) << json::serialize(answer);
  EXPECT_EQ(answer.at("exp").as_int64() - answer.at("iat").as_int64(), 86'400);
  const auto expires_ms = timestamp_ms(text(session.at("expires_at")));
  ASSERT_TRUE(expires_ms);
  EXPECT_EQ(answer.at("exp").as_int64(), *expires_ms / 1000) << "exp is the session's expiry in seconds";
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u) << "introspection spends nothing";
}

TEST_F(IntrospectionTest, AnythingButALiveTokenIsInactiveWithoutAReason) {
  Account a = register_account(client(), "inactive");
  const std::string revoked = login(client(), a);
  ASSERT_EQ(client().del("/v1/sessions/current", revoked).result_int(), 204u);
  EXPECT_EQ(introspect(revoked), kInactive);
  for (std::string token : {std::string(43, 'A'), std::string("short"), std::string(), std::string(500, 'x')}) {
    EXPECT_EQ(introspect(token), kInactive) << token;
  }

  Account b = register_account(client(), "deleted");
  const std::string orphan = login(client(), b);
  ASSERT_EQ(client().del("/v1/users/me", orphan, json::object{{"password", b.password}}).result_int(), 204u);
  EXPECT_EQ(introspect(orphan), kInactive) << "the account is gone";

  Account c = register_account(client(), "disabled");
  const std::string held = login(client(), c);
  Response disabled = admin_client().request(http::verb::patch, "/admin/v1/users/" + c.id,
                                             json::object{{"disabled", true}}, server().admin_token());
  ASSERT_EQ(disabled.result_int(), 200u) << describe(disabled);
  EXPECT_EQ(introspect(held), kInactive) << "a disabled account's token";
}

TEST_F(IntrospectionTest, TheCallerMustPresentTheSecret) {
  Account a = register_account(client(), "secret");
  const std::string token = login(client(), a);
  for (std::string_view secret : {std::string_view(), std::string_view("wrong-secret-0123456789"), std::string_view(token)}) {
    // Direct: the contract proxy may answer a request without credentials itself.
    Response res = direct_client().send(form_request("token=" + token, secret));
    EXPECT_TRUE(is_problem(res, 401, "invalid_token")) << secret;
    EXPECT_FALSE(res[http::field::www_authenticate].empty());
  }
  EXPECT_FALSE(server().wait_for_log("wrong-secret-0123456789", std::chrono::milliseconds(0)));
}

TEST_F(IntrospectionTest, TheRequestMustBeAFormWithOneToken) {
  const std::string& secret = server().introspection_secret();
  EXPECT_TRUE(is_problem(direct_client().send(form_request(R"({"token":"x"})", secret, "application/json")), 415,
                         "unsupported_media_type"));
  EXPECT_TRUE(is_problem(direct_client().send(form_request("token=a&token=b", secret)), 400, "malformed_request"));
  EXPECT_TRUE(is_problem(direct_client().send(form_request("token_type_hint=access_token", secret)), 400,
                         "malformed_request"));
  // A form's own encoding: percent escapes and a hint that is ignored.
  Account a = register_account(client(), "form");
  const std::string token = login(client(), a);
  Response res = client().send(form_request("token_type_hint=access_token&token=" + token, secret,
                                            "application/x-www-form-urlencoded; charset=utf-8"));
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(body_object(res).at("active"), true);
}

TEST(IntrospectionConfigTest, WithoutASecretThereIsNoSuchRoute) {
  auto server = ServerProcess::start();
  HttpClient client(server->server_port());
  Response res = client.send(form_request("token=x", "anything"));
  EXPECT_TRUE(is_problem(res, 404, "not_found"));
}

TEST(IntrospectionConfigTest, AnExpiredTokenIsInactive) {
  ServerConfig config;
  config.introspection = true;
  config.extra_args = {"--token-ttl", "1"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  Account a = register_account(client, "expired");
  const std::string token = login(client, a);
  json::object answer = introspect(client, server->introspection_secret(), token);
  EXPECT_EQ(answer.at("active"), true) << "live before its second is up";
  // Polls the real condition (expiry 1 s after issue), bounded in time and count.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int polls = 0; answer.at("active") == true && polls < 100 && std::chrono::steady_clock::now() < deadline;
       ++polls) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    answer = introspect(client, server->introspection_secret(), token);
  }
  EXPECT_EQ(answer, kInactive);
}

TEST(IntrospectionConfigTest, ASecretFileOthersCanReadIsRefused) {
  support::TempDir dir("secret");
  const auto file = dir.path() / "introspection.token";
  {
    std::ofstream out(file);
    out << "0123456789abcdef0123456789abcdef\n";
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::others_read);
  ServerConfig config;
  config.extra_args = {"--introspection-token-file", file.string()};
  ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("may be read or written by every user"), std::string::npos) << exit.log;
  EXPECT_EQ(exit.log.find("0123456789abcdef0123456789abcdef"), std::string::npos) << "never the secret";

  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  {
    std::ofstream out(file);
    out << "short\n";
  }
  exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("at least 16 characters"), std::string::npos) << exit.log;
}

TEST(AdminConfigTest, TheAdminListenerNeedsItsTokenFileAndTlsOffLoopback) {
  ServerConfig config;
  config.extra_args = {"--admin-listen", "127.0.0.1:0"};
  ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("--admin-listen needs --admin-token-file"), std::string::npos) << exit.log;

  support::TempDir dir("admin");
  const auto file = dir.path() / "admin.token";
  {
    std::ofstream out(file);
    out << "0123456789abcdef0123456789abcdef\n";
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  config.extra_args = {"--admin-listen", "0.0.0.0:0", "--admin-token-file", file.string()};
  exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("refusing plain HTTP on non-loopback address 0.0.0.0:0 (--admin-listen)"), std::string::npos)
      << exit.log;
}

}  // namespace
}  // namespace vestibule::e2e
