// The password hashing pool:
//   vestibule_hash_queue_depth                       gauge (jobs waiting, read at each scrape)
//   vestibule_hash_active                            gauge (jobs running, read at each scrape)
//   vestibule_hash_wait_seconds                      histogram (queued -> started)
//   vestibule_hash_duration_seconds{operation}       histogram (operation: hash, verify)
//   vestibule_hash_rejections_total                  counter (pool full or stopping: 503)
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>

namespace vestibule::metrics {

enum class HashOperation { hash, verify };

class HashMetrics {
 public:
  explicit HashMetrics(prometheus::Registry& registry);

  void waited(std::chrono::steady_clock::duration d);
  void ran(HashOperation op, std::chrono::steady_clock::duration d);
  void rejected() { rejections_->Increment(); }
  void set_queue(std::size_t queued, std::size_t active);

 private:
  prometheus::Gauge* queued_;
  prometheus::Gauge* active_;
  prometheus::Histogram* wait_;
  prometheus::Histogram* hash_;
  prometheus::Histogram* verify_;
  prometheus::Counter* rejections_;
};

}  // namespace vestibule::metrics
