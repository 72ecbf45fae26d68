// The server's log: after a whole account lifecycle it holds no password, token or hash; and the
// access log, buffered for speed, still shows each request promptly.
#include <gtest/gtest.h>

#include "api_helpers.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

// In both formats (--log-format text and json): a JSON line escapes differently, so it is
// checked on its own.
class LogSecretsTest : public testing::TestWithParam<std::string> {};

TEST_P(LogSecretsTest, TheLogNeverContainsPasswordsTokensOrHashes) {
  const bool json_format = GetParam() == "json";
  ServerConfig config;
  config.extra_args = {"--log-format", GetParam()};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  const std::string first_password = "first-Secret-passphrase-1";
  const std::string second_password = "second-Secret-passphrase-2";
  const std::string wrong_password = "wrong-Secret-passphrase-3";

  Account a = register_account(client, "secrets", first_password);
  const std::string first_token = login(client, a);
  ASSERT_FALSE(first_token.empty());
  EXPECT_EQ(client.get("/v1/users/me", first_token).result_int(), 200u);
  EXPECT_EQ(client.post("/v1/sessions", {{"email", a.email}, {"password", wrong_password}}).result_int(), 401u);
  EXPECT_EQ(client.patch("/v1/users/me", {{"email", unique_email("secrets")}, {"current_password", wrong_password}},
                         first_token)
                .result_int(),
            403u);
  EXPECT_EQ(client.patch("/v1/users/me", {{"password", second_password}, {"current_password", first_password}},
                         first_token)
                .result_int(),
            200u);
  const std::string second_token = login(client, a.email, second_password);
  ASSERT_FALSE(second_token.empty());
  EXPECT_EQ(client.del("/v1/users/me", second_token, json::object{{"password", wrong_password}}).result_int(), 403u);
  EXPECT_EQ(client.del("/v1/users/me", second_token, json::object{{"password", second_password}}).result_int(), 204u);
  EXPECT_EQ(client.get("/v1/users/me", second_token).result_int(), 401u);

  ASSERT_EQ(server->stop(), 0);  // so that the log is complete
  const std::string log = server->log();
  // The log did record the lifecycle, so its silence about secrets means something.
  for (std::string_view event : {"account.registered", "login.succeeded", "login.failed", "reauthentication.failed",
                                 "password.changed", "account.deleted"}) {
    const std::string needle =
        json_format ? "\"event\":\"" + std::string(event) + "\"" : "event=" + std::string(event) + " ";
    EXPECT_NE(log.find(needle), std::string::npos) << needle << " missing from:\n" << log;
  }
  const std::string path = json_format ? "\"path\":\"/v1/users/me\"" : "path=/v1/users/me ";
  EXPECT_NE(log.find(path), std::string::npos) << path << " missing from:\n" << log;
  for (const std::string& secret : {first_password, second_password, wrong_password, first_token, second_token,
                                    std::string("$argon2"), std::string("Bearer ")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "'" << secret << "' appears in the log:\n" << log;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, LogSecretsTest, testing::Values("text", "json"),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// Access-log lines are not flushed one by one (docs/performance.md), but a quiet server still
// writes them out within about a second, without waiting for more traffic or for its exit.
TEST(AccessLogTest, ALineAppearsWhileTheServerRunsWithoutFurtherTraffic) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  ASSERT_EQ(client.get("/healthz?probe=access-log").result_int(), 200u);
  EXPECT_TRUE(server->wait_for_log("path=/healthz", std::chrono::seconds(10))) << server->log();
  EXPECT_TRUE(server->running());
}

}  // namespace
}  // namespace vestibule::e2e
