#include "server_process.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "contract_proxy.h"
#include "store_under_test.h"

extern char** environ;

namespace vestibule::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kListening = "event=listening address=127.0.0.1:";
constexpr std::string_view kAdminListening = "event=listening.admin address=127.0.0.1:";
constexpr std::string_view kMetricsListening = "event=listening.metrics address=127.0.0.1:";
// The same lines under --log-format json (log_json.h: the event, then the fields in order).
constexpr std::string_view kJsonListening = R"("event":"listening","address":"127.0.0.1:)";
constexpr std::string_view kJsonAdminListening = R"("event":"listening.admin","address":"127.0.0.1:)";
constexpr std::string_view kJsonMetricsListening = R"("event":"listening.metrics","address":"127.0.0.1:)";

bool json_logs(const ServerConfig& config) {
  const auto& a = config.extra_args;
  const auto flag = std::find(a.begin(), a.end(), "--log-format");
  return flag != a.end() && flag + 1 != a.end() && flag[1] == "json";
}

// A fresh secret in a new file of the data dir, readable by its owner only (the server refuses
// anything looser).
std::string write_secret(const std::filesystem::path& file) {
  std::random_device random;
  std::string secret;
  for (int i = 0; i < 48; ++i) secret += "0123456789abcdef"[random() & 15];
  {
    std::ofstream out(file);
    out << secret << "\n";
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return secret;
}

std::runtime_error system_error(std::string_view what) {
  return std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// The caller's environment without VESTIBULE_* variables, so that a developer's shell settings
// (the binary reads every flag from the environment too) cannot change what a test runs against.
std::vector<std::string> clean_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("VESTIBULE_")) continue;
    env.emplace_back(*e);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::unique_ptr<ServerProcess> ServerProcess::launch(ServerConfig config) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  p->max_log_bytes_ = config.max_log_bytes;
  if (config.data_dir.empty()) {
    p->owned_dir_ = std::make_unique<TempDir>("e2e");
    p->data_dir_ = p->owned_dir_->path();
  } else {
    p->data_dir_ = config.data_dir;
  }
  std::vector<std::string> args;
  if (config.max_open_files != 0) {
    const std::string hard = std::to_string(config.max_open_files);
    const std::string soft = config.soft_open_files != 0 ? std::to_string(config.soft_open_files) : hard;
    args = {"/usr/bin/prlimit", "--nofile=" + soft + ":" + hard, "--"};
  }
  const std::vector<std::string> serve = {VESTIBULE_BINARY, "serve", "--listen", config.listen,
                                          "--log-level", "info"};
  args.insert(args.end(), serve.begin(), serve.end());
  const std::vector<std::string> store = config.store_args.empty() ? store_args(p->data_dir_) : config.store_args;
  args.insert(args.end(), store.begin(), store.end());
  args.insert(args.end(), config.hash_args.begin(), config.hash_args.end());
  args.insert(args.end(), config.extra_args.begin(), config.extra_args.end());
  if (config.admin) {
    p->admin_token_ = write_secret(p->data_dir_ / "admin.token");
    for (std::string a : {"--admin-listen", "127.0.0.1:0", "--admin-token-file"}) args.push_back(a);
    args.push_back((p->data_dir_ / "admin.token").string());
  }
  if (config.metrics) {
    args.push_back("--metrics-listen");
    args.push_back("127.0.0.1:0");
  }
  if (config.introspection) {
    p->introspection_secret_ = write_secret(p->data_dir_ / "introspection.token");
    args.push_back("--introspection-token-file");
    args.push_back((p->data_dir_ / "introspection.token").string());
  }
  // Mail goes into the data dir unless the test names a mail server: never into the working
  // directory's data/mail, the default.
  if (std::find(config.extra_args.begin(), config.extra_args.end(), "--mail-url") == config.extra_args.end()) {
    args.push_back("--mail-url");
    args.push_back("file:" + (p->data_dir_ / "mail").string());
  }
  p->spawn(args);
  return p;
}

ServerProcess::Exit ServerProcess::run_until_exit(ServerConfig config, std::chrono::milliseconds timeout) {
  std::unique_ptr<ServerProcess> p = launch(std::move(config));
  p->reap(timeout);
  std::optional<int> code = p->stop(std::chrono::milliseconds(0));  // kills it if still running
  return Exit{code, p->log()};
}

std::unique_ptr<ServerProcess> ServerProcess::start(ServerConfig config) {
  const bool proxied = config.through_contract_proxy;
  const bool admin = config.admin;
  const bool metrics = config.metrics;
  const std::filesystem::path document = config.contract_document;
  const bool json = json_logs(config);
  std::unique_ptr<ServerProcess> p = launch(std::move(config));
  p->port_ = p->wait_for_port(json ? kJsonListening : kListening, kStartTimeout, "vestibule");
  // Logged before the line above: there already.
  if (admin) {
    p->admin_port_ = p->wait_for_port(json ? kJsonAdminListening : kAdminListening, kStartTimeout, "vestibule");
  }
  if (metrics) {
    p->metrics_port_ = p->wait_for_port(json ? kJsonMetricsListening : kMetricsListening, kStartTimeout, "vestibule");
  }
  if (proxied) {
    if (std::optional<std::filesystem::path> prism = contract_proxy_executable()) {
      p->proxy_ = start_proxy(*prism, p->port_, document);
      if (admin) p->admin_proxy_ = start_proxy(*prism, p->admin_port_, document);
    }
  }
  return p;
}

std::unique_ptr<ServerProcess> ServerProcess::start_proxy(const std::filesystem::path& prism, unsigned short upstream,
                                                          const std::filesystem::path& document) {
  std::unique_ptr<ServerProcess> proxy(new ServerProcess());
  proxy->spawn(contract_proxy_args(prism, upstream, document));
  proxy->port_ = proxy->wait_for_port(kProxyListening, kProxyStartTimeout, "prism");
  return proxy;
}

unsigned short ServerProcess::wait_for_port(std::string_view prefix, std::chrono::seconds timeout,
                                            std::string_view who) {
  // The port is known only once the process says where it listens; a whole line is waited for
  // so that the digits cannot be cut off by a partial read.
  std::unique_lock lock(mutex_);
  std::size_t at = std::string::npos;
  const bool listening = changed_.wait_for(lock, timeout, [&] {
    at = log_.find(prefix);
    return (at != std::string::npos && log_.find('\n', at) != std::string::npos) || output_closed_;
  });
  if (!listening || at == std::string::npos) {
    throw std::runtime_error(std::string(who) + " did not report " + std::string(prefix) + "PORT within " +
                             std::to_string(timeout.count()) + " s; its output:\n" + log_);
  }
  unsigned short port = 0;
  const char* first = log_.data() + at + prefix.size();
  const char* last = log_.data() + log_.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || port == 0) throw std::runtime_error("unreadable listening line in:\n" + log_);
  return port;
}

void ServerProcess::spawn(const std::vector<std::string>& args) {
  int fds[2];
  // Close-on-exec, so that servers spawned concurrently by other tests never inherit this pipe
  // (an inherited write end would keep it open after this server exits).
  if (::pipe2(fds, O_CLOEXEC) != 0) throw system_error("pipe2");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);

  // The child starts with no blocked signals and default dispositions, whatever the test runner
  // did to its own, so that SIGTERM reaches the server's handler.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGTERM, SIGINT, SIGPIPE, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::vector<std::string> argv_strings = args;
  std::vector<std::string> env_strings = clean_environment();
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);
  const int rc = ::posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);  // the child holds the only write end now, so EOF means it has exited
  if (rc != 0) {
    pid_ = -1;
    ::close(fds[0]);
    errno = rc;
    throw system_error(std::string("posix_spawn ") + argv[0]);
  }
  // Drained continuously: a server blocked on a full pipe would look like a hung server.
  reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
}

void ServerProcess::read_output(int fd) {
  char chunk[4096];
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !output_paused_; });
    }
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      output_closed_ = true;
      changed_.notify_all();
      break;
    }
    log_.append(chunk, static_cast<std::size_t>(n));
    if (max_log_bytes_ != 0 && log_.size() > max_log_bytes_) log_.erase(0, log_.size() - max_log_bytes_ / 2);
    changed_.notify_all();
  }
  ::close(fd);
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::pause_output(bool paused) {
  {
    std::lock_guard lock(mutex_);
    output_paused_ = paused;
  }
  changed_.notify_all();
}

bool ServerProcess::running(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || wait_status_) return false;
  return !reap(grace);
}

void stop_expecting_clean_exit(ServerProcess& server) {
  const std::optional<int> code = server.stop();
  if (code == 0) return;
  const std::string log = server.log();
  constexpr std::size_t kTail = 20000;
  ADD_FAILURE() << "the shared server did not stop cleanly (" << server.exit_description() << "); the end of its log:\n"
                << (log.size() > kTail ? log.substr(log.size() - kTail) : log);
}

std::string ServerProcess::exit_description() const {
  if (!wait_status_) return pid_ > 0 ? "running" : "killed after not stopping in time";
  if (WIFEXITED(*wait_status_)) return "exited with code " + std::to_string(WEXITSTATUS(*wait_status_));
  if (WIFSIGNALED(*wait_status_)) {
    const int s = WTERMSIG(*wait_status_);
    return "killed by signal " + std::to_string(s) + " (" + strsignal(s) + ")";
  }
  return "ended with wait status " + std::to_string(*wait_status_);
}

std::string ServerProcess::log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

bool ServerProcess::wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return log_.find(needle) != std::string::npos || output_closed_; });
  return log_.find(needle) != std::string::npos;
}

std::optional<int> ServerProcess::stop(std::chrono::milliseconds timeout) {
  // First, so that they never see the server gone.
  if (proxy_) proxy_->stop(timeout);
  if (admin_proxy_) admin_proxy_->stop(timeout);
  pause_output(false);  // a process blocked on a full pipe could not exit
  if (pid_ > 0 && !wait_status_) {
    ::kill(pid_, SIGTERM);
    if (!reap(timeout)) {
      ::kill(pid_, SIGKILL);
      reap(kStopTimeout);
      wait_status_.reset();  // killed: report "did not exit by itself", whatever waitpid said
      pid_ = -1;
    }
  }
  if (reader_.joinable()) reader_.join();  // returns at EOF, i.e. once the child is gone
  if (!wait_status_ || !WIFEXITED(*wait_status_)) return std::nullopt;
  return WEXITSTATUS(*wait_status_);
}

bool ServerProcess::reap(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // A pidfd becomes readable when the process exits: a wait on the real event, no polling.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int ready = 0;
    do {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    } while (ready < 0 && errno == EINTR);
    ::close(pidfd);
    if (ready <= 0) return false;
  }
  // Without pidfd support (Linux < 5.3), check the real condition in short, bounded steps.
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      wait_status_ = status;
      return true;
    }
    if (r < 0 && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace vestibule::e2e
