// The one way a value that may hold anything (an error message, a path, a name an operator
// chose) goes into a log line. Our lines are logfmt, `event=... key=value ...`, one per line;
// free text written as it is could break a line in two, forge a `key=` of its own, or end the
// line's quoting. Here a value stays bare when it is a plain token, and is quoted otherwise
// with the escapes the JSON output (app/log_json.h) reads back. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vestibule::util {

// Whether `value` can be written bare: not empty, and only printable ASCII other than space,
// '"', '=' and '\\'. Ids, numbers, enum names and addresses are.
inline bool logfmt_bare(std::string_view value) {
  if (value.empty()) return false;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '=' || c == '\\') return false;
  }
  return true;
}

// `value` as one logfmt value: bare if logfmt_bare(), else in double quotes with '"' and '\\'
// escaped by a backslash, newline, carriage return and tab as \n \r \t, other control bytes as
// \xHH. Bytes from 0x80 up are kept as they are (the JSON output replaces invalid UTF-8).
inline std::string logfmt_value(std::string_view value) {
  if (logfmt_bare(value)) return std::string(value);
  std::string out;
  out.reserve(value.size() + 2);
  out += '"';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace vestibule::util
