// Reads one series back from a prometheus-cpp registry, for tests that check what was recorded:
// a counter's or gauge's value, or a histogram's sample count, of the series of `family` whose
// labels include every pair in `labels`. std::nullopt if there is no such series. Header-only.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace vestibule::testing {

namespace detail {
inline const prometheus::ClientMetric* find_series(const std::vector<prometheus::MetricFamily>& families,
                                                   const std::string& family,
                                                   const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& f : families) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      std::size_t matched = 0;
      for (const auto& l : m.label) {
        auto it = labels.find(l.name);
        if (it != labels.end() && it->second == l.value) ++matched;
      }
      if (matched == labels.size()) return &m;
    }
  }
  return nullptr;
}
}  // namespace detail

// A counter's (or a gauge's) value.
inline std::optional<double> metric_value(const prometheus::Registry& registry, const std::string& family,
                                          const std::map<std::string, std::string>& labels = {}) {
  const auto families = registry.Collect();
  const prometheus::ClientMetric* m = detail::find_series(families, family, labels);
  if (!m) return std::nullopt;
  for (const prometheus::MetricFamily& f : families) {
    if (f.name != family) continue;
    return f.type == prometheus::MetricType::Gauge ? m->gauge.value : m->counter.value;
  }
  return std::nullopt;
}

// A histogram's number of observations.
inline std::optional<std::uint64_t> metric_samples(const prometheus::Registry& registry, const std::string& family,
                                                   const std::map<std::string, std::string>& labels = {}) {
  const auto families = registry.Collect();
  const prometheus::ClientMetric* m = detail::find_series(families, family, labels);
  if (!m) return std::nullopt;
  return m->histogram.sample_count;
}

}  // namespace vestibule::testing
