#include "api/metrics_handler.h"

#include <boost/beast/http/field.hpp>

namespace vestibule::api {
namespace {

boost::asio::awaitable<http::Response> scrape(metrics::Metrics& metrics) {
  http::Response res{http::Status::ok, 11};
  res.set(boost::beast::http::field::content_type, metrics::kExpositionContentType);
  res.body() = metrics.scrape();
  co_return res;
}

}  // namespace

void add_metrics_routes(http::Router& router, metrics::Metrics& metrics) {
  // Not itself a coroutine: it calls one with a reference that outlives its frame.
  router.add(http::beast_http::verb::get, "/metrics",
             [m = &metrics](http::Request&, const http::Exchange&) { return scrape(*m); });
}

}  // namespace vestibule::api
