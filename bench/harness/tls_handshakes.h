// New TLS connections per second, and per second of the server's CPU: `openssl s_time` (one
// process, on the load's cores) opens connection after connection to a server for a bounded
// time, completes the TLS 1.3 handshake, sends one HTTP/1.0 GET and reads the answer to its
// close. The same client runs against Vestibule and against `openssl s_server -www` (the
// reference), each pinned the same way, so their ratio is the servers' alone. Certificates are
// made at run time with the openssl command. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "external.h"
#include "wrk.h"

namespace vestibule::bench {

enum class KeyType { ecdsa_p256, rsa_2048 };

std::string key_name(KeyType type);  // "ECDSA P-256", "RSA 2048"

struct Certificate {
  std::filesystem::path cert;  // PEM, self-signed, CN=localhost, subjectAltName IP:127.0.0.1
  std::filesystem::path key;   // PEM, unencrypted
  KeyType type = KeyType::ecdsa_p256;
};

// Makes a fresh key and certificate in `dir` (files named after the key type). Throws
// std::runtime_error if openssl fails.
Certificate make_certificate(const std::filesystem::path& dir, KeyType type);

struct Handshakes {
  // requests: connections completed; seconds: s_time's wall time; cpu_seconds: the server's
  // CPU time meanwhile (every thread of `server`).
  LoadResult run;
  std::uint64_t resumed = 0;  // connections that resumed a session (s_time prints 'r' for each)
};

// s_time -tls1_3 against 127.0.0.1:port for `duration`, each connection new (`resume` false:
// -new, a full handshake every time) or resuming the first one's session (-reuse: a ticket on
// TLS 1.3). `path` is what each connection GETs. Throws std::runtime_error if s_time fails.
Handshakes measure_handshakes(unsigned short port, pid_t server, bool resume, const std::string& path,
                              std::chrono::seconds duration);

// `openssl s_server -www -tls1_3` on a free loopback port with `certificate` (its defaults
// otherwise: a session cache and tickets). It inherits the calling thread's CPU affinity.
class OpensslServer {
 public:
  OpensslServer(const Certificate& certificate, const std::filesystem::path& output);
  unsigned short port() const { return port_; }
  pid_t pid() const { return process_.pid(); }

 private:
  BackgroundProcess process_;
  unsigned short port_ = 0;
};

// The connections s_time made and how many resumed, from its output. Throws
// std::runtime_error if it reports none.
Handshakes parse_s_time_output(const std::string& text);

}  // namespace vestibule::bench
