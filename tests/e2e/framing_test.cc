// Request framing a hostile client or a confused proxy might send: endless chunk lines and
// trailers must be refused within the limits and without buffering them (memory stays flat),
// and a Transfer-Encoding the server could read differently from a proxy in front must be
// refused with 400 and a close, so that no smuggled second request ever runs.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <sstream>
#include <string>

#include "api_helpers.h"
#include "raw_connection.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
constexpr auto kDeadline = std::chrono::seconds(10);
constexpr std::size_t kFloodBytes = 32 * 1024 * 1024;
// The server may allocate a little on its own (a connection, a response: about 5 MiB of peak
// under ASan, whose allocator keeps freed memory in quarantine); buffering the flood would take
// at least kFloodBytes.
constexpr std::size_t kMaxGrowthKib = kFloodBytes / 1024 / 2;

constexpr std::string_view kChunkedLogin =
    "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

// Writes `request` on a new connection and reads until the server closes it (or the deadline).
RawConnection::Read exchange(unsigned short port, std::string_view request) {
  boost::asio::io_context io;
  RawConnection c(io, port);
  if (const auto ec = c.write(request, kDeadline)) return RawConnection::Read{{}, ec};
  return c.read_until_closed(kDeadline);
}

class ChunkedFramingTest : public SharedServerTest {
 protected:
  // Sends `head` and then up to kFloodBytes of `fill`; expects exactly one refusal with this
  // status and code, the connection closed by the server, and the server's memory flat.
  void expect_refused_without_buffering(const std::string& head, unsigned status, std::string_view code) {
    const std::size_t before = peak_rss_kib(server().pid());
    boost::asio::io_context io;
    RawConnection c(io, port());
    const RawConnection::Flood flood = c.flood(head, 'a', kFloodBytes, kDeadline);
    ASSERT_TRUE(flood.read.closed_by_peer()) << "reading ended with " << flood.read.ec.message() << " after "
                                             << flood.written << " bytes written";
    const auto responses = parse_responses(flood.read.data);
    ASSERT_EQ(responses.size(), 1u) << flood.read.data;
    EXPECT_TRUE(is_problem(responses[0], status, code)) << describe(responses[0]);
    EXPECT_FALSE(responses[0].keep_alive());
    const std::size_t after = peak_rss_kib(server().pid());
    EXPECT_LT(after - before, kMaxGrowthKib) << "peak RSS grew from " << before << " KiB to " << after << " KiB";
    EXPECT_EQ(client().get("/healthz").result_int(), 200u) << "still serving";
  }
};

TEST_F(ChunkedFramingTest, AnEndlessChunkExtensionIsRefusedWithoutBufferingIt) {
  expect_refused_without_buffering(std::string(kChunkedLogin) + "2;x=", 413, "payload_too_large");
}

TEST_F(ChunkedFramingTest, AnEndlessLastChunkExtensionIsRefusedWithoutBufferingIt) {
  expect_refused_without_buffering(std::string(kChunkedLogin) + "2\r\n{}\r\n0;x=", 413, "payload_too_large");
}

TEST_F(ChunkedFramingTest, AnEndlessTrailerIsRefusedWithoutBufferingIt) {
  expect_refused_without_buffering(std::string(kChunkedLogin) + "2\r\n{}\r\n0\r\nX-Trailer: ", 431,
                                   "request_header_fields_too_large");
}

TEST_F(ChunkedFramingTest, ChunkExtensionsCountAgainstTheBodyLimit) {
  // 100 one-byte chunks with 1000-byte extensions: 100 bytes of data, 100 KB of framing, more
  // than the 64 KiB body limit. Each line alone is well within every limit.
  std::string request(kChunkedLogin);
  for (int i = 0; i < 100; ++i) request += "1;e=" + std::string(1000, 'e') + "\r\n \r\n";
  request += "0\r\n\r\n";
  const RawConnection::Read read = exchange(port(), request);
  ASSERT_TRUE(read.closed_by_peer()) << read.ec.message();
  const auto responses = parse_responses(read.data);
  ASSERT_EQ(responses.size(), 1u) << read.data;
  EXPECT_TRUE(is_problem(responses[0], 413, "payload_too_large")) << describe(responses[0]);
}

TEST_F(ChunkedFramingTest, TrailerFieldsCountAgainstTheHeaderLimit) {
  // 9 KiB of trailer: within what the server buffers, over the 8 KiB header limit.
  const std::string request = std::string(kChunkedLogin) + "2\r\n{}\r\n0\r\nX-Trailer: " + std::string(9 * 1024, 't') +
                              "\r\n\r\n";
  const RawConnection::Read read = exchange(port(), request);
  ASSERT_TRUE(read.closed_by_peer()) << read.ec.message();
  const auto responses = parse_responses(read.data);
  ASSERT_EQ(responses.size(), 1u) << read.data;
  EXPECT_TRUE(is_problem(responses[0], 431, "request_header_fields_too_large")) << describe(responses[0]);
}

TEST_F(ChunkedFramingTest, AChunkedBodyWithinTheLimitsIsRead) {
  // The refusals above are about size, not about chunked coding: a small chunked login with an
  // extension and a trailer is answered (401: no such account).
  const std::string body = json::serialize(json::object{{"email", unique_email("chunked")}, {"password", kPassword}});
  const std::string request = std::string(kChunkedLogin) + (std::stringstream() << std::hex << body.size()).str() +
                              ";note=1\r\n" + body + "\r\n0\r\nX-Trailer: t\r\n\r\n";
  boost::asio::io_context io;
  RawConnection c(io, port());
  ASSERT_FALSE(c.write(request, kDeadline));
  ASSERT_FALSE(c.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", kDeadline));
  const RawConnection::Read read = c.read_until_closed(kDeadline);
  ASSERT_TRUE(read.closed_by_peer()) << read.ec.message();
  const auto responses = parse_responses(read.data);
  ASSERT_EQ(responses.size(), 2u) << read.data;
  EXPECT_TRUE(is_problem(responses[0], 401, "invalid_credentials")) << describe(responses[0]);
  EXPECT_EQ(responses[1].result_int(), 200u);
}

// Each request carries a registration as its "body", which a server that ignored the
// Transfer-Encoding would run as a second request.
class SmugglingTest : public SharedServerTest {
 protected:
  void expect_refused_and_not_smuggled(std::string_view version, std::string_view framing_fields) {
    const std::string email = unique_email("smuggled");
    const std::string registration =
        json::serialize(json::object{{"name", "Smuggled"}, {"email", email}, {"password", kPassword}});
    const std::string smuggled = "POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                 "Content-Length: " + std::to_string(registration.size()) + "\r\n\r\n" + registration;
    const std::string request = "POST /v1/sessions " + std::string(version) +
                                "\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n" + std::string(framing_fields) +
                                "\r\n" + smuggled;
    const RawConnection::Read read = exchange(port(), request);
    ASSERT_TRUE(read.closed_by_peer()) << framing_fields << ": " << read.ec.message();
    const auto responses = parse_responses(read.data);
    ASSERT_EQ(responses.size(), 1u) << framing_fields << ":\n" << read.data;
    EXPECT_TRUE(is_problem(responses[0], 400, "malformed_request")) << framing_fields << describe(responses[0]);
    EXPECT_FALSE(responses[0].keep_alive());
    // The smuggled registration never ran: the address is still free.
    Response again = client().post("/v1/users", json::object{{"name", "Real"}, {"email", email}, {"password", kPassword}});
    EXPECT_EQ(again.result_int(), 201u) << framing_fields << describe(again);
  }
};

TEST_F(SmugglingTest, ATransferEncodingNotEndingInChunkedIsRefused) {
  for (std::string_view te : {"xchunked", "identity", "gzip", "chunked, identity", "chunked, chunked", "gzip, chunked",
                              ""}) {
    expect_refused_and_not_smuggled("HTTP/1.1", "Transfer-Encoding: " + std::string(te) + "\r\n");
  }
}

TEST_F(SmugglingTest, TwoTransferEncodingFieldsAreRefused) {
  expect_refused_and_not_smuggled("HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n");
  expect_refused_and_not_smuggled("HTTP/1.1", "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n");
}

TEST_F(SmugglingTest, TransferEncodingInHttp10IsRefused) {
  expect_refused_and_not_smuggled("HTTP/1.0", "Transfer-Encoding: chunked\r\n");
  expect_refused_and_not_smuggled("HTTP/1.0", "Transfer-Encoding: identity\r\n");
}

TEST_F(SmugglingTest, TransferEncodingWithContentLengthIsRefused) {
  expect_refused_and_not_smuggled("HTTP/1.1", "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n");
  expect_refused_and_not_smuggled("HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n");
  expect_refused_and_not_smuggled("HTTP/1.1", "Transfer-Encoding: identity\r\nContent-Length: 0\r\n");
}

}  // namespace
}  // namespace vestibule::e2e
