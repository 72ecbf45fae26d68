// Maps (method, path) to a handler; exact paths only (the API has no path parameters). Unknown
// paths answer 404, known paths with another method 405 with an Allow header (RFC 9110 15.5.6).
// Routes are added before the server starts; after that the router is read-only and thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/message.h"

namespace vestibule::http {

class Router {
 public:
  explicit Router(ErrorRenderer render_error) : render_error_(std::move(render_error)) {}

  void add(beast_http::verb method, std::string path, Handler handler);

  boost::asio::awaitable<Response> route(Request& request, const Exchange& exchange) const;

  const ErrorRenderer& error_renderer() const { return render_error_; }

 private:
  struct Route {
    beast_http::verb method;
    Handler handler;
  };
  struct Resource {
    std::vector<Route> routes;
    std::string allow;  // "GET, HEAD" style list for 405s
  };
  std::map<std::string, Resource, std::less<>> resources_;
  ErrorRenderer render_error_;
};

}  // namespace vestibule::http
