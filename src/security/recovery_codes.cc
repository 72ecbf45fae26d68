#include "security/recovery_codes.h"

#include <sodium.h>

#include <cstdint>

namespace vestibule::security {
namespace {

// Crockford's base32 letters, lower-case: no i, l, o or u, which are read as 1, 1, 0 and v.
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
static_assert(kAlphabet.size() == 32);
constexpr std::size_t kLetters = 12;  // 60 bits
constexpr std::size_t kGroup = 4;     // shown as xxxx-xxxx-xxxx

}  // namespace

std::vector<std::string> new_recovery_codes() {
  std::vector<std::string> codes;
  codes.reserve(kRecoveryCodeCount);
  while (codes.size() < kRecoveryCodeCount) {
    std::string code;
    code.reserve(kLetters + kLetters / kGroup - 1);
    for (std::size_t i = 0; i < kLetters; ++i) {
      if (i > 0 && i % kGroup == 0) code.push_back('-');
      code.push_back(kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))]);
    }
    // Two equal codes in 2^60 are not expected, but a repeat would be one code counted twice.
    bool repeated = false;
    for (const std::string& other : codes) repeated = repeated || other == code;
    if (!repeated) codes.push_back(std::move(code));
  }
  return codes;
}

std::optional<std::string> normalise_recovery_code(std::string_view typed) {
  std::string code;
  code.reserve(kLetters);
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    code.push_back(c);
    if (code.size() > kLetters) return std::nullopt;
  }
  if (code.size() != kLetters) return std::nullopt;
  return code;
}

}  // namespace vestibule::security
