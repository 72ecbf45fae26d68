#include "tool_output.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace vestibule::import::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Reads the scheme/password pairs from argv and prints one hash a line. Django's layout is
// built from hashlib directly: an independent implementation of PBKDF2-SHA256.
constexpr const char* kHashScript = R"PY(
import base64, hashlib, os, sys
from passlib import hash as h
def make(scheme, pw):
    if scheme == "argon2id-light":
        return h.argon2.using(type="id", memory_cost=1024, rounds=1, parallelism=1).hash(pw)
    if scheme in ("argon2id", "argon2i", "argon2d"):
        return h.argon2.using(type=scheme[len("argon2"):]).hash(pw)
    if scheme.startswith("bcrypt-"):
        return h.bcrypt.using(ident=scheme[-2:], rounds=4).hash(pw)
    if scheme == "scrypt":
        return h.scrypt.using(rounds=10).hash(pw)
    if scheme == "pbkdf2_sha256":
        return h.pbkdf2_sha256.using(rounds=1000).hash(pw)
    if scheme == "django_pbkdf2_sha256":
        salt = base64.b64encode(os.urandom(9)).decode().replace("+", "a").replace("/", "b")
        dk = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt.encode(), 1000)
        return "pbkdf2_sha256$1000$%s$%s" % (salt, base64.b64encode(dk).decode())
    if scheme == "sha512_crypt":
        return h.sha512_crypt.using(rounds=5000).hash(pw)
    raise SystemExit("unknown scheme " + scheme)
pw = sys.argv[1]
for scheme in sys.argv[2:]:
    print(make(scheme, pw))
)PY";

}  // namespace

ToolRun run_tool(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::vector<std::string> strings = args;
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }
  ToolRun run;
  // Both pipes are drained together until both reach EOF: a tool blocked on a full stderr
  // while we wait on stdout would look like a hang.
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  int open_pipes = 2;
  const Clock::time_point deadline = Clock::now() + timeout;
  bool timed_out = false;
  while (open_pipes > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(left));
    if (n <= 0) continue;  // EINTR, or the deadline (checked above)
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[4096];
      const ssize_t got = ::read(fds[i].fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
        continue;
      }
      sinks[i]->append(chunk, static_cast<std::size_t>(got));
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) {
    throw std::runtime_error(args[0] + " did not finish within " + std::to_string(timeout.count()) + " ms; stderr:\n" +
                             run.err);
  }
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string tool_output(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  ToolRun run = run_tool(args, timeout);
  if (run.exit_status != 0) throw std::runtime_error(args[0] + " failed: " + run.err);
  return run.out;
}

std::vector<std::string> python_hashes(const std::vector<std::string>& schemes, const std::string& password) {
  std::vector<std::string> argv = {kPython, "-c", kHashScript, password};
  argv.insert(argv.end(), schemes.begin(), schemes.end());
  std::istringstream lines(tool_output(argv));
  std::vector<std::string> out;
  for (std::string line; std::getline(lines, line);) out.push_back(line);
  if (out.size() != schemes.size()) throw std::runtime_error("passlib printed " + std::to_string(out.size()) + " hashes");
  return out;
}

bool passlib_available() {
  return std::system("/usr/bin/python3 -c 'import passlib.hash, argon2' >/dev/null 2>&1") == 0;
}

}  // namespace vestibule::import::testing
