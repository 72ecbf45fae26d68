#include "http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "http/connection.h"
#include "util/logfmt.h"

// Admission: the acceptor, the connection limits, refusals and the descriptor spare. Serving an
// admitted connection is server.cc's.
namespace vestibule::http {

namespace {

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == boost::system::errc::too_many_files_open || ec == boost::system::errc::too_many_files_open_in_system;
}

}  // namespace

Server::Server(net::io_context& io, const Router& router, ServerOptions options, std::shared_ptr<spdlog::logger> log,
               std::vector<std::shared_ptr<RequestObserver>> observers)
    : io_(io),
      router_(router),
      options_(std::move(options)),
      log_(std::move(log)),
      observers_(std::move(observers)),
      acceptor_(net::make_strand(io)) {
  acceptor_.open(options_.endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  if (options_.endpoint.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true));
  acceptor_.bind(options_.endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

Server::~Server() = default;

tcp::endpoint Server::local_endpoint() const { return acceptor_.local_endpoint(); }

// co_spawn on the acceptor's strand: the loop, and so every use of acceptor_, runs there.
void Server::start() { net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached); }

void Server::stop() {
  if (stopping_.exchange(true)) return;
  // On the acceptor's strand, so the close never races an accept in progress.
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

void Server::notify(const RequestRecord& record) const {
  for (const auto& o : observers_) o->on_request(record);
}

void Server::notify(ConnectionEvent event) const {
  for (const auto& o : observers_) o->on_connection(event);
}

net::awaitable<void> Server::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(io_), kNoThrow);
    if (ec) {
      if (stopping_ || ec == net::error::operation_aborted) co_return;
      // Out of descriptors: shed the pending connection through the spare, so its client sees
      // a close instead of hanging in the backlog; the next accept takes the next one.
      // Shed, it is refused like one past a connection limit, only without an answer.
      if (out_of_descriptors(ec)) {
        // Counted before the close, as a 503 is before its answer: never behind what a client saw.
        const auto shed = spare_.shed_one(acceptor_.native_handle(), [this] { notify(ConnectionEvent::refused); });
        if (shed != SpareDescriptor::Shed::failed) continue;
      }
      log_->warn("event=http.accept_failed reason={}", util::logfmt_value(ec.message()));
      net::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    admit(std::move(socket));
  }
}

void Server::admit(tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // gone before we looked: closing is all there is to do
  // A TLS handshake and a response that closes are several small writes in a row; Nagle's
  // algorithm would hold each behind the peer's delayed ACK (about 40 ms a connection).
  socket.set_option(tcp::no_delay(true), ec);
  auto c = std::make_shared<Connection>(std::move(socket), header_limit(options_), remote.address());
  const std::uint64_t id = next_id_++;
  std::string_view refusal;
  {
    std::lock_guard lock(mutex_);
    if (options_.max_connections != 0 && open_.load() >= options_.max_connections) {
      refusal = "Too many open connections; retry shortly.";
    } else if (std::size_t& mine = per_client_[c->peer];
               options_.max_connections_per_client != 0 && mine >= options_.max_connections_per_client) {
      refusal = "Too many open connections from this client; retry shortly.";
    } else {
      ++mine;
      connections_.emplace(id, c);
      ++open_;
    }
  }
  if (!refusal.empty()) {
    refuse_connection(std::move(c), id, refusal);
    return;
  }
  notify(ConnectionEvent::opened);
  net::co_spawn(c->plain.get_executor(),
                [this, c, id]() -> net::awaitable<void> {
                  try {
                    co_await serve(c);
                  } catch (const std::exception& e) {
                    log_->error("event=http.connection_failed connection={} what={}", id, util::logfmt_value(e.what()));
                  }
                  boost::system::error_code ignored;
                  c->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
                  c->lowest().socket().close(ignored);
                  release(id, c->peer);
                },
                net::detached);
}

void Server::release(std::uint64_t id, const net::ip::address& peer) {
  {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
    if (auto it = per_client_.find(peer); it != per_client_.end() && --it->second == 0) per_client_.erase(it);
    --open_;
  }
  notify(ConnectionEvent::closed);
}

void Server::refuse_connection(std::shared_ptr<Connection> c, std::uint64_t id, std::string_view detail) {
  notify(ConnectionEvent::refused);
  // No TLS handshake is spent on a refusal, and past kMaxRefusalsInFlight none is written
  // either: the connection just closes (its descriptor is back at once).
  if (options_.tls || refusing_.load() >= kMaxRefusalsInFlight) return;
  ++refusing_;
  net::co_spawn(c->plain.get_executor(), [this, c, id, detail]() -> net::awaitable<void> {
    Exchange ex{fmt::format("{:08x}", id)};
    Response res = router_.error_renderer()({Status::service_unavailable, "overloaded", detail}, ex);
    res.set(beast_http::field::retry_after, "1");
    res.keep_alive(false);
    add_standard_headers(res, ex);
    // A refusal is cheap and brief: a client that does not read it in a second is dropped.
    c->plain.expires_after(std::chrono::seconds(1));
    co_await beast_http::async_write(c->plain, res, kNoThrow);
    boost::system::error_code ignored;
    c->plain.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c->plain.socket().close(ignored);
    --refusing_;
  }, net::detached);
}

}  // namespace vestibule::http
