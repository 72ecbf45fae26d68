#include "fake_admin_api.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>

namespace vestibule::import::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// One connection: read a request, answer it, until the client closes. Callbacks keep the
// session alive through shared_from_this; io_context::stop() ends them all.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const FakeAdminApi::Handler& handler, std::atomic<int>& requests)
      : stream_(std::move(socket)), handler_(handler), requests_(requests) {}

  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    ++requests_;
    Answer a = handler_(request_);
    response_ = http::response<http::string_body>(static_cast<http::status>(a.status), 11);
    response_.set(http::field::content_type, a.status < 300 ? "application/json" : "application/problem+json");
    response_.body() = std::move(a.body);
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (!ec && self->response_.keep_alive()) self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Request request_;
  http::response<http::string_body> response_;
  const FakeAdminApi::Handler& handler_;
  std::atomic<int>& requests_;
};

}  // namespace

FakeAdminApi::FakeAdminApi(Handler handler)
    : handler_(std::move(handler)), acceptor_(io_, tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

FakeAdminApi::~FakeAdminApi() {
  io_.stop();
  thread_.join();
}

void FakeAdminApi::accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec) return;
    ++connections_;
    std::make_shared<Session>(std::move(socket), handler_, requests_)->read();
    accept();
  });
}

}  // namespace vestibule::import::testing
