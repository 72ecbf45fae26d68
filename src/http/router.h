// Maps (method, path) to a handler; exact paths only (the API has no path parameters). Unknown
// paths answer 404, known paths with another method 405 with an Allow header (RFC 9110 15.5.6).
// HEAD is answered on every resource that has GET, by the GET handler (the server sends the
// headers, Content-Length included, without the body: RFC 9110 9.3.2), and Allow lists it.
// Routes are added before the server starts; after that the router is read-only and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace vestibule::http {

class Router {
 public:
  explicit Router(ErrorRenderer render_error) : render_error_(std::move(render_error)) {}

  void add(beast_http::verb method, std::string path, Handler handler);

  // Answers `request`. When `matched` is given it is set to the route template that matched the
  // path (a view into the router, valid as long as it lives), or to kUnmatchedRoute for a 404:
  // a label of bounded cardinality, never the raw target.
  boost::asio::awaitable<Response> route(Request& request, const Exchange& exchange,
                                         std::string_view* matched = nullptr) const;

  const ErrorRenderer& error_renderer() const { return render_error_; }

 private:
  struct Route {
    beast_http::verb method;
    Handler handler;
  };
  struct Resource {
    std::vector<Route> routes;
    std::string allow;  // "GET, HEAD, PATCH" style list for 405s
  };
  std::map<std::string, Resource, std::less<>> resources_;
  ErrorRenderer render_error_;
};

}  // namespace vestibule::http
