// Slow clients (slowloris): a request header must arrive whole within --header-timeout of its
// first byte, however the bytes trickle in, and hundreds of such connections do not keep a
// normal client from being served.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "raw_connection.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kPartialRequest = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";

TEST(SlowClientTest, FiveHundredStalledHeadersDoNotStopANormalClientAndAreCutOff) {
  ServerConfig config;
  // All 500 come from 127.0.0.1: no per-client cap here.
  config.extra_args = {"--header-timeout", "2", "--max-connections-per-client", "0"};
  auto server = ServerProcess::start(config);
  boost::asio::io_context io;
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 500; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(io, server->port()));
    ASSERT_FALSE(stalled.back()->write(kPartialRequest, std::chrono::seconds(5))) << "connection " << i;
  }

  HttpClient normal(server->port(), std::chrono::seconds(2));
  EXPECT_EQ(normal.get("/healthz").result_int(), 200u) << "served while 500 headers are stalled";

  // Every stalled connection is closed, without an answer, once its header deadline has passed
  // (2 s after its first byte; they were all opened before the normal request).
  int closed = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (auto& s : stalled) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const RawConnection::Read read = s->read_until_closed(std::max(left, std::chrono::milliseconds(1)));
    if (read.closed_by_peer() && read.data.empty()) ++closed;
  }
  EXPECT_EQ(closed, 500);
  EXPECT_EQ(HttpClient(server->port()).get("/healthz").result_int(), 200u);
}

TEST(SlowClientTest, AHeaderDrippedAByteAtATimeIsCutOffAtTheHeaderDeadline) {
  ServerConfig config;
  config.extra_args = {"--header-timeout", "1"};
  auto server = ServerProcess::start(config);
  boost::asio::io_context io;
  RawConnection c(io, server->port());
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(200, 'a');
  const auto started = Clock::now();
  boost::system::error_code ec;
  // The client's pace, not a synchronisation: one byte every 50 ms would take 10 s for the
  // whole header; the server must hang up after about 1 s. Bounded by the header's length and
  // by 5 s. Once the server has closed, a write fails (reset) or the read below sees the close.
  for (char ch : header) {
    ec = c.write(std::string_view(&ch, 1), std::chrono::seconds(1));
    if (ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Clock::now() - started > std::chrono::seconds(5)) break;
  }
  ASSERT_NE(ec, boost::asio::error::timed_out) << "a one-byte write did not complete";
  if (!ec) {
    const RawConnection::Read read = c.read_until_closed(std::chrono::seconds(3));
    EXPECT_TRUE(read.closed_by_peer()) << "the connection was still open after the header deadline: "
                                       << read.ec.message();
  }
  const auto took = Clock::now() - started;
  EXPECT_GE(took, std::chrono::milliseconds(900)) << "cut off before the deadline";
  EXPECT_LT(took, std::chrono::seconds(3)) << "cut off near the 1 s deadline, not at the end";
}

}  // namespace
}  // namespace vestibule::e2e
