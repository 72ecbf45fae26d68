// Imported scrypt and PBKDF2-SHA256 hashes (hash_formats.h), computed by OpenSSL.
#include <openssl/evp.h>
#include <sodium.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <vector>

#include "security/hash_families.h"
#include "security/hash_text.h"

namespace vestibule::security::families {
namespace {

using namespace hash_text;

constexpr std::uint64_t kMaxScryptLog2N = 20;
constexpr std::uint64_t kMaxScryptBytes = std::uint64_t{256} << 20;      // V: 128 r N
constexpr std::uint64_t kMaxScryptBlockBytes = std::uint64_t{16} << 20;  // B: 128 r p
constexpr std::uint64_t kMaxScryptWork = std::uint64_t{1} << 22;     // N r p: about 2.1 s here
constexpr std::uint64_t kMaxPbkdf2Iterations = 10'000'000;           // about 2.9 s here
constexpr std::size_t kMinSalt = 1, kMaxSalt = 64;
constexpr std::size_t kScryptHashBytes = 32;
constexpr std::size_t kPbkdf2HashBytes = 32;  // SHA-256's size: both forms write exactly that
constexpr std::size_t kMaxDjangoSalt = 64;

struct Scrypt {
  std::uint64_t n = 0, r = 0, p = 0;
  std::vector<unsigned char> salt, hash;
  // The bytes OpenSSL allocates for it (its B and V arrays), which it checks against maxmem.
  std::uint64_t memory() const { return 128 * r * (n + p + 2); }
};

std::optional<Scrypt> parse_scrypt(std::string_view text) {
  if (!take_literal(text, "$scrypt$ln=")) return std::nullopt;
  const auto ln = take_decimal(text, kMaxScryptLog2N);
  const auto r = ln && take_literal(text, ",r=") ? take_decimal(text, kMaxScryptWork) : std::nullopt;
  const auto p = r && take_literal(text, ",p=") ? take_decimal(text, kMaxScryptWork) : std::nullopt;
  if (!p || !take_literal(text, "$") || *ln < 1 || *r < 1 || *p < 1) return std::nullopt;
  const std::uint64_t n = std::uint64_t{1} << *ln;
  // Each factor is at most 2^22 and N at most 2^20, so the memory bounds, tested first, keep
  // r * N within 2^21 and r * p within 2^17 before the work product is formed: nothing wraps.
  // OpenSSL also wants N < 2^(16 r).
  if (128 * *r * n > kMaxScryptBytes || 128 * *r * *p > kMaxScryptBlockBytes || n * *r * *p > kMaxScryptWork ||
      *ln >= 16 * *r) {
    return std::nullopt;
  }
  const auto salt = take_field(text);
  if (!salt || text.find('$') != std::string_view::npos) return std::nullopt;
  auto salt_bytes = decode_base64(*salt, Base64::standard_unpadded, kMinSalt, kMaxSalt);
  // Exactly passlib's 32 bytes: scrypt's output for a shorter length is a prefix of the longer
  // one, so a hash cut short would still verify (a truncated, weaker hash, taken for the real one).
  auto hash_bytes = salt_bytes ? decode_base64(text, Base64::standard_unpadded, kScryptHashBytes, kScryptHashBytes)
                               : std::nullopt;
  if (!hash_bytes) return std::nullopt;
  return Scrypt{.n = n, .r = *r, .p = *p, .salt = std::move(*salt_bytes), .hash = std::move(*hash_bytes)};
}

struct Pbkdf2 {
  std::uint64_t iterations = 0;
  std::vector<unsigned char> salt, hash;
};

// Django's salt is text (22 random letters and digits today), used as its bytes.
bool is_django_salt(std::string_view salt) {
  if (salt.empty() || salt.size() > kMaxDjangoSalt) return false;
  for (const char c : salt) {
    if (c < 0x21 || c > 0x7e) return false;  // printable ASCII; '$' cannot occur (the separator)
  }
  return true;
}

std::optional<Pbkdf2> parse_pbkdf2(std::string_view text) {
  const bool django = take_literal(text, "pbkdf2_sha256$");
  if (!django && !take_literal(text, "$pbkdf2-sha256$")) return std::nullopt;
  const auto iterations = take_decimal(text, kMaxPbkdf2Iterations);
  if (!iterations || *iterations < 1 || !take_literal(text, "$")) return std::nullopt;
  const auto salt = take_field(text);
  if (!salt || text.find('$') != std::string_view::npos) return std::nullopt;
  Pbkdf2 out;
  out.iterations = *iterations;
  if (django) {
    if (!is_django_salt(*salt)) return std::nullopt;
    out.salt.assign(salt->begin(), salt->end());
  } else {
    auto bytes = decode_base64(*salt, Base64::passlib_adapted, kMinSalt, kMaxSalt);
    if (!bytes) return std::nullopt;
    out.salt = std::move(*bytes);
  }
  auto hash = decode_base64(text, django ? Base64::standard_padded : Base64::passlib_adapted, kPbkdf2HashBytes,
                            kPbkdf2HashBytes);
  if (!hash) return std::nullopt;
  out.hash = std::move(*hash);
  return out;
}

// Constant time, so timing does not tell how much of a guess's hash matches the stored one.
bool same(std::vector<unsigned char>& computed, const std::vector<unsigned char>& stored) {
  const bool match = sodium_memcmp(computed.data(), stored.data(), stored.size()) == 0;
  sodium_memzero(computed.data(), computed.size());
  return match;
}

}  // namespace

bool scrypt_recognises(std::string_view stored) { return parse_scrypt(stored).has_value(); }

bool scrypt_verify(std::string_view password, std::string_view stored) {
  const std::optional<Scrypt> s = parse_scrypt(stored);
  if (!s) return false;
  std::vector<unsigned char> computed(s->hash.size());
  // maxmem: exactly what these parameters need, which the bounds above keep under 273 MiB.
  if (EVP_PBE_scrypt(password.data(), password.size(), s->salt.data(), s->salt.size(), s->n, s->r, s->p, s->memory(),
                     computed.data(), computed.size()) != 1) {
    return false;
  }
  return same(computed, s->hash);
}

bool pbkdf2_recognises(std::string_view stored) { return parse_pbkdf2(stored).has_value(); }

bool pbkdf2_verify(std::string_view password, std::string_view stored) {
  const std::optional<Pbkdf2> s = parse_pbkdf2(stored);
  if (!s || password.size() > INT_MAX) return false;
  std::vector<unsigned char> computed(kPbkdf2HashBytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), s->salt.data(),
                        static_cast<int>(s->salt.size()), static_cast<int>(s->iterations), EVP_sha256(),
                        static_cast<int>(computed.size()), computed.data()) != 1) {
    return false;
  }
  return same(computed, s->hash);
}

}  // namespace vestibule::security::families
