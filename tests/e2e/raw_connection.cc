#include "raw_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace vestibule::e2e {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

bool run_within(net::io_context& io, tcp::socket& socket, Milliseconds timeout) {
  io.restart();
  io.run_for(timeout);
  if (io.stopped()) return true;
  error_code ignored;
  socket.cancel(ignored);
  io.restart();
  io.run();  // the cancelled operations complete at once
  return false;
}

RawConnection::RawConnection(net::io_context& io, unsigned short port, Milliseconds timeout) : io_(io), socket_(io) {
  error_code ec = net::error::timed_out;
  socket_.async_connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port), [&](error_code e) { ec = e; });
  if (!run_within(io_, socket_, timeout)) ec = net::error::timed_out;
  if (ec) throw std::runtime_error("raw connection to 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
  socket_.set_option(tcp::no_delay(true));
}

error_code RawConnection::write(std::string_view bytes, Milliseconds timeout) {
  error_code ec;
  net::async_write(socket_, net::buffer(bytes.data(), bytes.size()), [&](error_code e, std::size_t) { ec = e; });
  if (!run_within(io_, socket_, timeout)) return net::error::timed_out;
  return ec;
}

bool RawConnection::Read::closed_by_peer() const {
  return ec == net::error::eof || ec == net::error::connection_reset;
}

namespace {

// Reads into `out` until an error (the close, or a cancellation), or until `until` (if not
// empty) has been read.
struct ReadLoop {
  tcp::socket& socket;
  RawConnection::Read& out;
  std::string_view until;
  std::array<char, 16 * 1024> chunk{};
  void start() {
    socket.async_read_some(net::buffer(chunk), [this](error_code ec, std::size_t n) {
      out.data.append(chunk.data(), n);
      if (ec) {
        out.ec = ec;
        return;
      }
      if (!until.empty() && out.data.find(until) != std::string::npos) return;
      start();
    });
  }
};

}  // namespace

RawConnection::Read RawConnection::read_until_closed(Milliseconds timeout) { return read_until({}, timeout); }

RawConnection::Read RawConnection::read_until(std::string_view needle, Milliseconds timeout) {
  Read out;
  auto loop = std::make_unique<ReadLoop>(ReadLoop{socket_, out, needle});
  loop->start();
  if (!run_within(io_, socket_, timeout)) out.ec = net::error::timed_out;
  return out;
}

RawConnection::Flood RawConnection::flood(std::string_view head, char fill, std::size_t total, Milliseconds timeout) {
  Flood out;
  auto reader = std::make_unique<ReadLoop>(ReadLoop{socket_, out.read, {}});
  reader->start();
  const std::string piece(64 * 1024, fill);
  // Writes `head`, then pieces of fill; stops at the total or the first error (the server has
  // refused and closed).
  struct Writer {
    tcp::socket& socket;
    const std::string& piece;
    std::size_t total;
    std::size_t& written;
    void next() {
      if (written >= total) return;
      const std::size_t n = std::min(piece.size(), total - written);
      net::async_write(socket, net::buffer(piece.data(), n), [this](error_code ec, std::size_t sent) {
        written += sent;
        if (!ec) next();
      });
    }
  } writer{socket_, piece, total, out.written};
  net::async_write(socket_, net::buffer(head.data(), head.size()), [&](error_code ec, std::size_t) {
    if (!ec) writer.next();
  });
  if (!run_within(io_, socket_, timeout)) out.read.ec = net::error::timed_out;
  return out;
}

std::vector<boost::beast::http::response<boost::beast::http::string_body>> parse_responses(std::string_view bytes) {
  namespace http = boost::beast::http;
  std::vector<http::response<http::string_body>> out;
  while (!bytes.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    error_code ec;
    const std::size_t used = parser.put(net::buffer(bytes.data(), bytes.size()), ec);
    if (ec || !parser.is_done()) break;
    out.push_back(parser.release());
    bytes.remove_prefix(used);
  }
  return out;
}

std::size_t peak_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::stoul(line.substr(6));
  }
  throw std::runtime_error("no VmHWM in /proc/" + std::to_string(pid) + "/status");
}

}  // namespace vestibule::e2e
