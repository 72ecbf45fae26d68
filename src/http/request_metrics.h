// The HTTP metrics of one listener as a RequestObserver (observer.h): every finished exchange
// counts under its route template and status class, with its latency; connections opened,
// closed and refused move the listener's gauge and counter. The route comes from the server's
// RequestRecord (a router template, kUnmatchedRoute or kRefusedRoute), never the raw path, so the
// label set stays the one metrics::HttpMetrics made up front. Thread-safe (HttpMetrics is); one
// per listener, shared by all its connections.
#pragma once

#include "http/observer.h"
#include "metrics/http_metrics.h"

namespace vestibule::http {

class RequestMetrics final : public RequestObserver {
 public:
  // `area` must outlive the observer (it lives as long as the metrics::Metrics that made it).
  explicit RequestMetrics(metrics::HttpMetrics& area) : area_(area) {}

  void on_request(const RequestRecord& record) override;
  void on_connection(ConnectionEvent event) override;

 private:
  metrics::HttpMetrics& area_;
};

}  // namespace vestibule::http
