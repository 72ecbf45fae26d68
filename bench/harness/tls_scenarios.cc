// The HTTPS rows (scenario 7), on SQLite: `me` over TLS keep-alive against plain `me`, and new
// TLS 1.3 handshakes (full, and resumed) against openssl s_server on the same core, for an
// ECDSA P-256 and an RSA 2048 certificate made at run time in the results folder. Every
// comparison in turns (turns.h).
#include <unistd.h>

#include <cstdio>

#include "scenarios.h"
#include "turns.h"

namespace vestibule::bench {
namespace {

std::vector<std::string> tls_flags(const Certificate& c) { return {"--tls-cert", c.cert.string(), "--tls-key", c.key.string()}; }

void log(const std::string& what) { std::fprintf(stderr, "bench: %s\n", what.c_str()); }

}  // namespace

void Bench::tls_rows() {
  const Certificate ecdsa = make_certificate(options_.results_dir, KeyType::ecdsa_p256);
  const Certificate rsa = make_certificate(options_.results_dir, KeyType::rsa_2048);
  const Database plain_db = seed("sqlite", options_.small_users, "plain");
  const Database tls_db = seed("sqlite", options_.small_users, "tls");
  {
    auto plain = start_server(plain_db, "sodium");
    auto tls = start_server(tls_db, "sodium", tls_flags(ecdsa));
    log("sqlite: me over TLS and plain, " + std::to_string(options_.pairs) + " rounds in turns");
    const LoadSpec me_plain = turn(me_load(plain_db));
    LoadSpec me_tls = turn(me_load(tls_db));
    me_tls.scheme = "https";
    run_load(me_plain, plain->port());  // warm-ups, not reported
    run_load(me_tls, tls->port());
    const auto runs = in_turns(options_.pairs, {[&] { return run_load(me_plain, plain->port()); },
                                                [&] { return run_load(me_tls, tls->port()); }});
    Row row = paired_ratio_row(load_row("7 me over TLS keep-alive", "sqlite", merged(runs[1])), "req/s TLS / plain me",
                               per_round(runs[1], runs[0], rate), ">= 0.8");
    row.note += "; " + key_name(ecdsa.type) + " certificate, wrk's TLS 1.3, " + std::to_string(32) +
                " keep-alive connections; session cache on both";
    add(row);
  }
  handshake_rows(ecdsa, tls_db);
  handshake_rows(rsa, tls_db);
}

// Ours and s_server, each alone on the server's cores (one network thread here, s_server is one
// thread), in turns: s_server full, ours full, s_server resumed, ours resumed. The verdict
// compares connections per second of each server's own CPU time (/proc), so that it holds
// whether the single s_time client or the server is the limit; the wall-clock rate is req/s.
void Bench::handshake_rows(const Certificate& certificate, const Database& db) {
  const std::string key = key_name(certificate.type);
  auto ours = start_server(db, "sodium", tls_flags(certificate));
  pin_this_thread(cpus_.server);  // s_server inherits this thread's cores, as the servers do
  std::unique_ptr<OpensslServer> reference;
  try {
    reference = std::make_unique<OpensslServer>(certificate, options_.results_dir / ("s_server-" + std::to_string(
                                                                  static_cast<int>(certificate.type)) + ".log"));
  } catch (...) {
    pin_all_threads(::getpid(), cpus_.load);
    throw;
  }
  pin_all_threads(::getpid(), cpus_.load);
  log("TLS handshakes, " + key + ": ours and openssl s_server, " + std::to_string(options_.pairs) + " rounds in turns");
  std::uint64_t resumed_ours = 0, resumed_reference = 0;
  const auto arm = [&](unsigned short port, pid_t pid, bool resume, std::string path, std::uint64_t* resumed) -> Measure {
    return [=, this] {
      const Handshakes h = measure_handshakes(port, pid, resume, path, options_.turn);
      if (resumed) *resumed += h.resumed;
      return h.run;
    };
  };
  const auto runs = in_turns(options_.pairs, {arm(reference->port(), reference->pid(), false, "/", nullptr),
                                              arm(ours->port(), ours->pid(), false, "/healthz", nullptr),
                                              arm(reference->port(), reference->pid(), true, "/", &resumed_reference),
                                              arm(ours->port(), ours->pid(), true, "/healthz", &resumed_ours)});
  const auto figures = [](const LoadResult& ours_all, const LoadResult& reference_all) {
    return "per server CPU-second: ours " + fixed(ours_all.per_cpu_second(), 0) + ", s_server " +
           fixed(reference_all.per_cpu_second(), 0) + "; wall: s_server " + fixed(reference_all.per_second(), 0) +
           "/s";
  };
  const LoadResult full = merged(runs[1]), full_reference = merged(runs[0]);
  Row row = paired_ratio_row(Row{.scenario = "7 TLS 1.3 new handshakes, " + key, .store = "-", .per_second = full.per_second()},
                             "per core: ours / s_server", per_round(runs[1], runs[0], rate_per_cpu), ">= 0.7");
  row.note += "; " + figures(full, full_reference) + "; s_time -new, one GET each";
  add(row);
  const LoadResult resumed = merged(runs[3]), resumed_reference_all = merged(runs[2]);
  Row again = paired_ratio_row(
      Row{.scenario = "7 TLS 1.3 resumed, " + key, .store = "-", .per_second = resumed.per_second()},
      "per core: ours / s_server", per_round(runs[3], runs[2], rate_per_cpu), ">= 0.7");
  again.note += "; " + figures(resumed, resumed_reference_all) + "; s_time -reuse: resumed " +
                std::to_string(resumed_ours) + " of " + std::to_string(resumed.requests) + " (ours), " +
                std::to_string(resumed_reference) + " of " + std::to_string(resumed_reference_all.requests) +
                " (s_server)";
  add(again);
}

}  // namespace vestibule::bench
