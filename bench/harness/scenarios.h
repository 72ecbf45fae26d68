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
#include "wrk.h"

namespace vestibule::bench {

struct BenchOptions {
  std::chrono::seconds duration{5};       // each wrk run
  std::size_t small_users = 1000;
  std::size_t big_users = 1'000'000;
  std::size_t idle_connections = 10'000;
  int timing_rounds = 30;
  std::chrono::milliseconds hash_sample{4000};  // each raw argon2id measurement
  std::vector<std::string> stores = {"sqlite", "redis"};
  bool compare_engines = true;                  // also serve logins with libargon2
  std::filesystem::path wrk_scripts;            // bench/wrk
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
  std::unique_ptr<e2e::ServerProcess> start_server(const Database& db, const std::string& engine,
                                                   std::vector<std::string> extra = {});
  LoadSpec load(const std::string& script, int connections, std::vector<std::string> args = {},
                std::string path = "/") const;
  LoadSpec login_load(const Database& db, int connections) const;

  void raw_hash_rates();
  double adjacent_hash_rate(const std::string& engine) const;
  void store_scenarios(const std::string& store);
  void metrics_cost(const std::string& store, const Database& db);
  void scale(const std::string& store, const LoadResult& me_small, const LoadResult& login_small);
  void idle_memory();

  void add(Row row) { rows_.push_back(std::move(row)); }
  Row load_row(std::string scenario, const std::string& store, const LoadResult& r) const;

  BenchOptions options_;
  CpuSplit cpus_;
  std::unique_ptr<e2e::TempDir> temp_;
  std::unique_ptr<testing::RedisServer> redis_;
  std::string password_hash_;
  std::vector<Row> rows_;
};

}  // namespace vestibule::bench
