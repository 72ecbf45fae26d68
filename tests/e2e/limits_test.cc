// Limits given as flags, and shutdown under load: each is enforced end to end. (That README
// gives the defaults --help prints is help_test.cc's.)
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api_helpers.h"
#include "http_client.h"
#include "raw_connection.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

using Clock = std::chrono::steady_clock;

TEST(LimitFlagsTest, MaxBodyBytesIsConfigurable) {
  ServerConfig config;
  config.extra_args = {"--max-body-bytes", "1024"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  const std::string small(900, 'x');
  Response fits = client.post("/v1/users", {{"name", "Ann"}, {"email", unique_email("body")}, {"password", small}});
  EXPECT_EQ(fits.result_int(), 201u) << describe(fits);
  HttpClient other(server->port());
  const std::string big(1500, 'x');
  Response too_big = other.post("/v1/users", {{"name", "Ann"}, {"email", unique_email("body")}, {"password", big}});
  EXPECT_TRUE(is_problem(too_big, 413, "payload_too_large")) << describe(too_big);
}

TEST(LimitFlagsTest, HeaderAndTargetLimitsAreConfigurable) {
  ServerConfig config;
  config.extra_args = {"--max-header-bytes", "2048", "--max-target-bytes", "256"};
  auto server = ServerProcess::start(config);
  {
    HttpClient client(server->port());
    Request req{http::verb::get, "/healthz", 11};
    req.set("X-Padding", std::string(3000, 'p'));
    EXPECT_TRUE(is_problem(client.send(std::move(req)), 431, "request_header_fields_too_large"));
  }
  {
    HttpClient client(server->port());
    EXPECT_TRUE(is_problem(client.get("/healthz?" + std::string(300, 'q')), 414, "uri_too_long"));
  }
  HttpClient client(server->port());
  Request fits{http::verb::get, "/healthz?" + std::string(200, 'q'), 11};
  fits.set("X-Padding", std::string(1500, 'p'));
  EXPECT_EQ(client.send(std::move(fits)).result_int(), 200u);
}

TEST(LimitFlagsTest, AnIdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerConfig config;
  config.extra_args = {"--idle-timeout", "1"};
  auto server = ServerProcess::start(config);
  boost::asio::io_context io;
  RawConnection c(io, server->port());
  ASSERT_FALSE(c.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", std::chrono::seconds(5)));
  // Read the response, then keep reading: reading ends when the server hangs up, which must be
  // about 1 s after the response, well before our own 5 s deadline.
  const auto idle_from = Clock::now();
  const RawConnection::Read read = c.read_until_closed(std::chrono::seconds(5));
  const auto open_for = Clock::now() - idle_from;
  ASSERT_TRUE(read.closed_by_peer()) << read.ec.message();
  const auto responses = parse_responses(read.data);
  ASSERT_EQ(responses.size(), 1u) << read.data;
  EXPECT_EQ(responses[0].result_int(), 200u);
  EXPECT_TRUE(responses[0].keep_alive()) << "closed for idling, not after the response";
  EXPECT_GE(open_for, std::chrono::milliseconds(900)) << "closed before the idle timeout";
  EXPECT_LT(open_for, std::chrono::seconds(4));
}

TEST(ShutdownUnderLoadTest, SigtermDuringALoadStopsWithinTheShutdownTimeout) {
  ServerConfig config;
  config.extra_args = {"--shutdown-timeout", "5", "--login-client-limit", "0"};
  auto server = ServerProcess::start(config);
  {
    HttpClient setup(server->port());
    register_account(setup, "loaded");
  }
  std::atomic<bool> stopping{false};  // from here on, failed connections are expected
  std::atomic<int> answered{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      // The load goes on through the shutdown; bounded at 2000 requests per client, and a
      // client ends at its first failure once the server is stopping.
      for (int i = 0; i < 2000; ++i) {
        try {
          HttpClient c(server->port(), std::chrono::seconds(5));
          Response res = i % 2 ? c.get("/healthz")
                               : c.post("/v1/sessions", {{"email", unique_email("load")}, {"password", "load " + std::to_string(t)}});
          const unsigned s = res.result_int();
          if (s == 200 || s == 401 || s == 503) ++answered; else ++bad;
        } catch (const std::exception&) {
          if (stopping) return;  // refused or cut off during the stop: expected
          ++bad;
        }
      }
    });
  }
  // Stop once the load is really running (a real condition, bounded).
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (answered < 50 && Clock::now() < until) std::this_thread::yield();
  ASSERT_GE(answered.load(), 50) << "the load never got going";
  const auto started = Clock::now();
  stopping = true;
  const std::optional<int> code = server->stop(std::chrono::seconds(15));
  const auto took = Clock::now() - started;
  for (auto& c : clients) c.join();
  EXPECT_EQ(code, 0) << server->log();
  EXPECT_LT(took, std::chrono::seconds(8)) << "bounded by --shutdown-timeout 5";
  EXPECT_EQ(bad.load(), 0);
  EXPECT_NE(server->log().find("event=stopped"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::e2e
