// Reads the Prometheus text exposition format (version 0.0.4) back into samples, for tests of
// what a scrape says: each sample's name, its labels (unescaped) and value, keyed also by the
// series text as written ("name{a=\"1\",b=\"2\"}"). Strict enough for our own output: a line it
// cannot read throws std::runtime_error naming it, so a malformed scrape fails the test.
// Header-only; plain functions.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vestibule::testing {

struct Sample {
  std::string series;  // the text before the value, e.g. name{label="value"}
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

inline std::vector<Sample> parse_exposition(std::string_view text) {
  std::vector<Sample> samples;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    const auto bad = [&](std::string_view why) {
      return std::runtime_error("unreadable exposition line (" + std::string(why) + "): " + std::string(line));
    };
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (s.name.empty()) throw bad("no name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') throw bad("label");
        std::string key(line.substr(i, eq - i)), value;
        for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
        }
        if (i >= line.size()) throw bad("unterminated label value");
        ++i;  // the closing quote
        if (i < line.size() && line[i] == ',') ++i;
        s.labels.emplace_back(std::move(key), std::move(value));
      }
      if (i >= line.size()) throw bad("unterminated labels");
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') throw bad("no value");
    s.series = std::string(line.substr(0, i));
    const std::string value(line.substr(i + 1, line.find(' ', i + 1) - i - 1));
    try {
      std::size_t used = 0;
      s.value = std::stod(value, &used);
      if (used != value.size()) throw bad("value");
    } catch (const std::logic_error&) {
      throw bad("value");
    }
    samples.push_back(std::move(s));
  }
  return samples;
}

// series text -> value, for exact lookups such as series.at("vestibule_x{a=\"b\"}").
inline std::map<std::string, double> series_values(std::string_view text) {
  std::map<std::string, double> out;
  for (Sample& s : parse_exposition(text)) out.emplace(std::move(s.series), s.value);
  return out;
}

// The series names of the HTTP metrics, as series_values() keys them.
inline std::string requests(std::string_view route, std::string_view cls, std::string_view listener = "public") {
  return "vestibule_http_requests_total{listener=\"" + std::string(listener) + "\",route=\"" + std::string(route) +
         "\",status_class=\"" + std::string(cls) + "\"}";
}
inline std::string duration_count(std::string_view route, std::string_view listener = "public") {
  return "vestibule_http_request_duration_seconds_count{listener=\"" + std::string(listener) + "\",route=\"" +
         std::string(route) + "\"}";
}

}  // namespace vestibule::testing
