// Imported crypt(3) hashes (hash_formats.h): bcrypt, sha512-crypt, sha256-crypt and yescrypt,
// parsed here for their cost and computed by libxcrypt's crypt_rn.
#include <crypt.h>
#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "security/hash_families.h"
#include "security/hash_text.h"

namespace vestibule::security::families {
namespace {

using namespace hash_text;

constexpr std::uint64_t kMaxBcryptCost = 15;        // 2^15 rounds: about 1.8 s here
constexpr std::uint64_t kMinShaRounds = 1000;       // what libxcrypt clamps smaller values to
constexpr std::uint64_t kMaxShaRounds = 5'000'000;  // sha512-crypt: about 1.7 s here
constexpr std::size_t kMaxShaSalt = 16;             // what sha-crypt reads of a longer one
constexpr std::size_t kMaxYescryptSalt = 64;
constexpr unsigned kMaxYescryptLog2Bytes = 28;      // 128 r N <= 256 MiB: about 0.3 s here

// The value of one character of crypt's "./0-9A-Za-z" alphabet (hash_text::is_crypt_alphabet).
unsigned crypt_digit(char c) {
  if (c == '.') return 0;
  if (c == '/') return 1;
  if (c >= '0' && c <= '9') return 2 + static_cast<unsigned>(c - '0');
  if (c >= 'A' && c <= 'Z') return 12 + static_cast<unsigned>(c - 'A');
  return 38 + static_cast<unsigned>(c - 'a');
}

}  // namespace

bool bcrypt_recognises(std::string_view stored) {
  if (!take_literal(stored, "$2a$") && !take_literal(stored, "$2b$") && !take_literal(stored, "$2y$")) return false;
  // The cost is always two digits, 04 to 31; the rest is 22 characters of salt and 31 of hash.
  if (stored.size() != 3 + 53 || stored[0] < '0' || stored[0] > '9' || stored[1] < '0' || stored[1] > '9' ||
      stored[2] != '$') {
    return false;
  }
  const unsigned cost = static_cast<unsigned>(stored[0] - '0') * 10 + static_cast<unsigned>(stored[1] - '0');
  return cost >= 4 && cost <= kMaxBcryptCost && is_crypt_alphabet(stored.substr(3));
}

bool sha_crypt_recognises(std::string_view stored) {
  std::size_t hash_chars = 0;
  if (take_literal(stored, "$6$")) {
    hash_chars = 86;
  } else if (take_literal(stored, "$5$")) {
    hash_chars = 43;
  } else {
    return false;
  }
  if (take_literal(stored, "rounds=")) {
    const auto rounds = take_decimal(stored, kMaxShaRounds);
    if (!rounds || *rounds < kMinShaRounds || !take_literal(stored, "$")) return false;
  }
  const auto salt = take_field(stored);
  return salt && !salt->empty() && salt->size() <= kMaxShaSalt && is_crypt_alphabet(*salt) &&
         stored.size() == hash_chars && is_crypt_alphabet(stored);
}

bool yescrypt_recognises(std::string_view stored) {
  if (!take_literal(stored, "$y$")) return false;
  const auto params = take_field(stored);
  // flavour, log2 N - 1, r - 1: each one character, 0 to 47 (the one-character range of
  // libxcrypt's variable-length numbers; mkpasswd writes "j9T": flavour 47, N = 2^12, r = 32). A
  // longer field adds p, t, g or a ROM, which we do not bound.
  if (!params || params->size() != 3 || !is_crypt_alphabet(*params)) return false;
  for (const char c : *params) {
    if (crypt_digit(c) > 47) return false;
  }
  const unsigned log2_n = 1 + crypt_digit((*params)[1]);
  const unsigned r = 1 + crypt_digit((*params)[2]);
  unsigned log2_r = 0;
  while ((1u << log2_r) < r) ++log2_r;  // rounded up
  if (7 + log2_r + log2_n > kMaxYescryptLog2Bytes) return false;
  const auto salt = take_field(stored);
  return salt && !salt->empty() && salt->size() <= kMaxYescryptSalt && is_crypt_alphabet(*salt) &&
         stored.size() == 43 && is_crypt_alphabet(stored);
}

bool crypt_verify(std::string_view password, std::string_view stored) {
  if (!bcrypt_recognises(stored) && !sha_crypt_recognises(stored) && !yescrypt_recognises(stored)) return false;
  // crypt takes C strings: a password with a NUL cannot be what made the hash.
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  const std::string setting(stored);
  // crypt_rn keeps its state in `data` (32 KiB, so on the heap, not a pool thread's stack; zeroed
  // by value-initialisation, as crypt_rn wants it); it holds password-derived values afterwards,
  // hence the wipe.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
  // The whole string is recomputed (setting and hash): equal lengths, then constant time.
  const bool match = out != nullptr && std::strlen(out) == stored.size() &&
                     sodium_memcmp(out, stored.data(), stored.size()) == 0;
  sodium_memzero(data.get(), sizeof(crypt_data));
  return match;
}

}  // namespace vestibule::security::families
