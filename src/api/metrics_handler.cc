#include "api/metrics_handler.h"

#include <boost/beast/http/field.hpp>

namespace vestibule::api {
namespace {

boost::asio::awaitable<http::Response> scrape(metrics::Metrics& metrics, const ScrapeRefresh& refresh) {
  if (refresh) co_await refresh();
  http::Response res{http::Status::ok, 11};
  res.set(boost::beast::http::field::content_type, metrics::kExpositionContentType);
  res.body() = metrics.scrape();
  co_return res;
}

}  // namespace

void add_metrics_routes(http::Router& router, metrics::Metrics& metrics, ScrapeRefresh refresh) {
  // Not itself a coroutine: it calls one with references that outlive its frame (the router
  // keeps this handler, and with it `refresh`).
  router.add(http::beast_http::verb::get, "/metrics",
             [m = &metrics, refresh = std::move(refresh)](http::Request&, const http::Exchange&) {
               return scrape(*m, refresh);
             });
}

}  // namespace vestibule::api
