// A raw TCP connection to the server under test, for what HttpClient cannot send: malformed or
// endless framing, a stalled header, a connection held open, bytes dripped one at a time.
// Every operation is asynchronous and runs on the caller's io_context for at most its deadline
// (run_for); a timeout is reported as error::timed_out, never waited out. Blocking Asio calls
// would ignore SO_RCVTIMEO and hang the test on a regression instead of failing it.
// Not thread-safe: one thread drives an io_context and every RawConnection on it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::e2e {

using Milliseconds = std::chrono::milliseconds;

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error if that fails or takes past `timeout`.
  RawConnection(boost::asio::io_context& io, unsigned short port, Milliseconds timeout = std::chrono::seconds(5));

  // Writes all of `bytes`: the error, error::timed_out if the deadline passed first.
  boost::system::error_code write(std::string_view bytes, Milliseconds timeout);

  struct Read {
    std::string data;              // everything received
    boost::system::error_code ec;  // how reading ended: eof, connection_reset, timed_out...
    // Whether the server closed the connection (an orderly close or a reset), as opposed to a
    // timeout or another failure.
    bool closed_by_peer() const;
  };
  // Reads until the server closes the connection or the deadline passes.
  Read read_until_closed(Milliseconds timeout);
  // Reads until what was read contains `needle` (ec is then empty), the server closes the
  // connection, or the deadline passes.
  Read read_until(std::string_view needle, Milliseconds timeout);

  // Writes `head`, then `fill` over and over until `total` bytes of it are written, reading
  // whatever comes back meanwhile; ends when the server has closed the connection (reading sees
  // the close; writing may fail before `total`), or at the deadline (read.ec == timed_out).
  struct Flood {
    Read read;
    std::size_t written = 0;  // bytes of fill written
  };
  Flood flood(std::string_view head, char fill, std::size_t total, Milliseconds timeout);

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket socket_;
};

// Runs `io` until it has no work or `timeout` passes; on a timeout cancels `socket`'s
// operations and lets them complete (with operation_aborted). True when it finished in time.
bool run_within(boost::asio::io_context& io, boost::asio::ip::tcp::socket& socket, Milliseconds timeout);

// The complete HTTP responses at the start of `bytes`, in order (an unfinished one is left out).
std::vector<boost::beast::http::response<boost::beast::http::string_body>> parse_responses(std::string_view bytes);

// VmHWM (the peak resident set) of process `pid`, in KiB; throws if it cannot be read.
std::size_t peak_rss_kib(int pid);

}  // namespace vestibule::e2e
