// The JSON form of a log line (--log-format json): one object per line,
//   {"ts":"2026-12-02T05:04:58.123Z","level":"info","logger":"audit","event":"login.succeeded",
//    "request_id":"...","account_id":"..."}
// made from the logfmt message the code wrote (util/logfmt.h), so that every call site writes
// one format and the choice is made once, here. The message's leading key=value pairs become
// fields in their order (values unquoted and unescaped); whatever follows them that is not a
// pair (free text) becomes "msg". A message without an event= gets "event":"log.text", so that
// every line has one. Every value is a JSON string, as in the text form: a field has one type on
// every line. Always valid JSON, whatever the bytes: Boost.JSON escapes, and bytes that are not
// UTF-8 are replaced by U+FFFD first. Pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vestibule::app {

// A logfmt message split into its leading pairs and the text after them (empty if none).
struct LogfmtMessage {
  std::vector<std::pair<std::string_view, std::string>> fields;
  std::string_view text;
};
LogfmtMessage parse_logfmt(std::string_view message);

// `s` with every byte that does not start or continue a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

// One JSON line, newline included.
std::string json_line(std::chrono::system_clock::time_point t, std::string_view level, std::string_view logger,
                      std::string_view message);

}  // namespace vestibule::app
