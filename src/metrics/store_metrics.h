// Store operations of one backend:
//   vestibule_store_operation_duration_seconds{backend, operation}   histogram
//   vestibule_store_errors_total{backend, operation}                 counter (the store failed:
//       unavailable or corrupt data; not a domain answer such as not_found or email_taken)
//   vestibule_redis_connected                                        gauge (1 up, 0 down; redis only)
//   vestibule_store_queue_depth{backend}                             gauge (calls waiting for a
//       worker thread, read at each scrape; sqlite only)
//   vestibule_store_active{backend}                                  gauge (calls running on the
//       worker threads, read at each scrape; sqlite only)
// `operation` is one of the names given to operation() while the store's instrumentation is
// built (the Store interface's operation names), resolved there once. Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

namespace vestibule::metrics {

class StoreMetrics {
 public:
  // The series of one operation: hold the reference (it lives as long as the Metrics).
  struct Operation {
    prometheus::Histogram* duration;
    prometheus::Counter* errors;
    void record(std::chrono::steady_clock::duration d, bool failed) const;
  };

  StoreMetrics(prometheus::Registry& registry, const std::string& backend);

  // Call before serving starts (not on the request path): it takes the family's lock.
  Operation operation(const std::string& name);
  // Redis only: whether its connection is up (set on every change, or at each scrape).
  void set_connected(bool up) { connected_->Set(up ? 1 : 0); }
  // SQLite only: its worker pool's queue (at each scrape).
  void set_queue(std::size_t queued, std::size_t active);

 private:
  const std::string backend_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Gauge* connected_ = nullptr;
  prometheus::Gauge* queued_ = nullptr;
  prometheus::Gauge* active_ = nullptr;
};

// What a session cache has done so far and holds now (store/session_cache.h keeps these).
struct SessionCacheCounts {
  std::uint64_t hits = 0;            // answered from memory
  std::uint64_t misses = 0;          // asked the store (not cached, expired, or not answerable)
  std::uint64_t refused_fills = 0;   // a store answer not kept: something changed meanwhile
  std::uint64_t invalidations = 0;   // sessions and accounts forgotten by a change
  std::uint64_t resets = 0;          // everything forgotten at once (a lost channel, a flush)
  std::size_t entries = 0;
  std::size_t bytes = 0;             // an estimate of the memory the entries hold
};

// The session cache's series, read off it at each scrape:
//   vestibule_session_cache_lookups_total{result="hit"|"miss"}   counter
//   vestibule_session_cache_refused_fills_total                  counter
//   vestibule_session_cache_invalidations_total                  counter
//   vestibule_session_cache_resets_total                         counter
//   vestibule_session_cache_entries, vestibule_session_cache_bytes   gauges
// Thread-safe.
class SessionCacheMetrics {
 public:
  explicit SessionCacheMetrics(prometheus::Registry& registry);
  // The cache's counts as they are now (counters move by what grew since the last call).
  void set(const SessionCacheCounts& now);

 private:
  prometheus::Counter* hits_;
  prometheus::Counter* misses_;
  prometheus::Counter* refused_;
  prometheus::Counter* invalidations_;
  prometheus::Counter* resets_;
  prometheus::Gauge* entries_;
  prometheus::Gauge* bytes_;
  std::mutex mu_;
  SessionCacheCounts last_{};
};

}  // namespace vestibule::metrics
