#include "metrics/hash_metrics.h"

#include "metrics/buckets.h"

namespace vestibule::metrics {
namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

HashMetrics::HashMetrics(prometheus::Registry& registry)
    : queued_(&prometheus::BuildGauge()
                   .Name("vestibule_hash_queue_depth")
                   .Help("Password hashing jobs waiting for a thread")
                   .Register(registry)
                   .Add({})),
      active_(&prometheus::BuildGauge()
                   .Name("vestibule_hash_active")
                   .Help("Password hashing jobs running now")
                   .Register(registry)
                   .Add({})),
      wait_(&prometheus::BuildHistogram()
                 .Name("vestibule_hash_wait_seconds")
                 .Help("Time a password hashing job waited in the queue before a thread took it")
                 .Register(registry)
                 .Add({}, hash_buckets())),
      rejections_(&prometheus::BuildCounter()
                       .Name("vestibule_hash_rejections_total")
                       .Help("Password hashing jobs refused because the queue was full or the pool stopping (503)")
                       .Register(registry)
                       .Add({})) {
  auto& durations = prometheus::BuildHistogram()
                        .Name("vestibule_hash_duration_seconds")
                        .Help("Time one argon2id computation took, by operation (hash, verify)")
                        .Register(registry);
  hash_ = &durations.Add({{"operation", "hash"}}, hash_buckets());
  verify_ = &durations.Add({{"operation", "verify"}}, hash_buckets());
}

void HashMetrics::waited(std::chrono::steady_clock::duration d) { wait_->Observe(seconds(d)); }

void HashMetrics::ran(HashOperation op, std::chrono::steady_clock::duration d) {
  (op == HashOperation::hash ? hash_ : verify_)->Observe(seconds(d));
}

void HashMetrics::set_queue(std::size_t queued, std::size_t active) {
  queued_->Set(static_cast<double>(queued));
  active_->Set(static_cast<double>(active));
}

}  // namespace vestibule::metrics
