#include "idle_connections.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vestibule::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kBatch = 256;
constexpr std::string_view kRequest = "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n";

std::runtime_error failure(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

class Sockets {
 public:
  ~Sockets() {
    for (int fd : fds_) ::close(fd);
  }
  void add(int fd) { fds_.push_back(fd); }
  std::size_t size() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

int connect_blocking(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw failure("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw failure("connect");
  }
  return fd;
}

// Sends the request on every socket of the batch, then waits until each has its whole answer
// (headers and a Content-Length body; /healthz answers are small).
void exchange(const std::vector<int>& batch, Clock::time_point deadline) {
  for (int fd : batch) {
    if (::send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(kRequest.size())) {
      throw failure("send");
    }
  }
  std::vector<std::string> received(batch.size());
  std::vector<bool> done(batch.size(), false);
  std::size_t remaining = batch.size();
  while (remaining > 0) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (done[i]) continue;
      fds.push_back({.fd = batch[i], .events = POLLIN, .revents = 0});
      index.push_back(i);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw std::runtime_error("idle connections: answers did not arrive in time");
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) throw failure("poll");
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const std::size_t i = index[k];
      char chunk[1024];
      const ssize_t n = ::recv(batch[i], chunk, sizeof chunk, 0);
      if (n <= 0) throw std::runtime_error("idle connections: the server closed a connection");
      received[i].append(chunk, static_cast<std::size_t>(n));
      const auto end = received[i].find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (!received[i].starts_with("HTTP/1.1 200")) throw std::runtime_error("idle connections: " + received[i]);
      const auto length_at = received[i].find("Content-Length: ");
      const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(received[i].substr(length_at + 16));
      if (received[i].size() >= end + 4 + length) {
        done[i] = true;
        --remaining;
      }
    }
  }
}

}  // namespace

long proc_status_kib(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(prefix)) return std::stol(line.substr(prefix.size()));
  }
  return -1;
}

IdleMemory measure_idle_connections(pid_t server, unsigned short port, std::size_t count, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  IdleMemory memory;
  memory.baseline_kib = proc_status_kib(server, "VmRSS");
  Sockets open;
  while (open.size() < count) {
    std::vector<int> batch;
    const std::size_t n = std::min(kBatch, count - open.size());
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(connect_blocking(port));
      open.add(batch.back());
    }
    exchange(batch, deadline);
  }
  memory.connections = open.size();
  memory.loaded_kib = proc_status_kib(server, "VmRSS");
  memory.peak_kib = proc_status_kib(server, "VmHWM");
  return memory;  // the connections close here
}

}  // namespace vestibule::bench
