#include "http/server.h"

#include <sodium.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <array>

#include "http/connection.h"
#include "http/framing.h"
#include "util/logfmt.h"

namespace vestibule::http {

namespace {

// A client-supplied X-Request-Id is kept when it is short and plain (so it can be correlated
// across a proxy), and replaced otherwise (so it cannot inject anything into our logs).
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                    ch == '_' || ch == '.';
    if (!ok) return false;
  }
  return true;
}

std::size_t header_field_bytes(const Request& req) {
  std::size_t n = 0;
  for (const auto& field : req) n += field.name_string().size() + field.value().size() + 4;  // ": " + CRLF
  return n;
}

// The client address of a request: the peer, or the last X-Forwarded-For entry when trusted.
std::string client_address(const Request& req, const std::string& peer, bool trust_proxy) {
  if (trust_proxy) {
    // The last entry of the last field is the one our proxy wrote; everything before it came
    // from the client and may be forged.
    std::string_view xff;
    for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) xff = it->value();
    std::string_view last = xff.substr(xff.rfind(',') + 1);  // npos + 1 == 0: the whole value
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
    boost::system::error_code ec;
    const auto address = net::ip::make_address(last, ec);
    if (!ec) return address.to_string();
  }
  return peer;
}

}  // namespace

void add_standard_headers(Response& res, const Exchange& ex) {
  res.set(beast_http::field::server, "vestibule");
  // Browsers that reached us over TLS must never fall back to plain HTTP for this host.
  if (ex.tls) res.set(beast_http::field::strict_transport_security, "max-age=63072000");
  res.set("X-Request-Id", ex.request_id);
  // Responses carry personal data and tokens: no cache, proxy or browser may keep them.
  res.set(beast_http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.prepare_payload();
}

namespace {

// Whether a buffer that overflowed while the body was read holds a whole chunk line: then the
// parser was past the last chunk, waiting for the end of the trailer (a whole line of any other
// chunk would have been consumed), and the overflow is the trailer's; otherwise it is a chunk
// line's (its extensions).
bool overflowed_in_trailer(const beast::flat_buffer& buffer) {
  std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
  if (data.starts_with("\r\n")) data.remove_prefix(2);  // the end of the previous chunk's data
  return data.find("\r\n") != std::string_view::npos;
}

}  // namespace

net::awaitable<void> Server::serve(std::shared_ptr<Connection> c) {
  if (!options_.tls) co_return co_await session(*c, c->plain);
  c->tls.emplace(std::move(c->plain), *options_.tls);
  // The handshake is part of getting a request in: the same deadline as a header.
  c->tls->next_layer().expires_after(options_.header_timeout);
  auto [ec] = co_await c->tls->async_handshake(net::ssl::stream_base::server, kNoThrow);
  if (ec) co_return;  // not TLS, or a failed handshake: nothing to answer
  co_await session(*c, *c->tls);
  c->tls->next_layer().expires_after(std::chrono::seconds(1));
  co_await c->tls->async_shutdown(kNoThrow);  // close_notify, bounded; the peer may be gone
}

template <typename Stream>
net::awaitable<void> Server::session(Connection& connection, Stream& stream) {
  Connection* c = &connection;
  auto& raw = beast::get_lowest_layer(stream);
  auto& buffer = c->buffer;
  const bool tls = options_.tls != nullptr;
  const std::string peer = c->peer.to_string();  // once per connection, not per request
  const ErrorRenderer& render = router_.error_renderer();
  const std::string prefix = fmt::format("{:06x}", randombytes_random() & 0xffffff);
  std::uint64_t sequence = 0;
  // When the current request began: on the steady clock for its duration, the wall clock for logs.
  auto started = std::chrono::steady_clock::now();
  auto started_wall = std::chrono::system_clock::now();
  std::uint64_t request_bytes = 0;

  // Writes a response the server itself decided on (a limit or framing error) and closes.
  auto refuse = [&](Status status, std::string_view code, std::string_view detail) -> net::awaitable<void> {
    Exchange ex;
    ex.request_id = fmt::format("{}-{}", prefix, sequence);
    ex.tls = tls;
    Response res = render({status, code, detail}, ex);
    res.keep_alive(false);
    add_standard_headers(res, ex);
    raw.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await beast_http::async_write(stream, res, kNoThrow);
    const RequestRecord record{
        .request_id = ex.request_id,
        .method = "-",
        .route = kRefusedRoute,
        .path = "-",
        .status = static_cast<unsigned>(status),
        .start = started_wall,
        .duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started),
        .request_bytes = request_bytes,
        .response_bytes = wn};
    notify(record);
    // The client may still be sending what we refused to read. Closing now would answer its
    // bytes with a TCP reset that can destroy our response before it is read, so half-close and
    // drain briefly (bounded in time and bytes) first.
    boost::system::error_code ignored;
    raw.socket().shutdown(tcp::socket::shutdown_send, ignored);
    raw.expires_after(std::chrono::seconds(1));
    std::array<char, 4096> sink;
    for (std::size_t drained = 0; drained < 1024 * 1024;) {
      auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), kNoThrow);
      if (ec) break;
      drained += n;
    }
  };

  while (!stopping_) {
    ++sequence;
    c->busy = false;
    if (buffer.size() == 0) {
      // Idle keep-alive: wait for the first byte of the next request.
      raw.expires_after(options_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), kNoThrow);
      if (ec) co_return;  // peer closed, idle timeout, or stop()
      buffer.commit(n);
    }
    c->busy = true;
    started = std::chrono::steady_clock::now();
    started_wall = std::chrono::system_clock::now();
    request_bytes = 0;

    // Chunk extensions are not body data to Beast, so its body limit does not see them; they
    // count here, with the chunk sizes, against the same limit. Set before the parser, which
    // keeps a reference to it.
    std::uint64_t chunked_bytes = 0;
    auto count_chunk = [&](std::uint64_t size, beast::string_view extensions, boost::system::error_code& ec) {
      chunked_bytes += size + extensions.size();
      if (chunked_bytes > options_.max_body_bytes) ec = beast_http::error::body_limit;
    };
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(header_limit(options_)));
    parser.body_limit(options_.max_body_bytes);
    parser.on_chunk_header(count_chunk);
    raw.expires_after(options_.header_timeout);
    auto [hec, hn] = co_await beast_http::async_read_header(stream, buffer, parser, kNoThrow);
    request_bytes += hn;
    if (hec == beast_http::error::header_limit || hec == beast_http::error::buffer_overflow) {
      co_return co_await refuse(Status::request_header_fields_too_large, "request_header_fields_too_large",
                                "The request header is too large.");
    }
    if (hec == beast_http::error::body_limit) {
      co_return co_await refuse(Status::payload_too_large, "payload_too_large", "The request body is too large.");
    }
    if (hec == beast::error::timeout || hec == beast_http::error::end_of_stream || hec == net::error::eof ||
        hec == net::error::operation_aborted || hec == net::error::connection_reset) {
      co_return;
    }
    if (hec) co_return co_await refuse(Status::bad_request, "malformed_request", "The request is not valid HTTP/1.1.");

    const Request& head = parser.get();
    if (head.target().size() > options_.max_target_bytes) {
      co_return co_await refuse(Status::uri_too_long, "uri_too_long", "The request target is too long.");
    }
    if (header_field_bytes(head) > options_.max_header_bytes) {
      co_return co_await refuse(Status::request_header_fields_too_large, "request_header_fields_too_large",
                                "The request header is too large.");
    }
    // Before anything of the body is read: the bytes after an ambiguous header are never
    // interpreted, and the connection closes.
    if (const auto problem = framing_problem(head)) {
      co_return co_await refuse(Status::bad_request, "malformed_request", *problem);
    }
    if (const auto length = parser.content_length(); length && *length > options_.max_body_bytes) {
      // Refuse before reading a byte of the body, and close: the rest is never read.
      co_return co_await refuse(Status::payload_too_large, "payload_too_large", "The request body is too large.");
    }
    if (!parser.is_done()) {
      if (head.version() >= 11 && beast::iequals(head[beast_http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        raw.expires_after(options_.write_timeout);
        co_await net::async_write(stream, net::buffer(kContinue.data(), kContinue.size()), kNoThrow);
      }
      raw.expires_after(options_.body_timeout);
      auto [bec, bn] = co_await beast_http::async_read(stream, buffer, parser, kNoThrow);
      request_bytes += bn;
      if (bec == beast_http::error::buffer_overflow && overflowed_in_trailer(buffer)) {
        co_return co_await refuse(Status::request_header_fields_too_large, "request_header_fields_too_large",
                                  "The request's trailer fields are too large.");
      }
      if (bec == beast_http::error::body_limit || bec == beast_http::error::buffer_overflow) {
        co_return co_await refuse(Status::payload_too_large, "payload_too_large", "The request body is too large.");
      }
      if (bec == beast::error::timeout || bec == net::error::operation_aborted) co_return;
      if (bec) co_return co_await refuse(Status::bad_request, "malformed_request", "The request body is malformed.");
      // Trailer fields join the header's: together they stay within the header limit.
      if (header_field_bytes(parser.get()) > options_.max_header_bytes) {
        co_return co_await refuse(Status::request_header_fields_too_large, "request_header_fields_too_large",
                                  "The request's trailer fields are too large.");
      }
    }

    Request req = parser.release();
    Exchange ex;
    ex.tls = tls;
    const std::string_view client_id = req["X-Request-Id"];
    ex.request_id = usable_request_id(client_id) ? std::string(client_id) : fmt::format("{}-{}", prefix, sequence);
    ex.client = client_address(req, peer, options_.trust_proxy);

    Response res;
    std::string_view route = kUnmatchedRoute;
    try {
      res = co_await router_.route(req, ex, &route);
    } catch (const std::exception& e) {
      // The one place exceptions are caught: a bug or resource exhaustion, never a client error.
      log_->error("event=http.unhandled_exception request_id={} what={}", ex.request_id, util::logfmt_value(e.what()));
      res = render({Status::internal_server_error, "internal_error", "An unexpected error occurred."}, ex);
    }
    const bool keep_alive = req.keep_alive() && !stopping_;
    res.version(req.version());
    res.keep_alive(keep_alive);
    add_standard_headers(res, ex);
    // A response to HEAD is the GET response's header, Content-Length included, and no body
    // (RFC 9110 9.3.2): sending the body would be read as the start of the next response.
    if (req.method() == beast_http::verb::head) res.body().clear();

    raw.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await beast_http::async_write(stream, res, kNoThrow);
    const std::string_view target = req.target();
    const RequestRecord record{
        .request_id = ex.request_id,
        .method = std::string_view(req.method_string()),
        .route = route,
        .path = target.substr(0, target.find('?')),
        .status = res.result_int(),
        .start = started_wall,
        .duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started),
        .request_bytes = request_bytes,
        .response_bytes = wn};
    notify(record);
    if (wec || !keep_alive) co_return;
  }
}

std::shared_ptr<net::ssl::context> make_tls_context(const std::string& cert_chain_file,
                                                   const std::string& private_key_file) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                   net::ssl::context::single_dh_use | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  // TLS 1.2: ECDHE key exchange with AEAD ciphers only (Mozilla's "intermediate" list); TLS 1.3
  // suites are all modern and keep OpenSSL's defaults.
  SSL_CTX_set_cipher_list(ctx->native_handle(),
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_chain_file, ec);
  if (ec) throw std::runtime_error("cannot load TLS certificate chain " + cert_chain_file + ": " + ec.message());
  ctx->use_private_key_file(private_key_file, net::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot load TLS private key " + private_key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw std::runtime_error("the TLS private key does not match the certificate");
  }
  return ctx;
}

}  // namespace vestibule::http
