// The harness's results: one row per measurement, printed as a table and written as CSV, JSON
// and a PNG latency chart (gnuplot, when installed) into the results folder.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace vestibule::bench {

struct Row {
  std::string scenario{};  // e.g. "1 me", "3 me under login flood"
  std::string store{};     // "sqlite", "redis" or "-"
  std::optional<double> per_second{};
  std::optional<double> p50_ms{};
  std::optional<double> p99_ms{};
  std::optional<double> max_ms{};
  std::optional<unsigned long long> errors{};
  std::string ratio_of{};  // what the ratio compares, e.g. "me/healthz req/s"
  std::optional<double> ratio{};
  std::string target{};    // e.g. ">= 0.6"; empty when the row has none
  std::optional<bool> met{};
  std::string note{};      // e.g. "RSS 27.1 MiB at 10000 connections"
};

// Whether `value` meets `target` (">= 0.6", "<= 1.5", "0.9-1.1").
bool meets(double value, const std::string& target);

// The ratios of rounds taken in turns (turns.h): their median, the verdict, and their range.
struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
  std::size_t count = 0;
};
Spread spread(std::vector<double> values);

// `row` with its ratio, target and verdict.
Row ratio_row(Row row, std::string of, double ratio, std::string target);
// The same for rounds in turns: the ratio is their median, and the note opens with how many
// pairs there were and their min-max, so that a reader sees how far one slow stretch moved.
Row paired_ratio_row(Row row, std::string of, const Spread& ratios, std::string target);

// `v` with `decimals` digits after the point.
std::string fixed(double v, int decimals);

void print_table(const std::vector<Row>& rows, std::ostream& out);
void write_csv(const std::vector<Row>& rows, const std::filesystem::path& file);
// `about` describes the run (machine, cores, parameters): stored beside the rows.
void write_json(const std::vector<Row>& rows, const std::vector<std::pair<std::string, std::string>>& about,
                const std::filesystem::path& file);
// Writes latency.dat and latency.gnuplot, and renders latency.png if gnuplot is on PATH.
// Returns the PNG's path, or nothing if it could not be rendered.
std::optional<std::filesystem::path> write_chart(const std::vector<Row>& rows, const std::filesystem::path& dir);

}  // namespace vestibule::bench
