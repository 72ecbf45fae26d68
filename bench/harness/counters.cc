#include "counters.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "external.h"
#include "http_client.h"
#include "support/command.h"

namespace vestibule::bench {

CommandCalls parse_commandstats(const std::string& info) {
  CommandCalls calls;
  std::istringstream lines(info);
  constexpr std::string_view kPrefix = "cmdstat_", kCalls = ":calls=";
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(kPrefix)) continue;
    const auto colon = line.find(kCalls);
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(kPrefix.size(), colon - kPrefix.size());
    calls[name] = std::stoull(line.substr(colon + kCalls.size()));
  }
  return calls;
}

CommandCalls redis_command_calls(unsigned short port) {
  const std::string info =
      testing::command_output({program("redis-cli").string(), "-h", "127.0.0.1", "-p", std::to_string(port), "INFO",
                               "commandstats"},
                              {}, std::chrono::seconds(10));
  return parse_commandstats(info);
}

CommandCalls calls_between(const CommandCalls& before, const CommandCalls& after) {
  CommandCalls ran;
  for (const auto& [name, count] : after) {
    if (name == "info") continue;  // the reads' own
    const auto was = before.find(name);
    const std::uint64_t earlier = was == before.end() ? 0 : was->second;
    if (count > earlier) ran[name] = count - earlier;
  }
  return ran;
}

void add_calls(CommandCalls& sum, const CommandCalls& more) {
  for (const auto& [name, count] : more) sum[name] += count;
}

std::uint64_t total_calls(const CommandCalls& calls) {
  std::uint64_t total = 0;
  for (const auto& [name, count] : calls) total += count;
  return total;
}

std::string describe_calls(const CommandCalls& calls) {
  if (calls.empty()) return "none";
  std::vector<std::pair<std::string, std::uint64_t>> sorted(calls.begin(), calls.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [name, count] : sorted) out += (out.empty() ? "" : ", ") + name + " " + std::to_string(count);
  return out;
}

std::optional<double> exposed_value(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

std::string scrape_metrics(unsigned short port) {
  e2e::HttpClient client(port);
  const e2e::Response res = client.get("/metrics");
  if (res.result_int() != 200) throw std::runtime_error("GET /metrics answered " + std::to_string(res.result_int()));
  return res.body();
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: count fields from its closing parenthesis.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // utime is field 14, stime 15
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace vestibule::bench
