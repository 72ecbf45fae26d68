// A real SMTP server for tests: tests/support/smtp_server.py (Debian's python3-aiosmtpd, run by
// /usr/bin/python3) on a loopback port, optionally with STARTTLS (a certificate for 127.0.0.1
// generated with the openssl CLI in a temporary directory) and AUTH, and recipients it refuses.
// Every accepted message lands in dir() as its own file and is announced on the script's
// stdout, which wait_for_messages() reads with a deadline: no sleeps, no hangs. The server can
// be stopped (SIGTERM) or killed (SIGKILL) and started again on the same port. The announcements
// wait in a pipe until read: a test sending more than a few hundred messages should read them as
// it goes (wait_for_messages, received), or the server blocks once the pipe is full.
// Not thread-safe (one owner).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace vestibule::testing {

struct SmtpServerOptions {
  bool starttls = false;      // offer STARTTLS with a generated certificate (see ca_file())
  bool implicit_tls = false;  // instead TLS from the first byte (smtps://), same certificate
  std::string user{};         // require AUTH with user/password (after STARTTLS when offered)
  std::string password{};
  std::string reject{};     // recipients matching this Python regex get 550
  std::string tempfail{};   // recipients matching this Python regex get 451
  unsigned short port = 0;  // 0: any free port
};

struct ReceivedMessage {
  std::filesystem::path file;
  std::string mail_from;
  std::string recipients;  // comma-separated, as the server accepted them
  std::string content;     // the message as received (CRLF)
};

class SmtpServer {
 public:
  // Whether /usr/bin/python3 can import aiosmtpd (suites skip with a clear message if not).
  static bool available();

  // Starts the server and waits (at most 10 s) until it listens. Throws std::runtime_error.
  explicit SmtpServer(SmtpServerOptions options = {});
  ~SmtpServer();  // stops it
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  void start();  // again, on the same port, after stop() or kill()
  void stop();   // SIGTERM and wait for the exit (SIGKILL after a bound)
  void kill();   // SIGKILL and wait

  unsigned short port() const { return port_; }
  const std::filesystem::path& dir() const { return messages_.path(); }
  // The PEM certificate the server presents (with starttls): the CA file clients should trust.
  std::filesystem::path ca_file() const { return certs_.path() / "cert.pem"; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Every message announced so far, once there are at least `n` of them; throws
  // std::runtime_error naming how many arrived if `timeout` passes first.
  std::vector<ReceivedMessage> wait_for_messages(std::size_t n, std::chrono::milliseconds timeout);
  // The messages announced so far, without waiting.
  std::vector<ReceivedMessage> received();

  // What the script wrote to stderr (for failure messages).
  std::string log() const;

 private:
  // Reads announcements until `deadline` or until `n` are known; false on timeout or EOF.
  bool read_until(std::size_t n, std::chrono::steady_clock::time_point deadline);
  void handle_line(const std::string& line);

  SmtpServerOptions options_;
  support::TempDir messages_{"smtp-messages"};
  support::TempDir certs_{"smtp-certs"};
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;    // our end of the script's stdin: closing it makes the script exit
  int stdout_fd_ = -1;   // the script's announcements
  std::string pending_;  // a partial line
  std::vector<ReceivedMessage> received_;
};

// A loopback port that accepts TCP connections (the kernel completes the handshake) but never
// says a word: an SMTP server that hangs. Closed on destruction.
class SilentListener {
 public:
  SilentListener();  // throws std::runtime_error
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

}  // namespace vestibule::testing
