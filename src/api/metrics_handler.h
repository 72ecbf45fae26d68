// GET /metrics: the Prometheus scrape (text exposition format 0.0.4), on the metrics listener's
// own router only (--metrics-listen), never on the public or admin one. It needs no token: the
// listener is loopback (or TLS) and its numbers carry no email, id, token or address (see
// metrics/metrics.h). HEAD is answered too (the router's rule). Thread-safe (Metrics is).
#pragma once

#include "http/router.h"
#include "metrics/metrics.h"

namespace vestibule::api {

// Adds GET /metrics, answered with `metrics.scrape()`; every other path is the router's 404.
// `metrics` must outlive the router.
void add_metrics_routes(http::Router& router, metrics::Metrics& metrics);

}  // namespace vestibule::api
