// vestibule-bench: the benchmark harness of docs/performance.md. Starts its own servers, seeds
// them, drives them with wrk on loopback and prints one table; also writes it as CSV and JSON,
// with a PNG latency chart, into a results folder. Measures; asserts nothing.
//
//   bench/run.sh [--quick] [--out DIR] ...        (builds Release first; see --help)
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cpu_sets.h"
#include "report.h"
#include "scenarios.h"

using namespace vestibule::bench;

namespace {

// The idle-connection scenario needs a descriptor per connection, in the harness and the server
// (which inherits the limit).
std::size_t raise_descriptor_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&now));
  return buf;
}

std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  bool quick = false;
  int seconds = 5;
  int turn_seconds = 3;
  std::filesystem::path out;
  std::string commit = "unknown";
  CLI::App app{"Vestibule benchmark harness: scenarios, figures and ratios (docs/performance.md)"};
  app.add_flag("--quick", quick, "Short runs (1 s in turns) and a smaller 'big' database: the whole harness in about 5 minutes");
  app.add_option("--seconds", seconds, "Length of each wrk run")->check(CLI::Range(1, 60))->capture_default_str();
  app.add_option("--turn-seconds", turn_seconds, "Length of each run of a comparison in turns")
      ->check(CLI::Range(1, 60))->capture_default_str();
  app.add_option("--pairs", options.pairs, "Rounds of each comparison in turns (A B A B ...)")
      ->check(CLI::Range(5, 50))->capture_default_str();
  app.add_option("--big-users", options.big_users, "Accounts in the scale scenario")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}))->capture_default_str();
  app.add_option("--idle-connections", options.idle_connections, "Connections in the memory scenario")
      ->capture_default_str();
  app.add_option("--stores", options.stores, "Stores to run against (sqlite, redis)")
      ->delimiter(',')->check(CLI::IsMember({"sqlite", "redis"}));
  app.add_option("--out", out, "Results folder (default: bench/results/<UTC time>)");
  app.add_option("--scripts", options.wrk_scripts, "The wrk scripts (bench/wrk)")->required()->check(CLI::ExistingDirectory);
  app.add_option("--commit", commit, "Source revision, recorded with the results");
  CLI11_PARSE(app, argc, argv);

  if (quick) {
    seconds = std::min(seconds, 2);
    if (app.count("--turn-seconds") == 0) turn_seconds = 1;
    if (app.count("--big-users") == 0) options.big_users = 20'000;
    if (app.count("--idle-connections") == 0) options.idle_connections = 2'000;
    options.timing_rounds = 10;
    options.hash_sample = std::chrono::milliseconds(1000);
    options.compare_engines = false;
  }
  options.duration = std::chrono::seconds(seconds);
  options.turn = std::chrono::seconds(turn_seconds);
  const std::size_t descriptors = raise_descriptor_limit();
  if (descriptors < 2 * options.idle_connections + 256) {
    options.idle_connections = descriptors > 512 ? (descriptors - 256) / 2 : 128;
    std::cerr << "bench: descriptor limit " << descriptors << ": idle connections lowered to " << options.idle_connections
              << "\n";
  }
  if (out.empty()) out = std::filesystem::path("bench/results") / timestamp();
  std::filesystem::create_directories(out);
  options.results_dir = std::filesystem::absolute(out);

  const CpuSplit cpus = split_cpus();
  pin_this_thread(cpus.load);
  const auto started = std::chrono::steady_clock::now();
  std::vector<Row> rows;
  try {
    Bench bench(options, cpus);
    rows = bench.run();
  } catch (const std::exception& e) {
    std::cerr << "bench: failed: " << e.what() << "\n";
    return 1;
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const std::vector<std::pair<std::string, std::string>> about = {
      {"utc", timestamp()},
      {"commit", commit},
      {"cpu", cpu_model()},
      {"cores", std::to_string(std::thread::hardware_concurrency())},
      {"server_cores", describe(cpus.server)},
      {"load_cores", describe(cpus.load)},
      {"pinned", cpus.pinned ? "yes" : "no (one core)"},
      {"wrk_seconds", std::to_string(seconds)},
      {"turn_seconds", std::to_string(turn_seconds)},
      {"pairs", std::to_string(options.pairs)},
      {"small_users", std::to_string(options.small_users)},
      {"big_users", std::to_string(options.big_users)},
      {"harness_seconds", std::to_string(static_cast<int>(took))},
  };
  std::cout << "Vestibule benchmarks, " << about[0].second << ", commit " << commit << "; " << cpu_model() << ", server on cores "
            << describe(cpus.server) << ", wrk on " << describe(cpus.load) << "; " << seconds << " s per run, " << options.pairs
            << " rounds of " << turn_seconds << " s runs for each comparison in turns\n\n";
  print_table(rows, std::cout);
  write_csv(rows, out / "results.csv");
  write_json(rows, about, out / "results.json");
  const auto chart = write_chart(rows, out);
  std::cout << "\nharness took " << static_cast<int>(took) << " s; results in " << out.string() << " (results.csv, results.json"
            << (chart ? ", latency.png" : "; no chart: gnuplot missing") << ")\n";
  std::ofstream(out / "table.txt") << [&] {
    std::ostringstream s;
    print_table(rows, s);
    return s.str();
  }();
  return 0;
}
