// A non-blocking, pipelining Redis client on the server's own event loop: hiredis supplies the
// protocol (its command formatter and reply reader), Asio the socket. Commands from any thread
// are queued on one connection in order and answered in order; a slow reply delays only the
// commands behind it, never a network thread.
//
// Failure model: if Redis cannot be reached, or a reply is late by more than command_timeout,
// every queued command completes with Error::unavailable and the connection is closed. The next
// command reconnects (at most one attempt per reconnect_backoff; in between, commands fail at
// once), so the service recovers by itself when Redis returns. Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

struct redisReply;

namespace vestibule::store::redis {

struct Reply {
  enum class Type { string, status, error, integer, nil, array };
  Type type = Type::nil;
  std::string str;  // string, status and error replies
  long long integer = 0;
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::string port = "6379";
  std::string user;      // empty: AUTH with password only (or no AUTH)
  std::string password;  // empty: no AUTH
  int db = 0;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds reconnect_backoff{200};
  std::shared_ptr<spdlog::logger> logger{};  // none: nothing is logged
};

class RedisClient : public std::enable_shared_from_this<RedisClient> {
 public:
  // Make with std::make_shared; no connection is made until the first command.
  RedisClient(boost::asio::any_io_executor executor, ClientOptions options);
  ~RedisClient();

  // Sends one command (e.g. {"GET", key}) and returns its reply. A Redis error reply is a
  // Reply of Type::error, not a failure; Error::unavailable means no reply came.
  Task<Result<Reply>> command(std::vector<std::string> args);

  // Closes the connection; queued commands fail with Error::unavailable.
  void close();

  // Whether the connection is up: true from a successful connect until the client notices it is
  // lost (a failed read or write, a reply late by command_timeout, close()); false before the
  // first command (connections are lazy) and while reconnecting. A snapshot for monitoring: an
  // atomic load, callable from any thread.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

 private:
  using Completion = std::function<void(Result<Reply>)>;
  struct Pending {
    Completion done;
    std::chrono::steady_clock::time_point deadline;
    bool internal = false;  // handshake command: its reply is checked here, not returned
  };

  void enqueue(std::string wire, Completion done);  // on strand_
  void start_connect();                             // on strand_
  boost::asio::awaitable<void> connect(std::uint64_t generation);
  boost::asio::awaitable<void> read_loop(std::uint64_t generation);
  boost::asio::awaitable<void> write_loop(std::uint64_t generation);
  boost::asio::awaitable<void> watchdog(std::uint64_t generation);
  void fail_all(const char* why);  // on strand_

  enum class State { disconnected, connecting, connected };

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  ClientOptions options_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer write_signal_;
  State state_ = State::disconnected;
  std::atomic<bool> connected_{false};  // state_ == State::connected, for connected()
  std::uint64_t generation_ = 0;  // bumps on every (dis)connect; stale loops see it and stop
  std::chrono::steady_clock::time_point last_failure_{};
  std::string outbox_;            // formatted commands not yet written
  std::deque<Pending> pending_;   // commands written or queued, awaiting replies, in order
};

// The wire form of a command (RESP array of bulk strings), via hiredis's formatter.
std::string format_command(const std::vector<std::string>& args);

// A reply hiredis's reader parsed, as a Reply.
Reply reply_of(const redisReply& r);

}  // namespace vestibule::store::redis
