#include "metrics/store_metrics.h"

#include "metrics/buckets.h"

namespace vestibule::metrics {

void StoreMetrics::Operation::record(std::chrono::steady_clock::duration d, bool failed) const {
  duration->Observe(std::chrono::duration<double>(d).count());
  if (failed) errors->Increment();
}

StoreMetrics::StoreMetrics(prometheus::Registry& registry, const std::string& backend)
    : backend_(backend),
      durations_(prometheus::BuildHistogram()
                     .Name("vestibule_store_operation_duration_seconds")
                     .Help("Time a store operation took, by backend and operation")
                     .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("vestibule_store_errors_total")
                  .Help("Store operations that failed (store unreachable or data unreadable), by backend and operation")
                  .Register(registry)) {
  if (backend == "redis") {
    connected_ = &prometheus::BuildGauge()
                      .Name("vestibule_redis_connected")
                      .Help("Whether the connection to Redis is up (1) or down (0)")
                      .Register(registry)
                      .Add({});
  }
  if (backend == "sqlite") {
    queued_ = &prometheus::BuildGauge()
                   .Name("vestibule_store_queue_depth")
                   .Help("Store calls waiting for one of the SQLite worker threads")
                   .Register(registry)
                   .Add({{"backend", backend_}});
    active_ = &prometheus::BuildGauge()
                   .Name("vestibule_store_active")
                   .Help("Store calls running on the SQLite worker threads now")
                   .Register(registry)
                   .Add({{"backend", backend_}});
  }
}

void StoreMetrics::set_queue(std::size_t queued, std::size_t active) {
  if (queued_ == nullptr) return;
  queued_->Set(static_cast<double>(queued));
  active_->Set(static_cast<double>(active));
}

StoreMetrics::Operation StoreMetrics::operation(const std::string& name) {
  return Operation{&durations_.Add({{"backend", backend_}, {"operation", name}}, latency_buckets()),
                   &errors_.Add({{"backend", backend_}, {"operation", name}})};
}

}  // namespace vestibule::metrics
