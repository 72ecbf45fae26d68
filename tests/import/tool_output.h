// Runs an independent tool for a test (Debian's passlib, hashlib, openssl, mkpasswd making the
// hashes to import) and returns what it printed, with a deadline: a tool that hangs is killed
// and the test fails with a message instead of hanging. Calls are independent (thread-safe).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace vestibule::import::testing {

struct ToolRun {
  int exit_status = -1;  // -1 if it died from a signal
  std::string out;       // its stdout
  std::string err;       // its stderr
};

// Runs argv (argv[0] an absolute path, no shell, stdin /dev/null) to its end and collects what
// it wrote. Throws std::runtime_error if it cannot start or is still running at `timeout` (it is
// then killed and reaped).
ToolRun run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// run_tool's stdout; throws std::runtime_error (with its stderr) unless it exits with 0.
std::string tool_output(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Debian's Python (where python3-passlib and python3-argon2 live).
inline constexpr const char* kPython = "/usr/bin/python3";

// Hashes of `password` made by passlib, one per scheme: "argon2id", "argon2i", "argon2d" (its
// defaults: 100 MiB, t=2, p=8, as the reference design wrote them), "argon2id-light" (1 MiB,
// t=1, p=1: cheap, for tests not about the format), "bcrypt-2a", "bcrypt-2b",
// "bcrypt-2y" (cost 4), "scrypt" (ln=10), "pbkdf2_sha256" (passlib's $pbkdf2-sha256$),
// "django_pbkdf2_sha256" (hashlib.pbkdf2_hmac in Django's layout, 1000 iterations),
// "sha512_crypt" (5000 rounds).
std::vector<std::string> python_hashes(const std::vector<std::string>& schemes, const std::string& password);

// Whether /usr/bin/python3 can import passlib and argon2 (scripts/setup.sh --test).
bool passlib_available();

}  // namespace vestibule::import::testing
