// The command line of `vestibule import` and `vestibule import-seed`: their flags (CLI11), and
// running the chosen one from reading the token file to the exit status (0: nothing rejected,
// 1: something was, 2: a usage, connection or token error). main() adds them beside `serve`.
// Not thread-safe; used by main() only.
#pragma once

#include <CLI/App.hpp>
#include <CLI/Error.hpp>
#include <cstddef>
#include <filesystem>
#include <string>

namespace vestibule::import {

struct CommandSettings {
  std::string admin_url;                 // --admin-url
  std::filesystem::path admin_token_file;  // --admin-token-file
  std::filesystem::path ca_file;         // --ca-file (https only)
  std::size_t concurrency = 8;           // --concurrency
  bool allow_insecure_http = false;      // --allow-insecure-http: http:// off loopback
  std::filesystem::path file;            // import: the JSONL file
  std::string from;                      // import-seed: --from redis://HOST:PORT/DB
};

class ImportCommands {
 public:
  static constexpr int kUsageError = 2;

  // Adds both subcommands to `cli`; `this` must outlive the parse and run().
  void add_to(CLI::App& cli);
  // Whether the command line chose one of them (valid after a parse, even a failed one).
  bool selected() const;
  // The exit status for a command line CLI11 refused: its own code for `serve` and --help,
  // kUsageError for a refused `import` or `import-seed` (after printing CLI11's message).
  int parse_failed(CLI::App& cli, const CLI::ParseError& e) const;
  // Runs the chosen subcommand; its exit status.
  int run() const;

 private:
  int run_import() const;
  int run_seed() const;

  CommandSettings settings_;
  CLI::App* import_ = nullptr;
  CLI::App* seed_ = nullptr;
};

}  // namespace vestibule::import
