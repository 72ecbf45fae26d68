// A private redis-server for tests: started on a free loopback port with no persistence and an
// empty dataset, never the developer's or a live server. It can be stopped and started again on
// the same port (to test what Vestibule does while Redis is down). start() returns once the
// server answers, and is the one this object started (INFO reports its pid: not another
// redis-server that took the port), polling that real condition under a deadline; no sleeps.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace vestibule::testing {

class RedisServer {
 public:
  // Whether a redis-server binary is on PATH (suites skip with a clear message if not).
  static bool available();

  RedisServer();  // picks a free port; does not start
  ~RedisServer();  // stops the server if running
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts redis-server and waits (bounded) until it answers. The first start moves to another
  // free port if the picked one was taken meanwhile, so read port() and url() after it; later
  // starts keep the port. Throws std::runtime_error.
  void start();
  // SIGTERM, then waits for the exit (SIGKILL after a bound).
  void stop();
  // SIGSTOP / SIGCONT: a server that accepts connections (the kernel does) but never answers.
  void pause();
  void resume();

  // Everything redis-server wrote, over all its starts (kept in a temp file, removed at the end).
  std::string log() const;

  unsigned short port() const { return port_; }
  std::string url(int db = 0) const { return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db); }

 private:
  // One start on port_: false if redis-server exited at once (the port was taken).
  bool launch();
  bool answers() const;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  bool started_once_ = false;
  std::filesystem::path log_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
unsigned short free_loopback_port();

}  // namespace vestibule::testing
