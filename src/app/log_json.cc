#include "app/log_json.h"

#include "util/timestamps.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace vestibule::app {
namespace {

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the quoted value starting at s[i] == '"' (util::logfmt_value's escapes); advances `i`
// past the closing quote. False if the quote is never closed.
bool read_quoted(std::string_view s, std::size_t& i, std::string& out) {
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      ++i;
      return true;
    }
    if (c != '\\' || i + 1 == s.size()) {
      out += c;
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'x': {
        const int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
        if (lo < 0) {
          out += "\\x";
          break;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default: out += e;  // \" \\ and anything else: the character itself
    }
  }
  return false;
}

// The length of the valid UTF-8 sequence at the start of `s`, or 0 (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF).
std::size_t sequence_length(std::string_view s) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

LogfmtMessage parse_logfmt(std::string_view s) {
  LogfmtMessage out;
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  while (i < s.size()) {
    const std::size_t start = i;
    while (i < s.size() && key_char(s[i])) ++i;
    if (i == start || i == s.size() || s[i] != '=') {
      out.text = s.substr(start);
      return out;
    }
    const std::string_view key = s.substr(start, i - start);
    ++i;  // '='
    std::string value;
    if (i < s.size() && s[i] == '"') {
      if (!read_quoted(s, i, value) || (i < s.size() && s[i] != ' ')) {
        out.text = s.substr(start);
        return out;
      }
    } else {
      const std::size_t end = std::min(s.find(' ', i), s.size());
      value.assign(s.substr(i, end - i));
      i = end;
    }
    out.fields.emplace_back(key, std::move(value));
    while (i < s.size() && s[i] == ' ') ++i;
  }
  return out;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = sequence_length(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      s.remove_prefix(1);
      continue;
    }
    out.append(s.substr(0, n));
    s.remove_prefix(n);
  }
  return out;
}

std::string json_line(std::chrono::system_clock::time_point t, std::string_view level, std::string_view logger,
                      std::string_view message) {
  const LogfmtMessage parsed = parse_logfmt(message);
  // One arena per line: the object and its strings are freed at once.
  unsigned char arena[2048];
  boost::json::monotonic_resource mr(arena, sizeof arena);
  boost::json::object line(&mr);
  line.reserve(parsed.fields.size() + 5);
  line.emplace("ts", util::rfc3339_millis(t));
  line.emplace("level", valid_utf8(level));
  line.emplace("logger", valid_utf8(logger));
  std::string_view event = "log.text";
  for (const auto& [key, value] : parsed.fields) {
    if (key == "event") {
      event = value;
      break;
    }
  }
  line.emplace("event", valid_utf8(event));
  // Fields named like the ones above keep the line's own (the first wins).
  for (const auto& [key, value] : parsed.fields) line.emplace(key, valid_utf8(value));
  if (!parsed.text.empty()) line.emplace("msg", valid_utf8(parsed.text));
  std::string out = boost::json::serialize(line);
  out += '\n';
  return out;
}

}  // namespace vestibule::app
