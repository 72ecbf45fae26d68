#include "import/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>
#include <variant>

namespace vestibule::import {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

boost::system::result<AdminEndpoint, std::string> parse_admin_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return std::string("not an absolute URL");
  const boost::urls::url_view& url = *parsed;
  AdminEndpoint e;
  if (url.scheme() == "https") {
    e.tls = true;
  } else if (url.scheme() != "http") {
    return std::string("the scheme must be http or https");
  }
  if (url.has_userinfo()) return std::string("no user or password in the URL (the token goes in --admin-token-file)");
  if (url.has_query() || url.has_fragment()) return std::string("no query or fragment in the URL");
  if (url.encoded_host().empty()) return std::string("the URL names no host");
  // host_name() for names, host_address() without the brackets for IPv6 literals.
  e.host = url.host_type() == boost::urls::host_type::name ? std::string(url.host_name()) : std::string(url.host_address());
  e.port = url.has_port() ? std::string(url.port()) : std::string(e.tls ? "443" : "80");
  if (url.has_port() && url.port_number() == 0) return std::string("the port must be 1..65535");
  e.host_field = std::string(url.encoded_host_and_port());
  e.base_path = std::string(url.encoded_path());
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  return e;
}

// The transport of one connection: plain TCP or TLS over TCP, with the bytes read past the
// last response.
struct AdminClient::Connection {
  using Plain = beast::tcp_stream;
  using Secure = beast::ssl_stream<beast::tcp_stream>;
  std::variant<Plain, Secure> stream;
  beast::flat_buffer buffer;
  bool used = false;  // whether a response came over it (a later failure may be an idle close)

  explicit Connection(net::io_context& io) : stream(std::in_place_type<Plain>, io) {}
  Connection(net::io_context& io, net::ssl::context& tls) : stream(std::in_place_type<Secure>, io, tls) {}
  beast::tcp_stream& tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream);
  }
};

AdminClient::AdminClient(AdminEndpoint endpoint, std::string token, ClientOptions options)
    : endpoint_(std::move(endpoint)),
      token_(std::move(token)),
      options_(std::move(options)),
      tls_context_(net::ssl::context::tls_client) {
  if (!endpoint_.tls) return;
  // The admin token travels in every request: a server whose certificate does not verify for
  // the URL's host must never see it.
  tls_context_.set_verify_mode(net::ssl::verify_peer);
  error_code ec;
  if (options_.ca_file.empty()) {
    tls_context_.set_default_verify_paths(ec);
  } else {
    tls_context_.load_verify_file(options_.ca_file.string(), ec);
  }
  if (ec) throw std::runtime_error("cannot load the CA certificates" +
                                   (options_.ca_file.empty() ? std::string() : " from " + options_.ca_file.string()) +
                                   ": " + ec.message());
}

AdminClient::~AdminClient() { close(); }

void AdminClient::close() {
  if (!connection_) return;
  error_code ignored;
  connection_->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  connection_->tcp().socket().close(ignored);
  connection_.reset();
}

error_code AdminClient::connect() {
  // Name resolution has no expiry of its own: the io_context runs for the deadline only, and
  // what is still pending then is cancelled.
  tcp::resolver resolver(io_);
  error_code ec = net::error::timed_out;
  tcp::resolver::results_type endpoints;
  bool resolved = false;
  resolver.async_resolve(endpoint_.host, endpoint_.port, [&](error_code e, tcp::resolver::results_type r) {
    ec = e;
    endpoints = std::move(r);
    resolved = true;
  });
  io_.restart();
  io_.run_for(options_.connect_timeout);
  if (!resolved) {
    resolver.cancel();
    io_.restart();
    io_.run();
    return net::error::timed_out;
  }
  if (ec) return ec;

  auto connection = endpoint_.tls ? std::make_unique<Connection>(io_, tls_context_) : std::make_unique<Connection>(io_);
  beast::tcp_stream& tcp_stream = connection->tcp();
  tcp_stream.expires_after(options_.connect_timeout);
  tcp_stream.async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
  io_.restart();
  io_.run();
  if (ec) return ec;
  // Requests are small and answered at once: Nagle's delay would only slow the import down.
  tcp_stream.socket().set_option(tcp::no_delay(true), ec);
  if (auto* secure = std::get_if<Connection::Secure>(&connection->stream)) {
    // SNI for names (not for address literals, RFC 6066 3); the certificate must match the
    // URL's host either way.
    if (endpoint_.host.find_first_of(":") == std::string::npos &&
        endpoint_.host.find_first_not_of("0123456789.") != std::string::npos) {
      SSL_set_tlsext_host_name(secure->native_handle(), endpoint_.host.c_str());
    }
    secure->set_verify_callback(net::ssl::host_name_verification(endpoint_.host));
    tcp_stream.expires_after(options_.connect_timeout);
    secure->async_handshake(net::ssl::stream_base::client, [&](error_code e) { ec = e; });
    io_.restart();
    io_.run();
    if (ec) return ec;
  }
  connection_ = std::move(connection);
  return {};
}

boost::system::result<Reply> AdminClient::exchange(std::string_view method, std::string_view target,
                                                   std::string_view json_body) {
  if (!connection_) {
    if (error_code ec = connect()) return ec;
  }
  http::request<http::string_body> req{http::string_to_verb(method), endpoint_.base_path + std::string(target), 11};
  req.set(http::field::host, endpoint_.host_field);
  req.set(http::field::user_agent, "vestibule-import");
  req.set(http::field::accept, "application/json");
  req.set(http::field::authorization, "Bearer " + token_);
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(json_body);
  }
  req.prepare_payload();

  error_code ec;
  Connection& c = *connection_;
  c.tcp().expires_after(options_.request_timeout);
  std::visit([&](auto& s) { http::async_write(s, req, [&](error_code e, std::size_t) { ec = e; }); }, c.stream);
  io_.restart();
  io_.run();
  if (ec) return ec;

  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  c.tcp().expires_after(options_.request_timeout);
  std::visit([&](auto& s) { http::async_read(s, c.buffer, parser, [&](error_code e, std::size_t) { ec = e; }); },
             c.stream);
  io_.restart();
  io_.run();
  if (ec) return ec;
  c.used = true;
  http::response<http::string_body> res = parser.release();
  if (!res.keep_alive()) close();
  return Reply{res.result_int(), std::move(res.body())};
}

boost::system::result<Reply> AdminClient::request(std::string_view method, std::string_view target,
                                                  std::string_view json_body) {
  const bool reused = connection_ && connection_->used;
  boost::system::result<Reply> reply = exchange(method, target, json_body);
  if (reply) return reply;
  close();
  // A server may close a keep-alive connection that sat idle; the request then meets the end
  // of the stream, and is sent once more on a fresh connection.
  const error_code ec = reply.error();
  if (reused && (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                 ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated)) {
    reply = exchange(method, target, json_body);
    if (!reply) close();
  }
  return reply;
}

}  // namespace vestibule::import
