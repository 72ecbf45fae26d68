// Maps (method, path) to a handler. A path is exact ("/v1/sessions/current") or a template whose
// segments may be parameters ("/v1/sessions/{id}": one non-empty segment, handed to the handler in
// Exchange::path_params). Exact paths win over templates, templates are tried in the order they
// were added; matching is by whole segments, the query string ignored. Unknown paths answer 404, known paths with another method 405 with an Allow header (RFC 9110 15.5.6).
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

  // Answers `request`. When `matched` is given it is set to the path or template that matched the
  // path (a view into the router, valid as long as it lives), or to kUnmatchedRoute for a 404:
  // a label of bounded cardinality, never the raw target.
  boost::asio::awaitable<Response> route(Request& request, const Exchange& exchange,
                                         std::string_view* matched = nullptr) const;

  const ErrorRenderer& error_renderer() const { return render_error_; }

  // Every path and template added, once each: the route labels route() can report (besides
  // kUnmatchedRoute), for metrics that make their series up front.
  std::vector<std::string> paths() const;

 private:
  struct Route {
    beast_http::verb method;
    Handler handler;
  };
  struct Resource {
    std::vector<Route> routes;
    std::string allow;  // "GET, HEAD, PATCH" style list for 405s
  };
  struct Template {
    std::string path;
    std::vector<std::string> segments;  // "{...}" is a parameter, anything else literal
    Resource resource;
  };
  // The resource at `path` and the parameters it took from it, or nullptr.
  const Resource* find(std::string_view path, std::string_view* matched, std::vector<std::string>& params) const;

  std::map<std::string, Resource, std::less<>> resources_;
  std::vector<Template> templates_;
  ErrorRenderer render_error_;
};

}  // namespace vestibule::http
