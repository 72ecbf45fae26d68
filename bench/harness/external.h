// The external tools the harness runs besides wrk (redis-cli, openssl): found on PATH, and a
// long-running one (openssl s_server) kept in the background with its output in a file, so that
// nothing it writes can fill a pipe and stall it. Every wait is bounded. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::bench {

// The absolute path of `name` on PATH. Throws std::runtime_error if it is not there.
std::filesystem::path program(std::string_view name);

class BackgroundProcess {
 public:
  // Starts argv (argv[0] absolute), stdout and stderr into `output`. It inherits the calling
  // thread's CPU affinity. Throws std::runtime_error.
  BackgroundProcess(const std::vector<std::string>& argv, std::filesystem::path output);
  ~BackgroundProcess();  // SIGTERM, SIGKILL if it has not exited within a second; reaped
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // The rest of the first output line that starts with `prefix`. Throws std::runtime_error
  // (with the output) if none appears within `timeout` or the process exits.
  std::string wait_for_line(std::string_view prefix, std::chrono::milliseconds timeout);

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::filesystem::path output_;
};

}  // namespace vestibule::bench
