// Histogram bucket boundaries in seconds, chosen once for every latency of the service so that
// dashboards can compare them.
#pragma once

#include <prometheus/histogram.h>

namespace vestibule::metrics {

// Requests and store operations: 100 µs (a cached read) to 10 s (a timeout).
inline const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                                1,      2.5,     5,      10};
  return kBuckets;
}

// Password hashing and the wait for a hashing thread: argon2id takes tens to hundreds of ms.
inline const prometheus::Histogram::BucketBoundaries& hash_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5,   1,     2.5,  5,     10};
  return kBuckets;
}

}  // namespace vestibule::metrics
