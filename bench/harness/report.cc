#include "report.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vestibule::bench {
namespace {

std::string number(const std::optional<double>& v, int decimals) {
  if (!v) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
  return buf;
}

std::string count(const std::optional<unsigned long long>& v) { return v ? std::to_string(*v) : ""; }

std::string verdict(const Row& r) {
  if (!r.met) return "";
  return *r.met ? "yes" : "NO";
}

// CSV field: quoted when it holds a comma, quote or newline.
std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// JSON has no NaN or infinity (a ratio over a zero rate): those become null, like a missing value.
boost::json::value json_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

bool meets(double value, const std::string& target) {
  if (target.starts_with(">= ")) return value >= std::stod(target.substr(3));
  if (target.starts_with("<= ")) return value <= std::stod(target.substr(3));
  const auto dash = target.find('-');
  if (dash != std::string::npos) {
    return value >= std::stod(target.substr(0, dash)) && value <= std::stod(target.substr(dash + 1));
  }
  return false;
}

Spread spread(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return {.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2,
          .min = values.front(),
          .max = values.back(),
          .count = n};
}

Row ratio_row(Row row, std::string of, double ratio, std::string target) {
  row.ratio_of = std::move(of);
  row.ratio = ratio;
  row.met = target.empty() ? std::optional<bool>() : meets(ratio, target);
  row.target = std::move(target);
  return row;
}

Row paired_ratio_row(Row row, std::string of, const Spread& ratios, std::string target) {
  const std::string pairs = "median of " + std::to_string(ratios.count) + " pairs in turns, min-max " +
                            fixed(ratios.min, 3) + "-" + fixed(ratios.max, 3);
  row.note = row.note.empty() ? pairs : pairs + "; " + row.note;
  return ratio_row(std::move(row), std::move(of), ratios.median, std::move(target));
}

std::string fixed(double v, int decimals) { return number(v, decimals); }

void print_table(const std::vector<Row>& rows, std::ostream& out) {
  char line[512];
  const char* format = "%-30s %-6s %9s %8s %8s %8s %6s  %-26s %7s %-9s %-4s %s\n";
  std::snprintf(line, sizeof line, format, "scenario", "store", "req/s", "p50 ms", "p99 ms", "max ms", "errors",
                "ratio of", "ratio", "target", "met", "note");
  out << line;
  for (const Row& r : rows) {
    std::snprintf(line, sizeof line, format, r.scenario.c_str(), r.store.c_str(), number(r.per_second, 1).c_str(),
                  number(r.p50_ms, 2).c_str(), number(r.p99_ms, 2).c_str(), number(r.max_ms, 2).c_str(),
                  count(r.errors).c_str(), r.ratio_of.c_str(), number(r.ratio, 3).c_str(), r.target.c_str(),
                  verdict(r).c_str(), r.note.c_str());
    out << line;
  }
}

void write_csv(const std::vector<Row>& rows, const std::filesystem::path& file) {
  std::ofstream out(file);
  out << "scenario,store,req_per_s,p50_ms,p99_ms,max_ms,errors,ratio_of,ratio,target,met,note\n";
  for (const Row& r : rows) {
    out << csv(r.scenario) << ',' << r.store << ',' << number(r.per_second, 2) << ',' << number(r.p50_ms, 3) << ','
        << number(r.p99_ms, 3) << ',' << number(r.max_ms, 3) << ',' << count(r.errors) << ',' << csv(r.ratio_of)
        << ',' << number(r.ratio, 4) << ',' << csv(r.target) << ',' << verdict(r) << ',' << csv(r.note) << '\n';
  }
}

void write_json(const std::vector<Row>& rows, const std::vector<std::pair<std::string, std::string>>& about,
                const std::filesystem::path& file) {
  boost::json::object run;
  for (const auto& [key, value] : about) run[key] = value;
  boost::json::array list;
  for (const Row& r : rows) {
    list.push_back(boost::json::object{
        {"scenario", r.scenario},
        {"store", r.store},
        {"req_per_s", json_number(r.per_second)},
        {"p50_ms", json_number(r.p50_ms)},
        {"p99_ms", json_number(r.p99_ms)},
        {"max_ms", json_number(r.max_ms)},
        {"errors", r.errors ? boost::json::value(*r.errors) : boost::json::value(nullptr)},
        {"ratio_of", r.ratio_of},
        {"ratio", json_number(r.ratio)},
        {"target", r.target},
        {"met", r.met ? boost::json::value(*r.met) : boost::json::value(nullptr)},
        {"note", r.note},
    });
  }
  std::ofstream(file) << boost::json::serialize(boost::json::object{{"run", run}, {"rows", list}}) << '\n';
}

std::optional<std::filesystem::path> write_chart(const std::vector<Row>& rows, const std::filesystem::path& dir) {
  const auto data = dir / "latency.dat";
  const auto script = dir / "latency.gnuplot";
  const auto png = dir / "latency.png";
  std::size_t points = 0;
  {
    std::ofstream out(data);
    out << "# label p50_ms p99_ms\n";
    for (const Row& r : rows) {
      if (!r.p50_ms || !r.p99_ms) continue;
      out << '"' << r.scenario << " (" << r.store << ")\" " << *r.p50_ms << ' ' << *r.p99_ms << '\n';
      ++points;
    }
  }
  // The paths go into a shell command and a gnuplot string, both single-quoted.
  if (points == 0 || dir.string().find('\'') != std::string::npos) return std::nullopt;
  {
    std::ofstream out(script);
    out << "set terminal pngcairo size 1400," << 420 + 28 * points << " font 'DejaVu Sans,10'\n"
        << "set output '" << png.string() << "'\n"
        << "set title 'Vestibule latency per scenario (wrk on loopback; log scale)'\n"
        << "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
        << "set logscale y\nset yrange [0.01:*]\nset ylabel 'milliseconds'\nset grid ytics\n"
        << "set xtics rotate by -40 left\nset bmargin 14\nset rmargin 14\nset key top left\n"
        << "plot '" << data.string() << "' using 2:xtic(1) title 'p50', '' using 3 title 'p99'\n";
  }
  const std::string command = "gnuplot '" + script.string() + "' 2>/dev/null";
  if (std::system(command.c_str()) != 0 || !std::filesystem::exists(png)) return std::nullopt;
  return png;
}

}  // namespace vestibule::bench
