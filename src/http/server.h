// The HTTP/1.1 server: accepts connections on one endpoint and runs one coroutine per connection
// (read request, route, write response, repeat while keep-alive). Every limit is explicit, so a
// slow or hostile client costs a bounded amount of memory and time:
//   - request header (request line excluded) <= max_header_bytes, else 431;
//   - request target <= max_target_bytes, else 414;
//   - body <= max_body_bytes, else 413 (decided from Content-Length before the body is read);
//     chunk extensions count against it too (413), trailer fields against max_header_bytes
//     (431), and no line of framing (request header, chunk line, trailer) is ever buffered past
//     the header limit: the connection's buffer is bounded, so memory per connection is too;
//   - framing that could be read two ways (Transfer-Encoding other than one `chunked`, or with
//     Content-Length, or on HTTP/1.0; a missing or repeated Host) gets 400 and the connection
//     closes (framing.h);
//   - idle keep-alive connection closed after idle_timeout, a header must arrive whole within
//     header_timeout of its first byte (slowloris), the body within body_timeout, and a
//     response must be written within write_timeout.
//   - connections beyond max_connections, or beyond max_connections_per_client from one peer
//     address, are refused with 503 + Retry-After and closed; at most kMaxRefusalsInFlight such
//     refusals are written at once (descriptors.h), past that a refused connection is closed
//     without a word;
//   - when accept() finds no descriptor left, a spare one is given back to accept and close the
//     pending connection (descriptors.h), so clients see a closed connection, never a hang;
//     such a connection is reported as refused too (ConnectionEvent::refused).
// HEAD is answered like GET without the body. Every finished request is reported to the
// RequestObservers (observer.h; the access log is one).
// Every response carries X-Request-Id, Cache-Control: no-store and X-Content-Type-Options.
// Thread-safe: run the io_context on any number of threads; start() and stop() may be called
// from any (the acceptor lives on its own strand, where both run).
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "http/descriptors.h"
#include "http/observer.h"
#include "http/router.h"

namespace vestibule::http {

struct ServerOptions {
  boost::asio::ip::tcp::endpoint endpoint;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_target_bytes = 8 * 1024;
  // 0: no limit of our own (the descriptor limit is the only bound).
  std::size_t max_connections = 10000;
  // Open connections from one TCP peer address; 0: no limit. Counted by the peer, not by
  // X-Forwarded-For (unknown when the connection is accepted): behind a proxy the proxy is one
  // client, so raise this or turn it off there.
  std::size_t max_connections_per_client = 256;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Believe X-Forwarded-For (only behind a proxy that sets it; otherwise clients could pick
  // the address they are throttled under).
  bool trust_proxy = false;
  // When set, connections speak HTTPS (see make_tls_context) and responses carry
  // Strict-Transport-Security. The TLS handshake must finish within header_timeout.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

// A server-side TLS context: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites for 1.2,
// the certificate chain and private key from PEM files. Throws std::runtime_error saying what
// could not be loaded.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_chain_file,
                                                            const std::string& private_key_file);

class Server {
 public:
  // Binds and listens at once (so the caller can report a busy port before going further).
  // Throws boost::system::system_error when the endpoint cannot be bound. `log` gets the
  // server's own events (accept failures, unhandled exceptions); every finished request goes
  // to each of `observers`, in order (e.g. an AccessLog).
  Server(boost::asio::io_context& io, const Router& router, ServerOptions options,
         std::shared_ptr<spdlog::logger> log, std::vector<std::shared_ptr<RequestObserver>> observers);
  ~Server();

  // The bound endpoint (port 0 in the options picks a free one).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Starts accepting; returns at once (work runs on the io_context).
  void start();

  // Stops accepting, closes idle connections and lets in-flight requests finish; their
  // connections close after the response. Idempotent.
  void stop();

  std::size_t open_connections() const { return open_.load(); }

 private:
  class Connection;
  boost::asio::awaitable<void> accept_loop();
  void admit(boost::asio::ip::tcp::socket socket);
  void refuse_connection(std::shared_ptr<Connection> c, std::uint64_t id, std::string_view detail);
  void release(std::uint64_t id, const boost::asio::ip::address& peer);
  void notify(const RequestRecord& record) const;
  void notify(ConnectionEvent event) const;
  boost::asio::awaitable<void> serve(std::shared_ptr<Connection> c);
  template <typename Stream>
  boost::asio::awaitable<void> session(Connection& c, Stream& stream);

  boost::asio::io_context& io_;
  const Router& router_;
  ServerOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::shared_ptr<RequestObserver>> observers_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on its own strand: accept, start and stop run there
  SpareDescriptor spare_;                    // acceptor strand only
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> refusing_{0};
  std::atomic<std::uint64_t> next_id_{0};
  std::mutex mutex_;  // guards the two maps
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::unordered_map<boost::asio::ip::address, std::size_t> per_client_;
};

}  // namespace vestibule::http
