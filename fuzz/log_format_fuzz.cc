// Fuzzes the log formats with the bytes a client controls (a path, a name, a User-Agent):
// util::logfmt_value must keep any value one logfmt value, which app::parse_logfmt reads back
// exactly, and app::json_line must turn any message into one line of valid JSON, a single
// object with the fixed members. A mismatch or an invalid line aborts.
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/log_json.h"
#include "util/logfmt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // Round trip: a value written with logfmt_value reads back as itself, and forges no field.
  const std::string message = "event=fuzz value=" + vestibule::util::logfmt_value(bytes) + " after=1";
  const vestibule::app::LogfmtMessage parsed = vestibule::app::parse_logfmt(message);
  if (parsed.fields.size() != 3 || parsed.fields[1].first != "value" || parsed.fields[1].second != bytes ||
      parsed.fields[2].first != "after" || !parsed.text.empty()) {
    std::abort();
  }

  // Any message, ours or not, is one line of valid JSON: an object whose event is a string.
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1'800'000'000'123)};
  const std::string line = vestibule::app::json_line(t, "info", "fuzz", bytes);
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) std::abort();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(std::string_view(line).substr(0, line.size() - 1), ec);
  if (ec || !v.is_object() || !v.as_object().contains("event") || !v.as_object().at("event").is_string()) {
    std::abort();
  }
  return 0;
}
