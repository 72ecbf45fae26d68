#include "security/hash_formats.h"

#include "security/hash_families.h"

namespace vestibule::security {
namespace {

// Longer than any accepted form (the longest, a 64-byte-salt sha-crypt or argon2 string, is
// under 250 bytes): refused before any parsing.
constexpr std::size_t kMaxStoredBytes = 512;

}  // namespace

std::optional<HashFormat> imported_format(std::string_view stored) {
  if (stored.size() > kMaxStoredBytes) return std::nullopt;
  if (families::argon2_recognises(stored)) return HashFormat::argon2;
  if (families::bcrypt_recognises(stored)) return HashFormat::bcrypt;
  if (families::scrypt_recognises(stored)) return HashFormat::scrypt;
  if (families::pbkdf2_recognises(stored)) return HashFormat::pbkdf2_sha256;
  if (families::sha_crypt_recognises(stored)) return HashFormat::sha_crypt;
  if (families::yescrypt_recognises(stored)) return HashFormat::yescrypt;
  return std::nullopt;
}

bool verify_imported(std::string_view password, std::string_view stored) {
  const std::optional<HashFormat> format = imported_format(stored);
  if (!format) return false;
  switch (*format) {
    case HashFormat::argon2:
      return families::argon2_verify(password, stored);
    case HashFormat::scrypt:
      return families::scrypt_verify(password, stored);
    case HashFormat::pbkdf2_sha256:
      return families::pbkdf2_verify(password, stored);
    case HashFormat::bcrypt:
    case HashFormat::sha_crypt:
    case HashFormat::yescrypt:
      return families::crypt_verify(password, stored);
  }
  return false;
}

}  // namespace vestibule::security
