// Hashes to import, made at test time by Debian's passlib (python3-passlib with python3-argon2
// and python3-bcrypt) and Python's hashlib, run through support/command.h (with its deadline).
// Calls are independent (thread-safe).
#pragma once

#include <string>
#include <vector>

namespace vestibule::import::testing {

// Debian's Python (where python3-passlib and python3-argon2 live).
inline constexpr const char* kPython = "/usr/bin/python3";

// Hashes of `password`, one per scheme: "argon2id", "argon2i", "argon2d" (passlib's defaults:
// 100 MiB, t=2, p=8, as the reference design wrote them), "argon2id-light" (1 MiB, t=1, p=1:
// cheap, for tests not about the format), "bcrypt-2a", "bcrypt-2b", "bcrypt-2y" (cost 4),
// "scrypt" (ln=10), "pbkdf2_sha256" (passlib's $pbkdf2-sha256$), "django_pbkdf2_sha256"
// (hashlib.pbkdf2_hmac in Django's layout, 1000 iterations), "sha512_crypt" (5000 rounds).
// Throws std::runtime_error if Python fails.
std::vector<std::string> python_hashes(const std::vector<std::string>& schemes, const std::string& password);

// Whether /usr/bin/python3 can import passlib and argon2 (scripts/setup.sh --test).
bool passlib_available();

}  // namespace vestibule::import::testing
