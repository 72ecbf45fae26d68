#include "security/hash_text.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace vestibule::security::hash_text {
namespace {

bool is_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool take_literal(std::string_view& text, std::string_view literal) {
  if (!text.starts_with(literal)) return false;
  text.remove_prefix(literal.size());
  return true;
}

std::optional<std::uint64_t> take_decimal(std::string_view& text, std::uint64_t max) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || (digits > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || value > max) return std::nullopt;  // errc: more than 2^64 - 1
  text.remove_prefix(digits);
  return value;
}

std::optional<std::string_view> take_field(std::string_view& text) {
  const std::size_t dollar = text.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  const std::string_view field = text.substr(0, dollar);
  text.remove_prefix(dollar + 1);
  return field;
}

std::optional<std::vector<unsigned char>> decode_base64(std::string_view text, Base64 variant, std::size_t min_bytes,
                                                        std::size_t max_bytes) {
  // libsodium 1.0.18 (Debian 12) decodes every byte from 0x80 up as '/', so the alphabet is
  // checked here first; libsodium then refuses wrong padding and non-zero trailing bits.
  const char extra = variant == Base64::passlib_adapted ? '.' : '+';
  std::string_view body = text;
  if (variant == Base64::standard_padded) {
    const std::size_t end = body.find_last_not_of('=');
    body = body.substr(0, end == std::string_view::npos ? 0 : end + 1);
  }
  if (!std::all_of(body.begin(), body.end(), [extra](char c) { return is_alnum(c) || c == extra || c == '/'; })) {
    return std::nullopt;
  }
  std::string standard(text);
  if (variant == Base64::passlib_adapted) std::replace(standard.begin(), standard.end(), '.', '+');
  const int sodium_variant = variant == Base64::standard_padded ? sodium_base64_VARIANT_ORIGINAL
                                                                 : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  std::vector<unsigned char> bin(max_bytes);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(bin.data(), bin.size(), standard.data(), standard.size(), nullptr, &len, &end,
                        sodium_variant) != 0 ||
      end != standard.data() + standard.size() || len < min_bytes) {
    return std::nullopt;
  }
  bin.resize(len);
  return bin;
}

bool is_crypt_alphabet(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return is_alnum(c) || c == '.' || c == '/'; });
}

}  // namespace vestibule::security::hash_text
