#include "wrk.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace vestibule::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kMarker = "VESTIBULE_WRK ";

std::uint64_t field(const boost::json::object& o, const char* name) { return o.at(name).to_number<std::uint64_t>(); }

}  // namespace

LoadRun::LoadRun(const LoadSpec& spec, unsigned short port) : spec_(spec) {
  std::vector<std::string> args = {"wrk",
                                   "--threads", std::to_string(spec.threads),
                                   "--connections", std::to_string(spec.connections),
                                   "--duration", std::to_string(spec.duration.count()) + "s",
                                   "--timeout", "10s",
                                   "--script", spec.script.string(),
                                   spec.scheme + "://127.0.0.1:" + std::to_string(port) + spec.path};
  if (!spec.script_args.empty()) {
    args.emplace_back("--");
    args.insert(args.end(), spec.script_args.begin(), spec.script_args.end());
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, "wrk", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    pid_ = -1;
    throw std::runtime_error(std::string("cannot start wrk (apt-get install wrk): ") + std::strerror(rc));
  }
  output_ = fds[0];
}

LoadRun::~LoadRun() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (output_ >= 0) ::close(output_);
}

LoadResult LoadRun::wait() {
  if (pid_ < 0) throw std::logic_error("LoadRun::wait called twice");
  // wrk's output is small; read it all until EOF, which comes when wrk exits.
  const auto deadline = Clock::now() + spec_.duration + kGrace;
  std::string text;
  char chunk[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw std::runtime_error("wrk overran its duration; output so far:\n" + text);
    pollfd p{.fd = output_, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(output_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("wrk failed; its output:\n" + text);
  return parse_wrk_output(text);
}

LoadResult parse_wrk_output(const std::string& text) {
  const auto at = text.find(kMarker);
  if (at == std::string::npos) throw std::runtime_error("no figures in wrk's output:\n" + text);
  const auto end = text.find('\n', at);
  const auto report = boost::json::parse(text.substr(at + kMarker.size(), end - at - kMarker.size())).as_object();
  LoadResult r;
  r.requests = field(report, "requests");
  r.seconds = static_cast<double>(field(report, "duration_us")) / 1e6;
  r.p50_ms = static_cast<double>(field(report, "p50_us")) / 1e3;
  r.p99_ms = static_cast<double>(field(report, "p99_us")) / 1e3;
  r.max_ms = static_cast<double>(field(report, "max_us")) / 1e3;
  for (const char* e : {"connect", "read", "write", "status", "timeout"}) r.errors += field(report, e);
  r.refused = field(report, "status");
  return r;
}

LoadResult run_load(const LoadSpec& spec, unsigned short port) { return LoadRun(spec, port).wait(); }

}  // namespace vestibule::bench
