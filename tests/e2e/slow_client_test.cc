// Slow clients (slowloris): a request header must arrive whole within --header-timeout of its
// first byte, however the bytes trickle in, and hundreds of such connections do not keep a
// normal client from being served.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::unique_ptr<tcp::socket> open_partial_request(net::io_context& io, unsigned short port) {
  auto socket = std::make_unique<tcp::socket>(io);
  socket->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(*socket, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
  return socket;
}

// Whether the server closes `socket` within `limit` (a read ends in EOF or reset, not in our
// own receive timeout).
bool closed_by_server_within(tcp::socket& socket, std::chrono::milliseconds limit) {
  timeval tv{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte;
  boost::system::error_code ec;
  socket.read_some(net::buffer(&byte, 1), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

TEST(SlowClientTest, FiveHundredStalledHeadersDoNotStopANormalClientAndAreCutOff) {
  ServerConfig config;
  config.extra_args = {"--header-timeout", "2"};
  auto server = ServerProcess::start(config);
  net::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> stalled;
  for (int i = 0; i < 500; ++i) stalled.push_back(open_partial_request(io, server->port()));

  HttpClient normal(server->port(), std::chrono::seconds(2));
  EXPECT_EQ(normal.get("/healthz").result_int(), 200u) << "served while 500 headers are stalled";

  // Every stalled connection is closed once its header deadline has passed (2 s after its
  // first byte; they were all opened before the normal request).
  int closed = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (auto& s : stalled) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() > 0 && closed_by_server_within(*s, left)) ++closed;
  }
  EXPECT_EQ(closed, 500);
  EXPECT_EQ(HttpClient(server->port()).get("/healthz").result_int(), 200u);
}

TEST(SlowClientTest, AHeaderDrippedAByteAtATimeIsCutOffAtTheHeaderDeadline) {
  ServerConfig config;
  config.extra_args = {"--header-timeout", "1"};
  auto server = ServerProcess::start(config);
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(200, 'a');
  const auto started = Clock::now();
  boost::system::error_code ec;
  // The client's pace, not a synchronisation: one byte every 50 ms would take 10 s for the
  // whole header; the server must hang up after about 1 s. Bounded by the header's length.
  for (char ch : header) {
    net::write(socket, net::buffer(&ch, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Clock::now() - started > std::chrono::seconds(5)) break;
  }
  const bool closed = ec || closed_by_server_within(socket, std::chrono::seconds(3));
  EXPECT_TRUE(closed) << "the connection was still open after the header deadline";
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5)) << "cut off near the 1 s deadline, not at the end";
}

}  // namespace
}  // namespace vestibule::e2e
