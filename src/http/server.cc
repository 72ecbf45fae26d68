#include "http/server.h"

#include <sodium.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
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

namespace vestibule::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

class Server::Connection {
 public:
  explicit Connection(tcp::socket socket) : plain(std::move(socket)) {}
  // The TCP stream, owned by `tls` once the connection is encrypted.
  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : plain; }
  beast::tcp_stream plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool busy = false;  // between the first byte of a request and its response; strand-only
};

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

}  // namespace

Server::Server(net::io_context& io, const Router& router, ServerOptions options, std::shared_ptr<spdlog::logger> log)
    : io_(io), router_(router), options_(std::move(options)), log_(std::move(log)), acceptor_(io) {
  acceptor_.open(options_.endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  if (options_.endpoint.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true));
  acceptor_.bind(options_.endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

Server::~Server() = default;

tcp::endpoint Server::local_endpoint() const { return acceptor_.local_endpoint(); }

void Server::start() { net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached); }

void Server::stop() {
  if (stopping_.exchange(true)) return;
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(mutex_);
  for (auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) {
      // Runs on the connection's strand, so `busy` is read between the coroutine's steps.
      net::post(c->plain.get_executor(), [c] {
        boost::system::error_code ignored;  // the connection may have closed meanwhile
        if (!c->busy) c->lowest().socket().cancel(ignored);
      });
    }
  }
}

net::awaitable<void> Server::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(io_), kNoThrow);
    if (ec) {
      if (stopping_ || ec == net::error::operation_aborted) co_return;
      // Typically EMFILE: back off briefly instead of spinning on a full descriptor table.
      log_->warn("accept failed: {}", ec.message());
      net::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    auto c = std::make_shared<Connection>(std::move(socket));
    const std::uint64_t id = next_id_++;
    if (open_.load() >= options_.max_connections && options_.tls) {
      continue;  // no TLS handshake is spent on a refusal: the connection just closes
    }
    if (open_.load() >= options_.max_connections) {
      net::co_spawn(c->plain.get_executor(), [this, c, id]() -> net::awaitable<void> {
        Exchange ex{fmt::format("{:08x}", id)};
        Response res = router_.error_renderer()(
            {Status::service_unavailable, "overloaded", "Too many open connections; retry shortly."}, ex);
        res.set(beast_http::field::retry_after, "1");
        res.keep_alive(false);
        add_standard_headers(res, ex);
        // A refusal is cheap and brief: a client that does not read it in a second is dropped.
        c->plain.expires_after(std::chrono::seconds(1));
        co_await beast_http::async_write(c->plain, res, kNoThrow);
        boost::system::error_code ignored;
        c->plain.socket().shutdown(tcp::socket::shutdown_both, ignored);
      }, net::detached);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      connections_.emplace(id, c);
    }
    ++open_;
    net::co_spawn(c->plain.get_executor(),
                  [this, c, id]() -> net::awaitable<void> {
                    try {
                      co_await serve(c);
                    } catch (const std::exception& e) {
                      log_->error("connection {}: {}", id, e.what());
                    }
                    boost::system::error_code ignored;
                    c->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
                    c->lowest().socket().close(ignored);
                    {
                      std::lock_guard lock(mutex_);
                      connections_.erase(id);
                    }
                    --open_;
                  },
                  net::detached);
  }
}

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
  // Once per connection, not per request (a system call).
  const std::string peer = [&] {
    boost::system::error_code ec;
    const auto endpoint = raw.socket().remote_endpoint(ec);
    return ec ? std::string() : endpoint.address().to_string();
  }();
  const ErrorRenderer& render = router_.error_renderer();
  const std::string prefix = fmt::format("{:06x}", randombytes_random() & 0xffffff);
  std::uint64_t sequence = 0;

  // Writes a response the server itself decided on (a limit or framing error) and closes.
  auto refuse = [&](Status status, std::string_view code, std::string_view detail) -> net::awaitable<void> {
    Exchange ex;
    ex.request_id = fmt::format("{}-{}", prefix, sequence);
    ex.tls = tls;
    Response res = render({status, code, detail}, ex);
    res.keep_alive(false);
    add_standard_headers(res, ex);
    raw.expires_after(options_.write_timeout);
    co_await beast_http::async_write(stream, res, kNoThrow);
    log_->info("request_id={} method=- path=- status={} latency_us=0", ex.request_id, static_cast<unsigned>(status));
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
    const auto started = std::chrono::steady_clock::now();

    beast_http::request_parser<beast_http::string_body> parser;
    // The parser's limit covers the request line too; the finer 414/431 split is checked below.
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes + options_.max_target_bytes + 64));
    parser.body_limit(options_.max_body_bytes);
    raw.expires_after(options_.header_timeout);
    auto [hec, hn] = co_await beast_http::async_read_header(stream, buffer, parser, kNoThrow);
    if (hec == beast_http::error::header_limit) {
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
      if (bec == beast_http::error::body_limit) {
        co_return co_await refuse(Status::payload_too_large, "payload_too_large", "The request body is too large.");
      }
      if (bec == beast::error::timeout || bec == net::error::operation_aborted) co_return;
      if (bec) co_return co_await refuse(Status::bad_request, "malformed_request", "The request body is malformed.");
    }

    Request req = parser.release();
    Exchange ex;
    ex.tls = tls;
    const std::string_view client_id = req["X-Request-Id"];
    ex.request_id = usable_request_id(client_id) ? std::string(client_id) : fmt::format("{}-{}", prefix, sequence);
    ex.client = client_address(req, peer, options_.trust_proxy);

    Response res;
    try {
      res = co_await router_.route(req, ex);
    } catch (const std::exception& e) {
      // The one place exceptions are caught: a bug or resource exhaustion, never a client error.
      log_->error("request_id={} unhandled exception: {}", ex.request_id, e.what());
      res = render({Status::internal_server_error, "internal_error", "An unexpected error occurred."}, ex);
    }
    const bool keep_alive = req.keep_alive() && !stopping_;
    res.version(req.version());
    res.keep_alive(keep_alive);
    add_standard_headers(res, ex);

    raw.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await beast_http::async_write(stream, res, kNoThrow);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    const std::string_view target = req.target();
    log_->info("request_id={} method={} path={} status={} latency_us={}", ex.request_id,
               std::string_view(req.method_string()), target.substr(0, target.find('?')), res.result_int(), micros);
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
