#include "api/ui_handler.h"

#include <stdexcept>
#include <string>

#include "ui/assets.h"

namespace vestibule::api {

namespace {

std::string_view content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  throw std::logic_error("ui asset of an unknown type: " + std::string(name));
}

// A handler answering `asset`; its bytes live in the binary, so the view stays valid.
http::Handler serve(const ui::Asset& asset) {
  return [&asset](http::Request& req, const http::Exchange&) -> boost::asio::awaitable<http::Response> {
    http::Response res{http::Status::ok, req.version()};
    res.set(http::beast_http::field::content_type, content_type(asset.name));
    res.set("Content-Security-Policy", kPageSecurityPolicy);
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
    res.set("Cross-Origin-Opener-Policy", "same-origin");
    res.set("Cross-Origin-Resource-Policy", "same-origin");
    res.body().assign(asset.body);
    co_return res;
  };
}

}  // namespace

void add_ui_routes(http::Router& router) {
  using boost::beast::http::verb;
  for (const ui::Asset& asset : ui::assets()) {
    if (asset.name == "index.html") {
      // The page itself, and the two paths the mailed links open (the page reads the path).
      for (const char* path : {"/", "/reset-password", "/verify-email"}) router.add(verb::get, path, serve(asset));
    } else {
      router.add(verb::get, "/ui/" + std::string(asset.name), serve(asset));
    }
  }
}

}  // namespace vestibule::api
