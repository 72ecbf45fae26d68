// Runs an external tool for a test (e.g. Debian's passlib or mkpasswd making a hash to import)
// and collects what it writes to stdout, with a deadline: a tool that hangs is killed and the
// test fails with a message instead of hanging. Thread-safe: each call owns its process and
// pipes (opened close-on-exec, so a tool started from another thread inherits none of them).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace vestibule::testing {

struct CommandResult {
  int exit_status = -1;  // the exit status, or -1 if the tool died from a signal
  std::string out;       // everything it wrote to stdout
  std::string err;       // everything it wrote to stderr (e.g. a command's progress and errors)
};

// Runs argv[0] (an absolute path; argv as given, no shell) with `input` on its stdin, collecting
// its stdout and stderr; waits at most `timeout` for it to finish. Throws std::runtime_error if
// it cannot be started or does not finish in time (it is then killed and reaped).
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// run_command's stdout without its trailing newline; throws std::runtime_error naming the
// command unless it exits with status 0.
std::string command_output(const std::vector<std::string>& argv, const std::string& input = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace vestibule::testing
