// How the benchmark shares the machine: the server on some cores, the load generator (wrk) and
// the harness on the others, so that they do not compete for a core and the figures describe the
// server alone. Linux CPU affinity; inherited by threads and processes created afterwards.
// Not thread-safe (called from the harness's main thread).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vestibule::bench {

struct CpuSplit {
  std::vector<int> server;  // cores the server is pinned to
  std::vector<int> load;    // cores wrk and the harness run on
  bool pinned = false;      // false on a one-core machine: everything shares it
};

// Splits the cores this process may use in two halves (server first). With one core, both sets
// hold it and `pinned` is false.
CpuSplit split_cpus();

// Pins the calling thread; new threads and processes it creates inherit the set.
void pin_this_thread(const std::vector<int>& cpus);

// Pins every thread of process `pid` that exists now (e.g. the harness's own helper threads).
void pin_all_threads(pid_t pid, const std::vector<int>& cpus);

// "0-3,6" style, for the report.
std::string describe(const std::vector<int>& cpus);

}  // namespace vestibule::bench
