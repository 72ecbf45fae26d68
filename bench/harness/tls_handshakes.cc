#include "tls_handshakes.h"

#include <sstream>
#include <stdexcept>

#include "counters.h"
#include "support/command.h"

namespace vestibule::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string openssl() { return program("openssl").string(); }

}  // namespace

std::string key_name(KeyType type) { return type == KeyType::ecdsa_p256 ? "ECDSA P-256" : "RSA 2048"; }

Certificate make_certificate(const std::filesystem::path& dir, KeyType type) {
  const std::string name = type == KeyType::ecdsa_p256 ? "ecdsa-p256" : "rsa-2048";
  Certificate c{.cert = dir / (name + "-cert.pem"), .key = dir / (name + "-key.pem"), .type = type};
  std::vector<std::string> argv = {openssl(), "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                                   "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", c.key.string(), "-out",
                                   c.cert.string(), "-newkey"};
  if (type == KeyType::ecdsa_p256) {
    argv.insert(argv.end(), {"ec", "-pkeyopt", "ec_paramgen_curve:P-256"});
  } else {
    argv.insert(argv.end(), {"rsa:2048"});
  }
  const testing::CommandResult made = testing::run_command(argv, {}, std::chrono::seconds(30));
  if (made.exit_status != 0) throw std::runtime_error("openssl req failed: " + made.err);
  return c;
}

Handshakes parse_s_time_output(const std::string& text) {
  Handshakes h;
  bool counted = false;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // Progress: one character per connection, 'r' for a resumed session.
    if (!line.empty() && line.find_first_not_of("rt3*") == std::string::npos) {
      for (char c : line) h.resumed += c == 'r';
      continue;
    }
    const auto at = line.find(" connections in ");
    if (!counted && at != std::string::npos) {
      h.run.requests = std::stoull(line.substr(0, at));
      counted = true;
    }
  }
  if (!counted) throw std::runtime_error("no connection count in s_time's output:\n" + text);
  return h;
}

Handshakes measure_handshakes(unsigned short port, pid_t server, bool resume, const std::string& path,
                              std::chrono::seconds duration) {
  const std::vector<std::string> argv = {openssl(), "s_time", "-connect", "127.0.0.1:" + std::to_string(port),
                                         "-tls1_3", resume ? "-reuse" : "-new", "-time",
                                         std::to_string(duration.count()), "-www", path};
  const double cpu_before = process_cpu_seconds(server);
  const auto start = Clock::now();
  const testing::CommandResult ran = testing::run_command(argv, {}, duration + std::chrono::seconds(20));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_after = process_cpu_seconds(server);
  if (ran.exit_status != 0) throw std::runtime_error("openssl s_time failed:\n" + ran.out + ran.err);
  Handshakes h = parse_s_time_output(ran.out);
  h.run.seconds = seconds;
  h.run.cpu_seconds = cpu_after - cpu_before;
  return h;
}

OpensslServer::OpensslServer(const Certificate& certificate, const std::filesystem::path& output)
    : process_({openssl(), "s_server", "-accept", "127.0.0.1:0", "-cert", certificate.cert.string(), "-key",
                certificate.key.string(), "-tls1_3", "-www"},
               output) {
  port_ = static_cast<unsigned short>(std::stoul(process_.wait_for_line("ACCEPT 127.0.0.1:", std::chrono::seconds(10))));
}

}  // namespace vestibule::bench
