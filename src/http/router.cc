#include "http/router.h"

#include "http/observer.h"

namespace vestibule::http {

void Router::add(beast_http::verb method, std::string path, Handler handler) {
  Resource& r = resources_[std::move(path)];
  r.routes.push_back(Route{method, std::move(handler)});
  if (!r.allow.empty()) r.allow += ", ";
  r.allow += std::string(beast_http::to_string(method));
  if (method == beast_http::verb::get) r.allow += ", HEAD";  // served by the GET handler
}

boost::asio::awaitable<Response> Router::route(Request& request, const Exchange& exchange,
                                               std::string_view* matched) const {
  std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  auto it = resources_.find(path);
  if (it == resources_.end()) {
    if (matched) *matched = kUnmatchedRoute;
    co_return render_error_({Status::not_found, "not_found", "No resource at this path."}, exchange);
  }
  if (matched) *matched = it->first;
  // HEAD runs the GET handler; the server drops the body but keeps the headers.
  const beast_http::verb method =
      request.method() == beast_http::verb::head ? beast_http::verb::get : request.method();
  for (const Route& r : it->second.routes) {
    if (r.method == method) co_return co_await r.handler(request, exchange);
  }
  Response res = render_error_({Status::method_not_allowed, "method_not_allowed", "This resource does not support the method."},
                               exchange);
  res.set(beast_http::field::allow, it->second.allow);
  co_return res;
}

}  // namespace vestibule::http
