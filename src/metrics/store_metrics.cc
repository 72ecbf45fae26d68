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

namespace {

prometheus::Counter* counter(prometheus::Registry& registry, const std::string& name, const std::string& help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge* gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

SessionCacheMetrics::SessionCacheMetrics(prometheus::Registry& registry) {
  auto& lookups = prometheus::BuildCounter()
                      .Name("vestibule_session_cache_lookups_total")
                      .Help("Token checks answered from the session cache (hit) or by the store (miss)")
                      .Register(registry);
  hits_ = &lookups.Add({{"result", "hit"}});
  misses_ = &lookups.Add({{"result", "miss"}});
  refused_ = counter(registry, "vestibule_session_cache_refused_fills_total",
                     "Store answers not cached: a change to their session or account was heard of while they were read, the cache was not taking entries (Redis: its invalidation connection down), or the entry was too large");
  invalidations_ = counter(registry, "vestibule_session_cache_invalidations_total",
                           "Sessions and accounts the session cache forgot because they changed");
  resets_ = counter(registry, "vestibule_session_cache_resets_total",
                    "Times the session cache forgot everything (its invalidation channel lost, a flush)");
  entries_ = gauge(registry, "vestibule_session_cache_entries", "Sessions in the session cache");
  bytes_ = gauge(registry, "vestibule_session_cache_bytes", "Estimated memory the session cache's entries hold");
}

void SessionCacheMetrics::set(const SessionCacheCounts& now) {
  std::lock_guard lock(mu_);
  const auto grow = [](prometheus::Counter* c, std::uint64_t before, std::uint64_t after) {
    if (after > before) c->Increment(static_cast<double>(after - before));
  };
  grow(hits_, last_.hits, now.hits);
  grow(misses_, last_.misses, now.misses);
  grow(refused_, last_.refused_fills, now.refused_fills);
  grow(invalidations_, last_.invalidations, now.invalidations);
  grow(resets_, last_.resets, now.resets);
  entries_->Set(static_cast<double>(now.entries));
  bytes_->Set(static_cast<double>(now.bytes));
  last_ = now;
}

}  // namespace vestibule::metrics
