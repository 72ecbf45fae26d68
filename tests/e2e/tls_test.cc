// HTTPS: with --tls-cert/--tls-key the server speaks TLS 1.2+ only, with a certificate the test
// generates, and marks responses with Strict-Transport-Security.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdlib>
#include <string>

#include "raw_connection.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// A self-signed P-256 certificate for 127.0.0.1, made with the openssl command.
void make_certificate(const std::filesystem::path& dir) {
  const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                              "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout '" +
                              (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() +
                              "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a test certificate";
}

constexpr auto kDeadline = std::chrono::seconds(10);

// The outcome of one HTTPS GET: which step failed (empty when none did) and how.
struct TlsGet {
  std::string failed_at;  // "connect", "handshake", "write", "read"; "" on success
  boost::system::error_code ec;
  http::response<http::string_body> res;
};

// GET `target` over TLS, trusting only `ca`; `max_version` limits what the client offers. Each
// step is asynchronous on a private io_context bounded by kDeadline (blocking Beast calls ignore
// expires_after), so a server that never answers fails the test with "timed out".
TlsGet tls_get(unsigned short port, const std::filesystem::path& ca, const std::string& target, int max_version = 0) {
  net::io_context io;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(ca.string());
  ctx.set_verify_mode(net::ssl::verify_peer);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  TlsGet out;
  auto step = [&](std::string_view what) {
    if (!run_within(io, beast::get_lowest_layer(stream).socket(), kDeadline)) out.ec = net::error::timed_out;
    if (out.ec) out.failed_at = what;
    return !out.ec;
  };
  auto done = [&](boost::system::error_code e, auto&&...) { out.ec = e; };
  beast::get_lowest_layer(stream).async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                                done);
  if (!step("connect")) return out;
  stream.async_handshake(net::ssl::stream_base::client, done);
  if (!step("handshake")) return out;
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::async_write(stream, req, done);
  if (!step("write")) return out;
  beast::flat_buffer buffer;
  http::async_read(stream, buffer, out.res, done);
  step("read");
  return out;
}

class TlsTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_certificate(certs_.path()));
    ServerConfig config;
    config.extra_args = {"--tls-cert", (certs_.path() / "cert.pem").string(), "--tls-key",
                         (certs_.path() / "key.pem").string()};
    server_ = ServerProcess::start(config);
  }
  TempDir certs_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, ServesHttpsWithStrictTransportSecurity) {
  const TlsGet get = tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz");
  ASSERT_EQ(get.failed_at, "") << get.ec.message();
  const auto& res = get.res;
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::strict_transport_security], "max-age=63072000");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
}

TEST_F(TlsTest, RefusesTls11) {
  const TlsGet old = tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz", TLS1_1_VERSION);
  EXPECT_EQ(old.failed_at, "handshake");
  EXPECT_NE(old.ec, net::error::timed_out) << "refused, not left hanging";
  // ...and keeps serving afterwards.
  const TlsGet next = tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz");
  ASSERT_EQ(next.failed_at, "") << next.ec.message();
  EXPECT_EQ(next.res.result_int(), 200u);
}

TEST_F(TlsTest, AnswersNothingToPlainHttp) {
  net::io_context io;
  RawConnection c(io, server_->port());
  ASSERT_FALSE(c.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", kDeadline));
  // The handshake fails on the first bytes: the server closes (at most after a TLS alert record)
  // without anything that looks like HTTP, and well before our deadline.
  const RawConnection::Read read = c.read_until_closed(kDeadline);
  EXPECT_TRUE(read.closed_by_peer()) << read.ec.message();
  EXPECT_FALSE(read.data.starts_with("HTTP/")) << read.data;
  const TlsGet next = tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz");
  ASSERT_EQ(next.failed_at, "") << next.ec.message();
  EXPECT_EQ(next.res.result_int(), 200u);
}

TEST(TlsConfigTest, APlainNonLoopbackListenerIsRefusedWithoutAllowInsecureHttp) {
  ServerConfig config;
  config.listen = "0.0.0.0:0";
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(10));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("refusing plain HTTP on non-loopback address"), std::string::npos) << exit.log;
  EXPECT_EQ(exit.log.find("event=listening"), std::string::npos) << exit.log;
}

}  // namespace
}  // namespace vestibule::e2e
