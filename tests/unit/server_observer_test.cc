// The server's request hook (http/observer.h) on a real Server over loopback: each finished
// exchange reaches the observers once, with its start, method, route template, path, status,
// duration and the exact bytes read for the request and written for the response (as framed:
// header, body, chunk lines), for a served request and for one the server refused itself.
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/observer.h"
#include "http/router.h"
#include "http/server.h"

namespace vestibule::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A RequestRecord with its views copied out (they are valid only during the call).
struct Seen {
  std::string method;
  std::string route;
  std::string path;
  unsigned status = 0;
  std::chrono::system_clock::time_point start;
  std::chrono::microseconds duration{0};
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
};

class Recorder : public RequestObserver {
 public:
  void on_request(const RequestRecord& r) override {
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(Seen{std::string(r.method), std::string(r.route), std::string(r.path), r.status, r.start,
                           r.duration, r.request_bytes, r.response_bytes});
    }
    changed_.notify_all();
  }
  // The records so far once there are `n`, or after 5 s whatever there is.
  std::vector<Seen> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 5s, [&] { return seen_.size() >= n; });
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Seen> seen_;
};

Response render(const ErrorInfo& e, const Exchange&) {
  Response res{e.status, 11};
  res.body() = std::string(e.code);
  return res;
}

class ServerObserverTest : public testing::Test {
 protected:
  ServerObserverTest() : router_(render) {
    router_.add(beast_http::verb::post, "/v1/echo/{id}", [](Request& req, const Exchange&) -> net::awaitable<Response> {
      Response res{Status::ok, 11};
      res.set(beast_http::field::content_type, "text/plain");
      res.body() = "got " + req.body();
      co_return res;
    });
    ServerOptions options;
    options.endpoint = tcp::endpoint(net::ip::make_address("127.0.0.1"), 0);
    options.max_body_bytes = 1024;
    auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server_ = std::make_unique<Server>(io_, router_, options, log, std::vector<std::shared_ptr<RequestObserver>>{recorder_});
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerObserverTest() override {
    server_->stop();
    io_.stop();
    thread_.join();
  }

  // Writes `bytes` on a new connection and reads until the server closes it (within 5 s).
  std::string exchange(const std::string& bytes) {
    net::io_context io;
    tcp::socket socket(io);
    std::string received;
    socket.async_connect(server_->local_endpoint(), [&](boost::system::error_code ec) {
      if (ec) return;
      net::async_write(socket, net::buffer(bytes), [&](boost::system::error_code, std::size_t) {
        net::async_read(socket, net::dynamic_buffer(received), [](boost::system::error_code, std::size_t) {});
      });
    });
    io.run_for(5s);
    EXPECT_TRUE(io.stopped()) << "the exchange did not end within 5 s";
    return received;
  }

  net::io_context io_;
  Router router_;
  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerObserverTest, AServedRequestIsReportedWithItsStartTemplateStatusDurationAndExactBytes) {
  const std::string request =
      "POST /v1/echo/42?x=1 HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
      "Connection: close\r\n\r\nhello";
  const auto before = std::chrono::system_clock::now();
  const std::string response = exchange(request);
  const auto after = std::chrono::system_clock::now();
  ASSERT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  ASSERT_TRUE(response.ends_with("\r\n\r\ngot hello")) << response;

  const std::vector<Seen> seen = recorder_->wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  const Seen& r = seen[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.route, "/v1/echo/{id}");
  EXPECT_EQ(r.path, "/v1/echo/42");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.request_bytes, request.size());
  EXPECT_EQ(r.response_bytes, response.size());
  EXPECT_GE(r.start, before);
  EXPECT_LE(r.start, after);
  EXPECT_LE(r.start + r.duration, after);
}

TEST_F(ServerObserverTest, AChunkedBodyCountsWithItsFraming) {
  const std::string request =
      "POST /v1/echo/7 HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "3\r\nhel\r\n2;ext=1\r\nlo\r\n0\r\n\r\n";
  const std::string response = exchange(request);
  ASSERT_TRUE(response.ends_with("\r\n\r\ngot hello")) << response;
  const std::vector<Seen> seen = recorder_->wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].request_bytes, request.size());
  EXPECT_EQ(seen[0].response_bytes, response.size());
}

TEST_F(ServerObserverTest, ARefusalIsReportedWithTheHeaderItReadAndTheAnswerItWrote) {
  // Refused from Content-Length, before a byte of the body is read: only the header counts.
  const std::string request = "POST /v1/echo/1 HTTP/1.1\r\nHost: test\r\nContent-Length: 2000\r\n\r\n";
  const auto before = std::chrono::system_clock::now();
  const std::string response = exchange(request);
  ASSERT_TRUE(response.starts_with("HTTP/1.1 413 ")) << response;
  const std::vector<Seen> seen = recorder_->wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  const Seen& r = seen[0];
  EXPECT_EQ(r.method, "-");
  EXPECT_EQ(r.route, kRefusedRoute);
  EXPECT_EQ(r.path, "-");
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.request_bytes, request.size());
  EXPECT_EQ(r.response_bytes, response.size());
  EXPECT_GE(r.start, before);
}

}  // namespace
}  // namespace vestibule::http
