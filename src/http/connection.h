// What the two halves of the server share (server_accept.cc admits connections, server.cc
// serves them): the connection's state and the headers every response carries. Internal to
// src/http; not for other layers.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "http/server.h"

namespace vestibule::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
inline constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

// One accepted connection; shared by its coroutine and by stop() (through a weak_ptr).
class Server::Connection {
 public:
  Connection(tcp::socket socket, std::size_t buffer_limit, net::ip::address peer)
      : plain(std::move(socket)), buffer(buffer_limit), peer(std::move(peer)) {}
  // The TCP stream, owned by `tls` once the connection is encrypted.
  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : plain; }
  beast::tcp_stream plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  // Bounded: Beast keeps an unfinished header, chunk line or trailer here until its end
  // arrives, so without a bound one endless line would grow it without limit.
  beast::flat_buffer buffer;
  const net::ip::address peer;
  bool busy = false;  // between the first byte of a request and its response; strand-only
};

// Server, Strict-Transport-Security (over TLS), X-Request-Id, Cache-Control: no-store,
// X-Content-Type-Options; then the payload's framing (Content-Length).
void add_standard_headers(Response& res, const Exchange& ex);

// The parser's limit covers the request line too; the finer 414/431 split is checked after it.
inline std::size_t header_limit(const ServerOptions& o) { return o.max_header_bytes + o.max_target_bytes + 64; }

}  // namespace vestibule::http
