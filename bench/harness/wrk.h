// Drives load with wrk (Debian's package) and reads its figures: one wrk process per run,
// started with a script from bench/wrk/ whose done() prints a JSON line (report.lua). A run can
// go on in the background (the login flood under the isolation scenario) while another is
// measured. Every run is bounded: wrk stops itself after its duration, and the harness kills it
// if it overruns by more than kGrace. Not thread-safe: one owner per run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestibule::bench {

struct LoadSpec {
  std::filesystem::path script;           // bench/wrk/*.lua
  std::string scheme = "http";            // or "https" (wrk does not check the certificate)
  std::string path = "/";                 // request target, for scripts that use wrk's URL
  std::vector<std::string> script_args;   // after "--"
  int connections = 32;
  int threads = 1;
  std::chrono::seconds duration{5};
};

struct LoadResult {
  std::uint64_t requests = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::uint64_t errors = 0;  // connect/read/write errors, timeouts and non-2xx/3xx answers
  std::uint64_t refused = 0; // of which non-2xx/3xx answers (e.g. 503 from a full hash queue)
  double cpu_seconds = 0;    // the server's CPU time over the run, where measured (TLS handshakes)
  // Successful answers per second: wrk's request count includes the refused ones.
  double per_second() const { return seconds > 0 ? static_cast<double>(requests - refused) / seconds : 0; }
  // Successful answers per second of the server's CPU time: per core, whatever the load's limit.
  double per_cpu_second() const { return cpu_seconds > 0 ? static_cast<double>(requests - refused) / cpu_seconds : 0; }
};

class LoadRun {
 public:
  static constexpr std::chrono::seconds kGrace{20};

  // Starts wrk against SCHEME://127.0.0.1:port. It inherits the calling thread's CPU affinity.
  LoadRun(const LoadSpec& spec, unsigned short port);
  ~LoadRun();  // kills wrk if it still runs
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  // Waits for wrk to finish (bounded) and parses its report. Throws std::runtime_error with
  // wrk's output if it failed or printed no report.
  LoadResult wait();

 private:
  LoadSpec spec_;
  pid_t pid_ = -1;
  int output_ = -1;
};

// Starts a run and waits for it.
LoadResult run_load(const LoadSpec& spec, unsigned short port);

// The figures in wrk's output (the report.lua line). Throws std::runtime_error if there is none.
LoadResult parse_wrk_output(const std::string& text);

}  // namespace vestibule::bench
