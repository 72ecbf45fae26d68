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
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

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

// GET `target` over TLS, trusting only `ca`; `max_version` limits what the client offers.
http::response<http::string_body> tls_get(unsigned short port, const std::filesystem::path& ca,
                                          const std::string& target, int max_version = 0) {
  net::io_context io;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(ca.string());
  ctx.set_verify_mode(net::ssl::verify_peer);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  stream.handshake(net::ssl::stream_base::client);
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
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
  auto res = tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::strict_transport_security], "max-age=63072000");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
}

TEST_F(TlsTest, RefusesTls11) {
  EXPECT_THROW(tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz", TLS1_1_VERSION),
               boost::system::system_error);
  // ...and keeps serving afterwards.
  EXPECT_EQ(tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz").result_int(), 200u);
}

TEST_F(TlsTest, AnswersNothingToPlainHttp) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  http::request<http::string_body> req{http::verb::get, "/healthz", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  boost::system::error_code ec;
  http::read(stream, buffer, res, ec);
  EXPECT_TRUE(ec) << "a plain HTTP request got an answer: " << res.result_int();
  EXPECT_EQ(tls_get(server_->port(), certs_.path() / "cert.pem", "/healthz").result_int(), 200u);
}

TEST(TlsConfigTest, APlainNonLoopbackListenerIsRefusedWithoutAllowInsecureHttp) {
  TempDir dir;
  const std::string out = (dir.path() / "out.txt").string();
  const std::string command = std::string("'") + VESTIBULE_BINARY + "' serve --listen 0.0.0.0:0 --store 'sqlite:" +
                              (dir.path() / "v.db").string() + "' >'" + out + "' 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream in(out);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("refusing plain HTTP on non-loopback address"), std::string::npos) << log;
  EXPECT_EQ(log.find("event=listening"), std::string::npos) << log;
}

}  // namespace
}  // namespace vestibule::e2e
