// The request/response types every layer above http/ speaks, and what a handler gets to know
// about the exchange besides the message itself.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using Status = beast_http::status;

struct Exchange {
  std::string request_id;  // echoed as X-Request-Id and in the access log
  bool tls = false;
  // The client's IP address: the peer's, or with ServerOptions::trust_proxy the last address
  // in X-Forwarded-For (the one our proxy appended). Used for per-client throttling.
  std::string client{};
  // The values of a route template's {parameters} (Router), in their order in the template:
  // one path segment each, as sent (not percent-decoded), never empty. Empty for exact routes.
  std::vector<std::string> path_params{};
};

// Renders an error the server or router detected itself (bad framing, limits, 404, 405) in the
// application's error format. `code` is the machine-readable code.
struct ErrorInfo {
  Status status;
  std::string_view code;
  std::string_view detail;
};
using ErrorRenderer = std::function<Response(const ErrorInfo&, const Exchange&)>;

using Handler = std::function<boost::asio::awaitable<Response>(Request&, const Exchange&)>;

}  // namespace vestibule::http
