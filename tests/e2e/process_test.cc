// The process as an operator meets it: signals other than the stopping ones, and a log
// collector that stops reading stdout.
#include <gtest/gtest.h>
#include <signal.h>

#include "api_helpers.h"
#include "http_client.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

TEST(ProcessTest, SighupIsLoggedAndIgnored) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  Account ann = register_account(client, "hup");
  const std::string token = login(client, ann);
  ASSERT_EQ(::kill(server->pid(), SIGHUP), 0);
  ASSERT_TRUE(server->wait_for_log("event=signal signal=SIGHUP action=ignored", std::chrono::seconds(10)))
      << server->log();
  EXPECT_TRUE(server->running()) << server->exit_description();
  // The same connection and the same session still work.
  EXPECT_EQ(client.get("/v1/users/me", token).result_int(), 200);
  EXPECT_EQ(server->stop(), 0);
}

// A full stdout pipe must not stall request handling: the log writer buffers, and no network
// thread ever writes to stdout itself. The access lines are written once the pipe drains.
TEST(ProcessTest, RequestsAreAnsweredWhileStdoutIsBlocked) {
  auto server = ServerProcess::start();
  HttpClient client(server->port(), std::chrono::seconds(5));
  server->pause_output(true);
  // Well past a pipe's 64 KiB of access lines (about 120 bytes each), and past the 1 s after
  // which the writer tries to write them out.
  constexpr int kRequests = 3000;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(client.get("/healthz").result_int(), 200) << "request " << i;
  }
  // Audit lines too (lossless: they wait in the buffer, not on the pipe).
  Account ann = register_account(client, "blocked-stdout");
  ASSERT_FALSE(login(client, ann).empty());
  const std::string last = client.get("/healthz").at("X-Request-Id");
  server->pause_output(false);
  EXPECT_TRUE(server->wait_for_log("request_id=" + last + " ", std::chrono::seconds(10)));
  EXPECT_TRUE(server->wait_for_log("event=login.succeeded account_id=" + ann.id, std::chrono::seconds(10)));
  EXPECT_EQ(server->log().find("event=log.dropped"), std::string::npos);
  EXPECT_EQ(server->stop(), 0);
}

}  // namespace
}  // namespace vestibule::e2e
