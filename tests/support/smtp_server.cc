#include "support/smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vestibule::testing {

namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-aiosmtpd lives

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string script_path() { return std::string(VESTIBULE_TEST_SUPPORT_DIR) + "/smtp_server.py"; }

}  // namespace

bool SmtpServer::available() { return std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0; }

SmtpServer::SmtpServer(SmtpServerOptions options) : options_(std::move(options)), port_(options_.port) {
  if (options_.starttls || options_.implicit_tls) {
    const std::string dir = certs_.path().string();
    // An EC key is generated in milliseconds; the SAN makes curl accept it for 127.0.0.1.
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        dir + "/key.pem' -out '" + dir + "/cert.pem' >'" + dir + "/openssl.log' 2>&1";
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("openssl could not generate a test certificate: " +
                               read_file(certs_.path() / "openssl.log"));
    }
  }
  start();
}

SmtpServer::~SmtpServer() { stop(); }

std::string SmtpServer::log() const { return read_file(certs_.path() / "server.log"); }

void SmtpServer::start() {
  if (pid_ > 0) return;
  std::vector<std::string> args{kPython,  script_path(),        "--dir", messages_.path().string(),
                                "--port", std::to_string(port_)};
  if (options_.starttls || options_.implicit_tls) {
    args.insert(args.end(), {"--tls-cert", (certs_.path() / "cert.pem").string(), "--tls-key",
                             (certs_.path() / "key.pem").string()});
  }
  if (options_.implicit_tls) args.push_back("--implicit-tls");
  if (!options_.user.empty()) args.insert(args.end(), {"--user", options_.user, "--password", options_.password});
  if (!options_.reject.empty()) args.insert(args.end(), {"--reject", options_.reject});
  if (!options_.tempfail.empty()) args.insert(args.end(), {"--tempfail", options_.tempfail});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const std::string log_path = (certs_.path() / "server.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, kPython, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    throw std::runtime_error(std::string("cannot start ") + kPython + ": " + std::strerror(rc));
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  pending_.clear();
  // The first line is "PORT <n>"; read_until records it.
  const unsigned short before = port_;
  port_ = 0;
  if (!read_until(0, std::chrono::steady_clock::now() + std::chrono::seconds(10))) {
    stop();
    throw std::runtime_error("the test SMTP server did not start within 10 s; its stderr:\n" + log());
  }
  if (before != 0 && port_ != before) throw std::runtime_error("the test SMTP server came back on another port");
}

void SmtpServer::handle_line(const std::string& line) {
  std::istringstream words(line);
  std::string tag;
  words >> tag;
  if (tag == "PORT") {
    unsigned int port = 0;
    words >> port;
    port_ = static_cast<unsigned short>(port);
  } else if (tag == "MESSAGE") {
    ReceivedMessage m;
    std::string file;
    words >> file >> m.mail_from >> m.recipients;
    m.file = file;
    m.content = read_file(m.file);
    received_.push_back(std::move(m));
  }
}

bool SmtpServer::read_until(std::size_t n, std::chrono::steady_clock::time_point deadline) {
  const bool waiting_for_port = port_ == 0;
  // A deadline already past still reads what is there (poll with no wait).
  while (waiting_for_port ? port_ == 0 : received_.size() < n) {
    if (stdout_fd_ < 0) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    const ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
    if (got <= 0) {  // the server exited
      close(stdout_fd_);
      stdout_fd_ = -1;
      return false;
    }
    pending_.append(chunk, static_cast<std::size_t>(got));
    std::size_t eol;
    while ((eol = pending_.find('\n')) != std::string::npos) {
      handle_line(pending_.substr(0, eol));
      pending_.erase(0, eol + 1);
    }
  }
  return true;
}

std::vector<ReceivedMessage> SmtpServer::wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) {
  if (!read_until(n, std::chrono::steady_clock::now() + timeout)) {
    throw std::runtime_error("the test SMTP server received " + std::to_string(received_.size()) + " of " +
                             std::to_string(n) + " messages within " + std::to_string(timeout.count()) +
                             " ms; its stderr:\n" + log());
  }
  return received_;
}

std::vector<ReceivedMessage> SmtpServer::received() {
  read_until(received_.size() + 1, std::chrono::steady_clock::now());
  return received_;
}

void SmtpServer::stop() {
  if (pid_ <= 0) return;
  // Whatever it announced before it goes is kept (a message accepted just before the stop).
  read_until(received_.size() + 1, std::chrono::steady_clock::now());
  ::kill(pid_, SIGTERM);
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // reaping, not synchronising a test
  }
  pid_ = -1;
  read_until(received_.size() + 1, std::chrono::steady_clock::now());
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

void SmtpServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdin_fd_ = stdout_fd_ = -1;
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
}

SilentListener::~SilentListener() { ::close(fd_); }

}  // namespace vestibule::testing
