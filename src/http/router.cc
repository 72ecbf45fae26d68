#include "http/router.h"

#include <algorithm>

#include "http/observer.h"

namespace vestibule::http {
namespace {

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "/a/{id}/b" -> "a", "{id}", "b". A leading '/' is implied; an empty path has no segments.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void Router::add(beast_http::verb method, std::string path, Handler handler) {
  Resource* r = nullptr;
  if (path.find('{') == std::string::npos) {
    r = &resources_[std::move(path)];
  } else {
    auto it = std::find_if(templates_.begin(), templates_.end(), [&](const Template& t) { return t.path == path; });
    if (it == templates_.end()) {
      Template t{path, {}, {}};
      for (std::string_view s : split(path)) t.segments.emplace_back(s);
      templates_.push_back(std::move(t));
      it = templates_.end() - 1;
    }
    r = &it->resource;
  }
  r->routes.push_back(Route{method, std::move(handler)});
  if (!r->allow.empty()) r->allow += ", ";
  r->allow += std::string(beast_http::to_string(method));
  if (method == beast_http::verb::get) r->allow += ", HEAD";  // served by the GET handler
}

const Router::Resource* Router::find(std::string_view path, std::string_view* matched,
                                     std::vector<std::string>& params) const {
  if (auto it = resources_.find(path); it != resources_.end()) {
    if (matched) *matched = it->first;
    return &it->second;
  }
  if (templates_.empty()) return nullptr;
  const std::vector<std::string_view> segments = split(path);
  for (const Template& t : templates_) {
    if (t.segments.size() != segments.size()) continue;
    params.clear();
    bool match = true;
    for (std::size_t i = 0; match && i < segments.size(); ++i) {
      if (is_parameter(t.segments[i])) {
        match = !segments[i].empty();
        if (match) params.emplace_back(segments[i]);
      } else {
        match = t.segments[i] == segments[i];
      }
    }
    if (match) {
      if (matched) *matched = t.path;
      return &t.resource;
    }
  }
  params.clear();
  return nullptr;
}

boost::asio::awaitable<Response> Router::route(Request& request, const Exchange& exchange,
                                               std::string_view* matched) const {
  std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  std::vector<std::string> params;
  const Resource* resource = find(path, matched, params);
  if (!resource) {
    if (matched) *matched = kUnmatchedRoute;
    co_return render_error_({Status::not_found, "not_found", "No resource at this path."}, exchange);
  }
  // HEAD runs the GET handler; the server drops the body but keeps the headers.
  const beast_http::verb method =
      request.method() == beast_http::verb::head ? beast_http::verb::get : request.method();
  for (const Route& r : resource->routes) {
    if (r.method != method) continue;
    if (params.empty()) co_return co_await r.handler(request, exchange);
    // Only templated routes pay for the copy that carries their parameters.
    Exchange with_params = exchange;
    with_params.path_params = std::move(params);
    co_return co_await r.handler(request, with_params);
  }
  Response res = render_error_({Status::method_not_allowed, "method_not_allowed", "This resource does not support the method."},
                               exchange);
  res.set(beast_http::field::allow, resource->allow);
  co_return res;
}

std::vector<std::string> Router::paths() const {
  std::vector<std::string> all;
  for (const auto& [path, resource] : resources_) all.push_back(path);
  for (const Template& t : templates_) all.push_back(t.path);
  return all;
}

}  // namespace vestibule::http
