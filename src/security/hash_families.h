// The families of imported hash formats behind hash_formats.h, one source file each
// (argon2_import.cc, crypt_import.cc, kdf_import.cc). Internal to the security layer; each pair
// follows hash_formats.h's contract for its own formats: `*_recognises` parses only, `*_verify`
// is false for what `*_recognises` refuses. Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace vestibule::security::families {

// $argon2id$ / $argon2i$ / $argon2d$, versions 1.3 and 1.0.
bool argon2_recognises(std::string_view stored);
bool argon2_verify(std::string_view password, std::string_view stored);

// Through libxcrypt's crypt_rn.
bool bcrypt_recognises(std::string_view stored);
bool sha_crypt_recognises(std::string_view stored);
bool yescrypt_recognises(std::string_view stored);
// One of the three above, computed by crypt_rn and compared with `stored` as a whole.
bool crypt_verify(std::string_view password, std::string_view stored);

// Through OpenSSL.
bool scrypt_recognises(std::string_view stored);
bool scrypt_verify(std::string_view password, std::string_view stored);
bool pbkdf2_recognises(std::string_view stored);
bool pbkdf2_verify(std::string_view password, std::string_view stored);

}  // namespace vestibule::security::families
