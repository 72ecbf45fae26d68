#include "metrics/http_metrics.h"

#include "metrics/buckets.h"

namespace vestibule::metrics {
namespace {

constexpr std::array<const char*, 5> kClasses{"1xx", "2xx", "3xx", "4xx", "5xx"};

}  // namespace

HttpMetrics::HttpMetrics(prometheus::Registry& registry, const std::string& listener,
                         const std::vector<std::string>& routes)
    : requests_(prometheus::BuildCounter()
                    .Name("vestibule_http_requests_total")
                    .Help("HTTP requests answered, by listener, route template and status class")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("vestibule_http_request_duration_seconds")
                     .Help("Time from a request's first byte to the end of its response, by listener and route")
                     .Register(registry)) {
  for (const std::string& route : routes) routes_.emplace(route, make(listener, route));
  // The server's own labels (http/observer.h): a 404 and a request refused before routing.
  for (const char* own : {"unmatched", "refused"}) routes_.emplace(own, make(listener, own));
  other_ = make(listener, "other");
  open_ = &prometheus::BuildGauge()
               .Name("vestibule_http_open_connections")
               .Help("Connections open now, by listener")
               .Register(registry)
               .Add({{"listener", listener}});
  refused_ = &prometheus::BuildCounter()
                  .Name("vestibule_http_connections_refused_total")
                  .Help("Connections refused at once (over --max-connections or the per-client cap: 503; out of descriptors: "
                        "closed unanswered), by listener")
                  .Register(registry)
                  .Add({{"listener", listener}});
}

HttpMetrics::Route HttpMetrics::make(const std::string& listener, const std::string& route) {
  Route r;
  for (std::size_t i = 0; i < kClasses.size(); ++i) {
    r.by_class[i] = &requests_.Add({{"listener", listener}, {"route", route}, {"status_class", kClasses[i]}});
  }
  r.duration = &durations_.Add({{"listener", listener}, {"route", route}}, latency_buckets());
  return r;
}

void HttpMetrics::request(std::string_view route, unsigned status, std::chrono::microseconds duration) {
  const auto found = routes_.find(route);
  const Route& r = found == routes_.end() ? other_ : found->second;
  const unsigned cls = status / 100;
  if (cls >= 1 && cls <= 5) r.by_class[cls - 1]->Increment();
  r.duration->Observe(std::chrono::duration<double>(duration).count());
}

}  // namespace vestibule::metrics
