// Memory per idle keep-alive connection: opens `count` connections to the server, sends one
// GET /healthz on each and reads its answer (so every connection has been through a request and
// now waits for the next), then reads the server's resident set size from /proc. Connections are
// opened in batches so that the listen backlog never overflows. Bounded by `timeout`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>

namespace vestibule::bench {

struct IdleMemory {
  std::size_t connections = 0;   // answered and held open
  long baseline_kib = 0;         // VmRSS before connecting
  long loaded_kib = 0;           // VmRSS with every connection open and idle
  long peak_kib = 0;             // VmHWM: the most the process ever had resident
  double per_connection_kib() const {
    return connections ? static_cast<double>(loaded_kib - baseline_kib) / static_cast<double>(connections) : 0;
  }
};

// Throws std::runtime_error if a connection fails or the deadline passes.
IdleMemory measure_idle_connections(pid_t server, unsigned short port, std::size_t count,
                                    std::chrono::seconds timeout);

// A field of /proc/PID/status in KiB (e.g. "VmRSS"), or -1.
long proc_status_kib(pid_t pid, const char* field);

}  // namespace vestibule::bench
