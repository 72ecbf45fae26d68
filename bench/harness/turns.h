// Measurements in turns, for every ratio the harness reports: the two (or more) sides of a
// comparison run one after another, round after round (A B A B ..., or A B C A B C ...), so that
// the VM's drift (other load on the shared cores, frequency) falls on every side alike. Each
// round gives one ratio; the verdict is their median (one slow stretch moves one round, not the
// verdict), reported with their min-max (report.h: paired_ratio_row). Not thread-safe.
#pragma once

#include <functional>
#include <vector>

#include "report.h"
#include "wrk.h"

namespace vestibule::bench {

// One side of a comparison: runs once (bounded in time, as every load is) and returns its figures.
using Measure = std::function<LoadResult()>;

// Runs every arm once per round, in the order given, `rounds` times. runs[i][k] is arm i's
// result in round k.
std::vector<std::vector<LoadResult>> in_turns(int rounds, const std::vector<Measure>& arms);

// What a ratio compares: a figure of one run.
using Figure = double (*)(const LoadResult&);
double rate(const LoadResult& r);            // successful answers per second
double rate_per_cpu(const LoadResult& r);    // per second of the server's CPU time
double median_latency(const LoadResult& r);  // p50 in ms

// The per-round ratios figure(numerators[k]) / figure(denominators[k]), summarised.
Spread per_round(const std::vector<LoadResult>& numerators, const std::vector<LoadResult>& denominators,
                 Figure figure);

// All of one arm's runs as one: requests, errors and seconds summed; latencies the worst run's.
LoadResult merged(const std::vector<LoadResult>& runs);

}  // namespace vestibule::bench
