#include "mail/mime.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>

#include "util/timestamps.h"

namespace vestibule::mail {

namespace {

constexpr std::size_t kLineLimit = 78;  // RFC 5322 2.1.1: SHOULD not exceed 78 characters

std::string base64(std::string_view bytes) {
  if (bytes.empty()) return std::string();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// The body text with CRLF line ends, base64 in lines of 76 (RFC 2045 6.8).
std::string base64_body(std::string_view text) {
  std::string crlf;
  crlf.reserve(text.size() + text.size() / 32);
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const std::string encoded = base64(crlf);
  std::string out;
  for (std::size_t at = 0; at < encoded.size(); at += 76) {
    out.append(encoded, at, 76);
    out += "\r\n";
  }
  return out;
}

bool plain_ascii(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return true;
}

// The length of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

bool id_ok(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

std::string quoted_display_name(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string encode_header(std::string_view name, std::string_view raw) {
  std::string value(raw);
  for (char& c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';  // a CR or LF here would start a header of its own
  }
  std::string out(name);
  out += ":";
  std::size_t line = out.size();
  if (plain_ascii(value)) {
    // Fold before a space once a line would pass the limit; a word longer than a line stays whole.
    std::size_t at = 0;
    do {
      std::size_t next = value.find(' ', at + 1);
      if (next == std::string::npos) next = value.size();
      const std::string_view word = std::string_view(value).substr(at, next - at);  // starts with its space
      const bool first = at == 0;
      if (!first && line + word.size() > kLineLimit) {
        out += "\r\n";
        line = 0;
      }
      if (first && (word.empty() || word.front() != ' ')) {
        out += ' ';
        ++line;
      }
      out += word;
      line += word.size();
      at = next;
    } while (at < value.size());
    return out + "\r\n";
  }
  // RFC 2047 B-encoded words of at most 40 bytes: 56 base64 characters, 68 with "=?UTF-8?B?" and
  // "?=", so "Subject: " and a word stay within 78. A UTF-8 character is never split (6.3).
  constexpr std::size_t kWordBytes = 40;
  std::size_t at = 0;
  bool first = true;
  while (at < value.size()) {
    std::size_t end = at;
    while (end < value.size()) {
      const std::size_t n = utf8_length(static_cast<unsigned char>(value[end]));
      if (end + n - at > kWordBytes) break;
      end += n;
    }
    if (end == at) end = std::min(value.size(), at + kWordBytes);  // cannot happen with valid UTF-8
    out += first ? " " : "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(value).substr(at, end - at)) + "?=";
    first = false;
    at = end;
  }
  return out + "\r\n";
}

std::string rfc5322_date(store::TimePoint t) {
  const util::UtcTime u = util::utc_time(t);
  // Day and month names fixed in English (RFC 5322 3.3), whatever the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02u:%02u:%02u +0000", kDays[u.weekday], u.day,
                kMonths[u.month - 1], u.year, u.hour, u.minute, u.second);
  return buffer;
}

std::optional<std::string> build_message(const MimeParts& parts) {
  if (!id_ok(parts.id)) return std::nullopt;
  // "=_" never occurs in base64, so no body line can look like the boundary.
  const std::string boundary = "=_vestibule_" + parts.id;
  std::string out;
  out += "Date: " + rfc5322_date(parts.date) + "\r\n";
  std::string from;
  if (parts.from.display_name.empty()) {
    from = "<" + parts.from.address + ">";
  } else if (plain_ascii(parts.from.display_name)) {
    from = quoted_display_name(parts.from.display_name) + " <" + parts.from.address + ">";
  }
  if (!from.empty()) {
    out += encode_header("From", from);
  } else {
    // Encoded words for the name, then the address on a line of its own.
    std::string name = encode_header("From", parts.from.display_name);
    name.resize(name.size() - 2);
    out += name + "\r\n <" + parts.from.address + ">\r\n";
  }
  out += "To: <" + parts.to + ">\r\n";
  out += encode_header("Subject", parts.content.subject);
  out += "Message-ID: <" + parts.id + "@" + parts.from.domain() + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  // RFC 3834: automatic responders should not answer a message a machine sent.
  out += "Auto-Submitted: auto-generated\r\n";
  out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_body(parts.content.text);
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_body(parts.content.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace vestibule::mail
