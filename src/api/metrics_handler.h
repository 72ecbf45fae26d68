// GET /metrics: the Prometheus scrape (text exposition format 0.0.4), on the metrics listener's
// own router only (--metrics-listen), never on the public or admin one. It needs no token: the
// listener is loopback (or TLS) and its numbers carry no email, id, token or address (see
// metrics/metrics.h). HEAD is answered too (the router's rule). Thread-safe (Metrics is).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "http/router.h"
#include "metrics/metrics.h"

namespace vestibule::api {

// Reads what a scrape needs from elsewhere asynchronously (the outbox from the store) into the
// metrics before they are rendered; failures leave the gauges as they were.
using ScrapeRefresh = std::function<boost::asio::awaitable<void>()>;

// Adds GET /metrics, answered with `metrics.scrape()` after `refresh` (when given) ran; every
// other path is the router's 404. `metrics` must outlive the router.
void add_metrics_routes(http::Router& router, metrics::Metrics& metrics, ScrapeRefresh refresh = {});

}  // namespace vestibule::api
