// Requests and connections of one HTTP listener:
//   vestibule_http_requests_total{listener, route, status_class}     counter
//   vestibule_http_request_duration_seconds{listener, route}         histogram
//   vestibule_http_open_connections{listener}                         gauge
//   vestibule_http_connections_refused_total{listener}                counter
// `route` is a template the router knows, "unmatched" (404) or "refused" (the server refused
// the request itself); any other value is counted as "other", so the label set stays the one
// fixed at construction. Thread-safe; the route table is read-only after construction.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::metrics {

class HttpMetrics {
 public:
  HttpMetrics(prometheus::Registry& registry, const std::string& listener, const std::vector<std::string>& routes);

  void request(std::string_view route, unsigned status, std::chrono::microseconds duration);
  void connection_opened() { open_->Increment(); }
  void connection_closed() { open_->Decrement(); }
  void connection_refused() { refused_->Increment(); }

 private:
  struct Route {
    std::array<prometheus::Counter*, 5> by_class{};  // 1xx .. 5xx
    prometheus::Histogram* duration = nullptr;
  };
  Route make(const std::string& listener, const std::string& route);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  std::map<std::string, Route, std::less<>> routes_;
  Route other_;
  prometheus::Gauge* open_;
  prometheus::Counter* refused_;
};

}  // namespace vestibule::metrics
