// The benchmark scenarios of docs/performance.md, run in order against real `vestibule`
// processes (SQLite in a temp dir; Redis on a private redis-server when it is installed), each
// bounded in time. Produces the rows of the report; asserts nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cpu_sets.h"
#include "report.h"
#include "server_process.h"
#include "support/redis_server.h"
#include "tls_handshakes.h"
#include "wrk.h"

namespace vestibule::bench {

struct BenchOptions {
  std::chrono::seconds duration{5};       // each wrk run that stands alone
  std::chrono::seconds turn{3};           // each run of a comparison in turns (turns.h)
  int pairs = 5;                          // rounds of each comparison in turns
  std::size_t small_users = 1000;
  std::size_t big_users = 1'000'000;
  std::size_t idle_connections = 10'000;
  int timing_rounds = 30;
  std::chrono::milliseconds hash_sample{4000};  // each raw argon2id measurement
  std::vector<std::string> stores = {"sqlite", "redis"};
  bool compare_engines = true;                  // also serve logins with libargon2
  std::filesystem::path wrk_scripts;            // bench/wrk
  std::filesystem::path results_dir;            // the certificates of the TLS rows go here
};

class Bench {
 public:
  Bench(BenchOptions options, CpuSplit cpus);
  ~Bench();
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  std::vector<Row> run();

 private:
  struct Database {
    std::string store;             // "sqlite" or "redis"
    std::vector<std::string> args; // --store ... for the server
    std::size_t users = 0;
    std::filesystem::path token_file;
    double seed_seconds = 0;
  };

  Database seed(const std::string& store, std::size_t users, const std::string& name);
  // A server on the server's cores with its own data directory; `metrics` adds --metrics-listen.
  std::unique_ptr<e2e::ServerProcess> start_server(const Database& db, const std::string& engine,
                                                   std::vector<std::string> extra = {}, bool metrics = false);
  LoadSpec load(const std::string& script, int connections, std::vector<std::string> args = {},
                std::string path = "/") const;
  LoadSpec login_load(const Database& db, int connections) const;
  LoadSpec me_load(const Database& db) const;
  // `spec` as one run of a comparison in turns: options_.turn long.
  LoadSpec turn(LoadSpec spec) const;

  void raw_hash_rates();
  void store_scenarios(const std::string& store);
  void cache_rows(const std::string& store, const e2e::ServerProcess& on, const Database& on_db,
                  const e2e::ServerProcess& off, const Database& off_db);
  void hashing_rows(const std::string& store, const e2e::ServerProcess& server, const Database& db,
                    const std::string& engine);
  void flood_rows(const std::string& store, const e2e::ServerProcess& server, const Database& db);
  void timing_rows(const std::string& store, unsigned short port);
  void metrics_cost(const std::string& store, const Database& db);
  void scale(const std::string& store, const e2e::ServerProcess& small_server, const Database& small);
  void idle_memory();
  // tls_scenarios.cc: me over TLS, and handshakes against openssl s_server (SQLite).
  void tls_rows();
  void handshake_rows(const Certificate& certificate, const Database& db);

  void add(Row row) { rows_.push_back(std::move(row)); }
  Row load_row(std::string scenario, const std::string& store, const LoadResult& r) const;

  BenchOptions options_;
  CpuSplit cpus_;
  std::unique_ptr<e2e::TempDir> temp_;
  std::unique_ptr<testing::RedisServer> redis_;
  std::string password_hash_;
  int servers_started_ = 0;  // names each server's data directory
  std::vector<Row> rows_;
};

}  // namespace vestibule::bench
