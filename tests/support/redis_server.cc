#include "support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace vestibule::testing {
namespace {

int connect_loopback(unsigned short port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{0, 200'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::runtime_error system_error(const std::string& what) { return std::runtime_error(what + ": " + std::strerror(errno)); }

}  // namespace

unsigned short free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool RedisServer::available() { return system("command -v redis-server >/dev/null 2>&1") == 0; }

RedisServer::RedisServer() : port_(free_loopback_port()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "vestibule-redis-XXXXXX.log").string();
  const int fd = mkstemps(pattern.data(), 4);
  if (fd < 0) throw system_error("mkstemps " + pattern);
  close(fd);
  log_path_ = pattern;
}

RedisServer::~RedisServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove(log_path_, ignored);
}

std::string RedisServer::log() const {
  std::ifstream in(log_path_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool RedisServer::answers() const {
  const int fd = connect_loopback(port_);
  if (fd < 0) return false;
  constexpr std::string_view kInfo = "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n";
  std::string reply;
  auto complete = [&] {
    const std::size_t at = reply.find("process_id:");
    return at != std::string::npos && reply.find("\r\n", at) != std::string::npos;
  };
  if (write(fd, kInfo.data(), kInfo.size()) == static_cast<ssize_t>(kInfo.size())) {
    char chunk[4096];
    ssize_t n = 0;
    while (!complete() && (n = read(fd, chunk, sizeof chunk)) > 0) reply.append(chunk, static_cast<std::size_t>(n));
  }
  close(fd);
  return reply.find("\r\nprocess_id:" + std::to_string(pid_) + "\r\n") != std::string::npos;
}

void RedisServer::start() {
  if (pid_ > 0) return;
  // Until the first start succeeds nobody has been given the port, so one taken since it was
  // picked is replaced by another; a restart must keep it (clients are configured with it).
  for (int attempt = 1;; ++attempt) {
    if (launch()) {
      started_once_ = true;
      return;
    }
    if (started_once_ || attempt == 5) {
      throw std::runtime_error("redis-server exited at start (port " + std::to_string(port_) +
                               " taken?); its output:\n" + log());
    }
    port_ = free_loopback_port();
  }
}

bool RedisServer::launch() {
  const std::string port = std::to_string(port_);
  // No persistence, no shared state: an empty in-memory dataset that dies with the process.
  std::vector<std::string> args{"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                                "--dir", "/tmp"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Its output goes to a file, never to the test runner's pipes: a redis-server orphaned by a
  // crashed test would otherwise hold them open and the runner would wait for it until timeout.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(), O_WRONLY | O_APPEND, 0);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "redis-server", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(std::string("cannot start redis-server (is it installed? Debian: apt-get install "
                                         "redis-server): ") + std::strerror(rc));
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!answers()) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("redis-server did not answer within 10 s; its output:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a real condition
  }
  return true;
}

void RedisServer::pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  kill(pid_, SIGCONT);  // a paused server acts on the SIGTERM only once it runs again
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // reaping, not synchronising a test
  }
  pid_ = -1;
}

}  // namespace vestibule::testing
