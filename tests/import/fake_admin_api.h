// A stand-in for the admin API in tests of the import's client side: an HTTP/1.1 server on a
// free loopback port, run on its own thread, answering each request with what the test's
// handler returns (keep-alive, like the real server). It records how many connections were
// opened, so that tests can check the importer reuses them.
// Thread-safe: the handler runs on the server's thread only; counters may be read from any.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace vestibule::import::testing {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
struct Answer {
  unsigned status = 200;
  std::string body;
};

class FakeAdminApi {
 public:
  using Handler = std::function<Answer(const Request&)>;
  explicit FakeAdminApi(Handler handler);
  ~FakeAdminApi();  // stops the server and joins its thread
  FakeAdminApi(const FakeAdminApi&) = delete;
  FakeAdminApi& operator=(const FakeAdminApi&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void accept();

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace vestibule::import::testing
