// A client of Vestibule's admin API for the import commands: one keep-alive HTTP/1.1 connection
// (http:// or https://, the server's certificate verified against the system's roots or a given
// CA file), reopened when the server closes it. Every step (resolve, connect, TLS handshake,
// write, read) has a deadline, and a response is bounded in size, so that a stalled or hostile
// server cannot hang or exhaust the importer.
// Not thread-safe: each worker owns one client (the connection is its own).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace vestibule::import {

// Where the admin API is: parsed once from --admin-url.
struct AdminEndpoint {
  bool tls = false;
  std::string host;       // a name or an address, without brackets
  std::string port;       // "80"/"443" when the URL names none
  std::string host_field; // the Host header: host[:port] as the URL wrote it
  std::string base_path;  // the URL's path without a trailing slash ("" or "/vestibule")
};

// http://HOST[:PORT][/PATH] or https://...; no user info, query or fragment (a token goes in
// the token file, never in a URL). The error says what is wrong, for the usage message.
boost::system::result<AdminEndpoint, std::string> parse_admin_url(std::string_view url);

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + connect + TLS handshake
  std::chrono::milliseconds request_timeout{30'000};  // write the request, read the answer
  // A user's answer is under a kilobyte; anything near this is not our server.
  std::size_t max_response_bytes = 64 * 1024;
  // https only: PEM file of the CA(s) to trust instead of the system's default roots.
  std::filesystem::path ca_file;
};

struct Reply {
  unsigned status = 0;
  std::string body;
};

class AdminClient {
 public:
  // `token` is sent as `Authorization: Bearer <token>` on every request and kept nowhere else.
  // Throws only for a CA file that cannot be loaded (std::runtime_error, before any request).
  AdminClient(AdminEndpoint endpoint, std::string token, ClientOptions options);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // One request to base_path + target with an optional JSON body. A transport failure
  // (unreachable, reset, timed out, certificate refused, response over the limit) comes back as
  // its error code and closes the connection, so that the next call starts a fresh one.
  boost::system::result<Reply> request(std::string_view method, std::string_view target, std::string_view json_body = {});

 private:
  struct Connection;
  boost::system::error_code connect();
  boost::system::result<Reply> exchange(std::string_view method, std::string_view target, std::string_view json_body);
  void close();

  AdminEndpoint endpoint_;
  std::string token_;
  ClientOptions options_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_context_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace vestibule::import
