// A real `vestibule serve` process for end-to-end tests: spawned on a free loopback port with its
// own data (a SQLite file, or a key prefix on Redis: store_under_test.h), its stdout and stderr
// collected for the whole of its life, stopped with SIGTERM.
// start() returns once the server has logged `event=listening`, so the port is ready; there are
// no sleeps anywhere, only waits on a real condition, each bounded by a deadline.
// In the contract run (contract_proxy.h) start() also starts Stoplight Prism's validating proxy
// in front of the server, waits for its listening line, and port() is then the proxy's.
// Thread-safe: log() and wait_for_log() may be called from any thread while the reader runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace vestibule::e2e {

// A directory under the system temp dir, removed with everything in it on destruction.
using TempDir = support::TempDir;

struct ServerConfig {
  // The --listen address; start() needs a loopback one (it reads the port from the log).
  std::string listen = "127.0.0.1:0";
  // Where the database lives; empty means a fresh temp dir owned (and removed) by the process.
  // In redis mode it names the server's key prefix instead (store_under_test.h).
  std::filesystem::path data_dir;
  // The --store flag and its companions; empty means the store under test for data_dir. Tests
  // that always need Redis (two instances on one, an outage) pass their own.
  std::vector<std::string> store_args;
  // argon2id cost. Tiny by default so that tests spend their time on behaviour, not on hashing;
  // a test that wants the production defaults passes an empty list.
  std::vector<std::string> hash_args = {"--hash-memory-kib", "1024", "--hash-iterations", "1",
                                        "--hash-threads", "2"};
  // Further flags, e.g. {"--token-ttl", "1"}. Each flag may appear once (CLI11 refuses repeats).
  std::vector<std::string> extra_args;
  // When set, the server runs with RLIMIT_NOFILE (soft and hard) at this many descriptors,
  // through util-linux's prlimit (which execs it: pid() is still the server's).
  std::size_t max_open_files = 0;
  // With max_open_files: a lower soft limit to start with (0: the same as the hard one), for
  // the server to raise.
  std::size_t soft_open_files = 0;
  // 0 keeps everything the server writes; otherwise only about the last this many bytes are kept
  // (benchmarks run millions of requests, each with an access-log line).
  std::size_t max_log_bytes = 0;
  // In the contract run, whether port() is the validating proxy's (contract_proxy.h). False for
  // tests of the transport rather than the API (raw bytes, framing, TLS, connection limits,
  // keep-alive), which the proxy would answer or reframe itself.
  bool through_contract_proxy = true;
  // The document the proxy checks responses against; empty means docs/openapi.yaml (the
  // proxy's own tests pass a deliberately wrong one).
  std::filesystem::path contract_document;
  // Runs the admin API on a free loopback port (admin_port()) with a fresh token (admin_token()).
  bool admin = false;
  // Configures POST /v1/introspect with a fresh secret (introspection_secret()).
  bool introspection = false;
  // Serves GET /metrics on a free loopback port (metrics_port()); never through the contract
  // proxy (the scrape is not part of the API document).
  bool metrics = false;
};

class ServerProcess {
 public:
  static constexpr std::chrono::seconds kStartTimeout{20};
  static constexpr std::chrono::seconds kStopTimeout{15};
  // Node.js loads Prism and the document in a second or two; far longer on a loaded machine.
  static constexpr std::chrono::seconds kProxyStartTimeout{60};

  // Spawns the binary and waits for `event=listening address=127.0.0.1:PORT`. Throws
  // std::runtime_error (with the collected log) if it exits or stays silent past kStartTimeout.
  // In the contract run, then starts the proxy the same way (kProxyStartTimeout).
  static std::unique_ptr<ServerProcess> start(ServerConfig config = {});

  // How a run that was expected to end by itself (a refusal to start) ended.
  struct Exit {
    std::optional<int> code;  // nullopt: killed by a signal, or killed for not exiting in time
    std::string log;          // everything it wrote
  };
  // Runs the binary with `config` and waits up to `timeout` for it to exit by itself; a process
  // still running then (e.g. one that started when it should have refused) is killed.
  static Exit run_until_exit(ServerConfig config, std::chrono::milliseconds timeout);

  // Stops the process if it is still running (SIGTERM, SIGKILL after kStopTimeout), and its
  // proxy.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Where tests send their requests: the proxy's port in the contract run, else the server's.
  unsigned short port() const { return proxy_ ? proxy_->port_ : port_; }
  // The server's own port, for a request the proxy would answer itself (contract_proxy.h).
  unsigned short server_port() const { return port_; }
  bool behind_contract_proxy() const { return proxy_ != nullptr; }
  // The admin listener's port and token (ServerConfig::admin), and the introspection secret.
  // In the contract run the admin port is a validating proxy's too (its own Prism, in front of
  // the admin listener); admin_server_port() is the listener itself.
  unsigned short admin_port() const { return admin_proxy_ ? admin_proxy_->port_ : admin_port_; }
  unsigned short admin_server_port() const { return admin_port_; }
  const std::string& admin_token() const { return admin_token_; }
  // The metrics listener's port (ServerConfig::metrics): always the listener itself.
  unsigned short metrics_port() const { return metrics_port_; }
  const std::string& introspection_secret() const { return introspection_secret_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

  // False once the process has exited, or if it exits within `grace` (it is reaped then, and
  // exit_description() tells how it ended).
  bool running(std::chrono::milliseconds grace = std::chrono::milliseconds(0));

  // Everything the process wrote to stdout and stderr so far.
  std::string log() const;

  // Stops (true) or resumes (false) reading the process's output: once the pipe's buffer is
  // full, the process's writes to stdout block, as with a stalled log collector.
  void pause_output(bool paused);

  // Whether `needle` appears in the log before `timeout` passes.
  bool wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) const;

  // Sends SIGTERM and waits up to `timeout` for the exit. Returns the exit code, or nullopt if
  // the process died from a signal or had to be killed because it did not exit in time. Once
  // this returns, log() holds everything the process ever wrote. The proxy is stopped first.
  std::optional<int> stop(std::chrono::milliseconds timeout = kStopTimeout);

  // How the process ended, e.g. "exited with code 0" or "killed by signal 11 (Segmentation
  // fault)"; "running" before that.
  std::string exit_description() const;

 private:
  ServerProcess() = default;
  // Spawns the binary with `config`'s flags and returns at once.
  static std::unique_ptr<ServerProcess> launch(ServerConfig config);
  // Spawns Prism in front of `upstream`, a port of this server (another child, run by the same
  // machinery).
  static std::unique_ptr<ServerProcess> start_proxy(const std::filesystem::path& prism, unsigned short upstream,
                                                    const std::filesystem::path& document);
  // Waits for a whole line starting `prefix` followed by a port, and returns the port. Throws
  // std::runtime_error (naming `who`, with the log) if the output ends or `timeout` passes first.
  unsigned short wait_for_port(std::string_view prefix, std::chrono::seconds timeout, std::string_view who);
  void spawn(const std::vector<std::string>& args);
  void read_output(int fd);
  // Waits up to `timeout` for the child to exit and reaps it; false if it is still running.
  bool reap(std::chrono::milliseconds timeout);

  std::unique_ptr<TempDir> owned_dir_;
  std::filesystem::path data_dir_;
  pid_t pid_ = -1;
  std::optional<int> wait_status_;
  unsigned short port_ = 0;
  unsigned short admin_port_ = 0;
  unsigned short metrics_port_ = 0;
  std::string admin_token_;
  std::string introspection_secret_;
  std::size_t max_log_bytes_ = 0;
  std::unique_ptr<ServerProcess> proxy_;  // the contract run's Prism, if any
  std::unique_ptr<ServerProcess> admin_proxy_;  // and the admin listener's

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string log_;
  bool output_closed_ = false;
  bool output_paused_ = false;
  std::thread reader_;
};

// Stops `server` and records a test failure, with the end of its log, unless it exited by
// itself with status 0 within ServerProcess::kStopTimeout: a sanitizer's report raised while it
// shuts down makes the exit status non-zero. For fixtures that share one server across a suite
// (TearDownTestSuite), whose stop no test of its own checks.
void stop_expecting_clean_exit(ServerProcess& server);

}  // namespace vestibule::e2e
