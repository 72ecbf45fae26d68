#include "security/unicode.h"

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <cstdlib>
#include <memory>

namespace vestibule::security {
namespace {

// libunistring hands back malloc'd buffers; owning them at once keeps every return path leak-free.
struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};
using MallocBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

const uint8_t* bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Takes ownership of a libunistring result; an empty optional when the call failed (which it
// does only for invalid UTF-8 or when out of memory).
std::optional<std::string> adopt(uint8_t* result, std::size_t length) {
  MallocBuffer owned(result);
  if (!owned) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(owned.get()), length);
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  // u8_check rejects overlong forms, surrogates and values above U+10FFFF (RFC 3629).
  return s.empty() || u8_check(bytes(s), s.size()) == nullptr;
}

std::optional<std::string> to_nfc(std::string_view s) {
  if (!is_valid_utf8(s)) return std::nullopt;
  if (s.empty()) return std::string();
  std::size_t length = 0;
  // A separate statement: `length` is only set by the call, and argument order is unspecified.
  uint8_t* result = u8_normalize(UNINORM_NFC, bytes(s), s.size(), nullptr, &length);
  return adopt(result, length);
}

std::optional<std::string> to_lower(std::string_view s) {
  if (!is_valid_utf8(s)) return std::nullopt;
  if (s.empty()) return std::string();
  std::size_t length = 0;
  // The empty language selects the locale-independent mappings, so a key never depends on the
  // server's environment (a Turkish locale would otherwise lower "I" to dotless "ı"). NFC on the
  // output keeps keys canonical: full lower-casing can emit combining marks.
  uint8_t* result = u8_tolower(bytes(s), s.size(), "", UNINORM_NFC, nullptr, &length);
  return adopt(result, length);
}

std::size_t code_point_count(std::string_view s) { return u8_mbsnlen(bytes(s), s.size()); }

bool has_control_characters(std::string_view s) {
  const uint8_t* p = bytes(s);
  const uint8_t* end = p + s.size();
  while (p < end) {
    ucs4_t c = 0;
    p += u8_mbtouc(&c, p, static_cast<std::size_t>(end - p));
    if (uc_is_general_category(c, UC_CATEGORY_Cc)) return true;
  }
  return false;
}

std::u32string code_points(std::string_view s) {
  std::u32string out;
  const uint8_t* p = bytes(s);
  const uint8_t* end = p + s.size();
  while (p < end) {
    ucs4_t c = 0;
    p += u8_mbtouc(&c, p, static_cast<std::size_t>(end - p));
    out.push_back(static_cast<char32_t>(c));
  }
  return out;
}

std::string_view general_category(char32_t c) {
  const char* name = uc_general_category_name(uc_general_category(static_cast<ucs4_t>(c)));
  return name != nullptr ? std::string_view(name) : std::string_view("Cn");
}

bool is_default_ignorable(char32_t c) { return uc_is_property_default_ignorable_code_point(static_cast<ucs4_t>(c)); }

bool is_white_space(char32_t c) { return uc_is_property_white_space(static_cast<ucs4_t>(c)); }

std::string_view trim_unicode_space(std::string_view s) {
  const uint8_t* start = bytes(s);
  const uint8_t* end = start + s.size();
  const uint8_t* first = start;
  while (first < end) {
    ucs4_t c = 0;
    const int n = u8_mbtouc(&c, first, static_cast<std::size_t>(end - first));
    // Invalid bytes decode as U+FFFD, which is not white space, so trimming stops there.
    if (!uc_is_property_white_space(c)) break;
    first += n;
  }
  const uint8_t* last = end;
  while (last > first) {
    ucs4_t c = 0;
    const uint8_t* previous = u8_prev(&c, last, first);
    if (previous == nullptr || !uc_is_property_white_space(c)) break;
    last = previous;
  }
  return s.substr(static_cast<std::size_t>(first - start), static_cast<std::size_t>(last - first));
}

}  // namespace vestibule::security
