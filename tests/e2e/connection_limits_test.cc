// Connection limits: one client address cannot take every slot (--max-connections-per-client),
// --max-connections must fit the descriptor limit or the server refuses to start, and a server
// out of descriptors closes new connections at once (never leaves them hanging in the backlog)
// and serves again once descriptors are free.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
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
constexpr auto kDeadline = std::chrono::seconds(5);

// New connections until one is served, while the server notices closed ones asynchronously (a
// real condition, bounded in time and count). The status of the last attempt.
unsigned served_again(unsigned short port) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  unsigned status = 0;
  for (int attempt = 0; attempt < 100 && status != 200u && Clock::now() < deadline; ++attempt) {
    HttpClient next(port, std::chrono::seconds(5));
    try {
      status = next.get("/healthz").result_int();
    } catch (const std::runtime_error&) {
      status = 0;  // refused or closed before the answer
    }
    if (status != 200u) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

TEST(PerClientLimitTest, ConnectionsFromOneAddressBeyondItsCapAreRefusedWith503) {
  ServerConfig config;
  config.extra_args = {"--max-connections-per-client", "3"};
  auto server = ServerProcess::start(config);
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpClient>(server->port()));
    ASSERT_EQ(held.back()->get("/healthz").result_int(), 200u) << "connection " << i;  // kept alive
  }

  HttpClient fourth(server->port(), kDeadline);
  Response res;
  ASSERT_NO_THROW(res = fourth.receive()) << "the fourth connection must be answered, not left open";
  EXPECT_TRUE(is_problem(res, 503, "overloaded")) << describe(res);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(has_standard_headers(res));

  held.front()->close();
  EXPECT_EQ(served_again(server->port()), 200u) << "a closed connection gives its slot back";
  for (std::size_t i = 1; i < held.size(); ++i) EXPECT_EQ(held[i]->get("/healthz").result_int(), 200u);
}

TEST(DescriptorLimitTest, MaxConnectionsBeyondTheDescriptorLimitRefusesToStart) {
  ServerConfig config;
  config.max_open_files = 200;
  config.extra_args = {"--max-connections", "1000"};
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(10));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("--max-connections 1000 needs 1064 file descriptors (64 reserved for the store, logs and "
                          "refusals), but the limit is 200"),
            std::string::npos)
      << exit.log;
  EXPECT_EQ(exit.log.find("event=listening"), std::string::npos) << exit.log;
}

TEST(DescriptorLimitTest, OutOfDescriptorsNewConnectionsAreClosedAtOnceAndServiceResumes) {
  ServerConfig config;
  config.max_open_files = 100;
  // No connection limit of the server's own: the descriptor limit is what runs out.
  config.extra_args = {"--max-connections", "0", "--max-connections-per-client", "0"};
  auto server = ServerProcess::start(config);
  boost::asio::io_context io;
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  // Connections held open (each answered once, kept alive) until one is closed unanswered:
  // the server has run out. Bounded: 100 descriptors cannot hold 200 connections.
  std::vector<std::unique_ptr<RawConnection>> held;
  int served = 0;
  bool shed = false;
  for (int i = 0; i < 200 && !shed; ++i) {
    auto c = std::make_unique<RawConnection>(io, server->port());
    ASSERT_FALSE(c->write(request, kDeadline));
    const RawConnection::Read read = c->read_until("{\"status\":\"ok\"}", kDeadline);
    ASSERT_NE(read.ec, boost::asio::error::timed_out) << "connection " << i << " was left hanging";
    if (read.closed_by_peer()) {
      EXPECT_EQ(read.data, "") << "closed without an answer";
      shed = true;
    } else {
      ASSERT_FALSE(read.ec) << read.ec.message();
      ++served;
      held.push_back(std::move(c));
    }
  }
  ASSERT_TRUE(shed) << "200 connections fit in 100 descriptors?";
  EXPECT_GT(served, 50) << "the server ran out long before its limit";

  // While it is out, every new connection is closed at once: the backlog drains.
  for (int i = 0; i < 3; ++i) {
    RawConnection c(io, server->port());
    ASSERT_FALSE(c.write(request, kDeadline));
    const RawConnection::Read read = c.read_until_closed(kDeadline);
    EXPECT_TRUE(read.closed_by_peer()) << "connection " << i << ": " << read.ec.message();
    EXPECT_EQ(read.data, "");
  }

  held.clear();  // the descriptors come back
  EXPECT_EQ(served_again(server->port()), 200u);
  EXPECT_TRUE(server->running()) << server->exit_description();
}

}  // namespace
}  // namespace vestibule::e2e
