#include "http_client.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "contract_proxy.h"

namespace vestibule::e2e {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

HttpClient::HttpClient(unsigned short port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout), stream_(io_) {}

void HttpClient::run(std::string_view what, const error_code& ec) {
  // Plain blocking socket calls cannot time out (asio waits in poll() forever); asynchronous
  // operations on a beast::tcp_stream are cancelled when its expiry passes, so this returns.
  io_.restart();
  io_.run();
  if (ec) {
    close();
    throw std::runtime_error("HTTP client, " + std::string(what) + " on 127.0.0.1:" + std::to_string(port_) +
                             ": " + ec.message());
  }
}

void HttpClient::connect() {
  if (connected_) return;
  buffer_.clear();
  error_code ec;
  stream_.expires_after(timeout_);
  stream_.async_connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port_), [&](error_code e) { ec = e; });
  run("connect", ec);
  // Requests are small and answered at once; Nagle's delay would only slow every test down.
  stream_.socket().set_option(tcp::no_delay(true));
  connected_ = true;
  ++connections_opened_;
}

Response HttpClient::send(Request req) {
  connect();
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  req.prepare_payload();
  error_code ec;
  stream_.expires_after(timeout_);
  http::async_write(stream_, req, [&](error_code e, std::size_t) { ec = e; });
  run("write request", ec);
  // A response to HEAD has Content-Length but no body (RFC 9110 9.3.2): the parser must be told.
  return read_response(req.method() == http::verb::head);
}

Response HttpClient::request(http::verb method, std::string_view target, const std::optional<boost::json::value>& body,
                             std::string_view token) {
  Request req{method, target, 11};
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = boost::json::serialize(*body);
  }
  return send(std::move(req));
}

Response HttpClient::send_raw(std::string_view bytes) {
  connect();
  error_code ec;
  stream_.expires_after(timeout_);
  net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), [&](error_code e, std::size_t) { ec = e; });
  run("write raw bytes", ec);
  return read_response();
}

Response HttpClient::receive() {
  connect();
  return read_response();
}

void HttpClient::close() {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  connected_ = false;
}

Response HttpClient::read_response(bool to_head) {
  http::response_parser<http::string_body> parser;
  parser.skip(to_head);
  error_code ec;
  stream_.expires_after(timeout_);
  http::async_read(stream_, buffer_, parser, [&](error_code e, std::size_t) { ec = e; });
  run("read response", ec);
  Response res = parser.release();
  if (!res.keep_alive()) close();
  if (std::optional<std::string> failure = contract_failure(res)) ADD_FAILURE() << "contract run: " << *failure;
  return res;
}

}  // namespace vestibule::e2e
