#include "turns.h"

#include <algorithm>
#include <stdexcept>

namespace vestibule::bench {

std::vector<std::vector<LoadResult>> in_turns(int rounds, const std::vector<Measure>& arms) {
  std::vector<std::vector<LoadResult>> runs(arms.size());
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < arms.size(); ++i) runs[i].push_back(arms[i]());
  }
  return runs;
}

double rate(const LoadResult& r) { return r.per_second(); }
double rate_per_cpu(const LoadResult& r) { return r.per_cpu_second(); }
double median_latency(const LoadResult& r) { return r.p50_ms; }

Spread per_round(const std::vector<LoadResult>& numerators, const std::vector<LoadResult>& denominators,
                 Figure figure) {
  if (numerators.size() != denominators.size()) throw std::invalid_argument("per_round: rounds differ");
  std::vector<double> ratios;
  for (std::size_t k = 0; k < numerators.size(); ++k) ratios.push_back(figure(numerators[k]) / figure(denominators[k]));
  return spread(std::move(ratios));
}

LoadResult merged(const std::vector<LoadResult>& runs) {
  LoadResult all;
  for (const LoadResult& r : runs) {
    all.requests += r.requests;
    all.refused += r.refused;
    all.errors += r.errors;
    all.seconds += r.seconds;
    all.cpu_seconds += r.cpu_seconds;
    all.p50_ms = std::max(all.p50_ms, r.p50_ms);
    all.p99_ms = std::max(all.p99_ms, r.p99_ms);
    all.max_ms = std::max(all.max_ms, r.max_ms);
  }
  return all;
}

}  // namespace vestibule::bench
