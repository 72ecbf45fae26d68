#include "security/phc_string.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>

#include "security/hash_params.h"

namespace vestibule::security {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
constexpr std::string_view kPrefix = "$argon2id$v=19$";

std::string to_base64(const std::vector<unsigned char>& bin) {
  std::string out(sodium_base64_encoded_len(bin.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bin.data(), bin.size(), kVariant);
  out.pop_back();  // the terminating NUL sodium_base64_encoded_len counts
  return out;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// Decodes all of `b64` into between min_bytes and max_bytes bytes. libsodium refuses padding and
// non-zero trailing bits, so only the canonical form passes; but libsodium 1.0.18 as Debian 12
// ships it decodes every byte from 0x80 up as '/' (see the test of that), hence the alphabet
// check first.
std::optional<std::vector<unsigned char>> from_base64(std::string_view b64, std::size_t min_bytes,
                                                      std::size_t max_bytes) {
  if (!std::all_of(b64.begin(), b64.end(), is_base64_char)) return std::nullopt;
  std::vector<unsigned char> bin(max_bytes);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(bin.data(), bin.size(), b64.data(), b64.size(), nullptr, &len, &end, kVariant) != 0 ||
      end != b64.data() + b64.size() || len < min_bytes) {
    return std::nullopt;
  }
  bin.resize(len);
  return bin;
}

// Consumes `key` followed by a canonical decimal from the front of `text`.
std::optional<std::uint32_t> take_number(std::string_view& text, std::string_view key) {
  if (!text.starts_with(key)) return std::nullopt;
  text.remove_prefix(key.size());
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || (digits > 1 && text[0] == '0')) return std::nullopt;
  std::uint32_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc()) return std::nullopt;  // more than 2^32 - 1
  text.remove_prefix(digits);
  return value;
}

// Consumes the next '$'-terminated field (or the rest, when `last`).
std::optional<std::string_view> take_field(std::string_view& text, bool last) {
  const std::size_t dollar = text.find('$');
  if (last) {
    if (dollar != std::string_view::npos) return std::nullopt;
    const std::string_view field = text;
    text = {};
    return field;
  }
  if (dollar == std::string_view::npos) return std::nullopt;
  const std::string_view field = text.substr(0, dollar);
  text.remove_prefix(dollar + 1);
  return field;
}

}  // namespace

std::string format_phc(const Argon2idPhc& phc) {
  return std::string(kPrefix) + "m=" + std::to_string(phc.memory_kib) + ",t=" + std::to_string(phc.iterations) +
         ",p=" + std::to_string(phc.lanes) + "$" + to_base64(phc.salt) + "$" + to_base64(phc.hash);
}

std::optional<Argon2idPhc> parse_phc(std::string_view text) {
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  auto params = take_field(text, false);
  auto salt_b64 = params ? take_field(text, false) : std::nullopt;
  auto hash_b64 = salt_b64 ? take_field(text, true) : std::nullopt;
  if (!hash_b64) return std::nullopt;

  const auto m = take_number(*params, "m=");
  const auto t = m ? take_number(*params, ",t=") : std::nullopt;
  const auto p = t ? take_number(*params, ",p=") : std::nullopt;
  if (!p || !params->empty()) return std::nullopt;
  // argon2 needs 8 blocks (KiB) a lane.
  if (*p < 1 || *p > kMaxLanes || *m < kMinMemoryKib || *m < 8 * *p || *m > kMaxMemoryKib || *t < 1 ||
      *t > kMaxIterations) {
    return std::nullopt;
  }

  auto salt = from_base64(*salt_b64, kMinSaltBytes, kMaxSaltBytes);
  auto hash = salt ? from_base64(*hash_b64, kMinHashBytes, kMaxHashBytes) : std::nullopt;
  if (!hash) return std::nullopt;
  return Argon2idPhc{
      .memory_kib = *m, .iterations = *t, .lanes = *p, .salt = std::move(*salt), .hash = std::move(*hash)};
}

}  // namespace vestibule::security
