// A small HTTP/1.1 client for end-to-end tests: one keep-alive TCP connection to 127.0.0.1:port,
// reopened when the server closes it, every operation bounded by a timeout. send_raw() writes
// arbitrary bytes (for malformed or oversized requests) and reads whatever response comes back.
// Transport failures (refused, reset, timed out) throw std::runtime_error. For raw sockets held
// open, endless writes and stalled headers, see raw_connection.h (the same deadlines).
// In the contract run every response is checked: one that Prism found a violation in, or made
// itself, records a test failure (contract_proxy.h).
// Not thread-safe: give each thread its own client.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vestibule::e2e {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

class HttpClient {
 public:
  static constexpr std::chrono::seconds kTimeout{10};

  explicit HttpClient(unsigned short port, std::chrono::milliseconds timeout = kTimeout);

  // Opens the connection now (otherwise the first request does), e.g. before a latch releases
  // many clients at once, so that only the requests themselves race.
  void connect();

  // Sends `req` as given, except that Host and Content-Length are filled in. A response to
  // HEAD is read as header only.
  Response send(Request req);

  // A request with an optional JSON body (sent as application/json) and bearer token.
  Response request(http::verb method, std::string_view target, const std::optional<boost::json::value>& body = {},
                   std::string_view token = {});
  Response get(std::string_view target, std::string_view token = {}) { return request(http::verb::get, target, {}, token); }
  Response post(std::string_view target, const boost::json::value& body, std::string_view token = {}) {
    return request(http::verb::post, target, body, token);
  }
  Response patch(std::string_view target, const boost::json::value& body, std::string_view token = {}) {
    return request(http::verb::patch, target, body, token);
  }
  Response del(std::string_view target, std::string_view token = {}, const std::optional<boost::json::value>& body = {}) {
    return request(http::verb::delete_, target, body, token);
  }

  // Writes `bytes` exactly as given and reads one response (without waiting for EOF).
  Response send_raw(std::string_view bytes);

  // Reads one response without sending anything: for answers the server gives unasked, such as
  // the 503 for a connection over the limit (a request written first could meet a reset).
  Response receive();

  // Closes the connection; the next request opens a new one.
  void close();

  // TCP connections opened so far: 1 after any number of keep-alive requests on one connection.
  int connections_opened() const { return connections_opened_; }

 private:
  Response read_response(bool to_head = false);
  // Runs the pending asynchronous operation to completion; the stream's timeout bounds it.
  void run(std::string_view what, const boost::system::error_code& ec);

  unsigned short port_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  int connections_opened_ = 0;
};

}  // namespace vestibule::e2e
