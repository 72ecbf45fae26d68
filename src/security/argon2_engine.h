// argon2id computed by libargon2 (the reference library) instead of libsodium, for
// HashEngine::argon2. Each thread computes into one buffer of its own that it keeps between
// calls, so memory is mapped and faulted in once per thread rather than once per hash as
// libsodium does. Reads and writes exactly libsodium's PHC strings (phc_string.h), so hashes
// made by either engine verify with the other.
//
// Thread-safe: each calling thread gets its own buffer. A buffer lives as long as its thread:
// the hashing pool's threads hold one each (threads × memory_kib, what libsodium holds at peak),
// and so does the thread that built a PasswordHasher (its dummy hash).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "security/hash_params.h"

namespace vestibule::security {

// A PHC string for `password` with a fresh random 16-byte salt and a 32-byte hash, one lane;
// std::nullopt if libargon2 failed (out of memory). `params.engine` is not looked at.
std::optional<std::string> argon2_hash(std::string_view password, const HashParams& params);

// Whether `password` matches `phc`. Anything parse_phc refuses is no match, before any memory is
// allocated: unlike libsodium, argon2i strings too (this service never wrote one) and costs past
// the bounds of hash_params.h. The hashes are compared in constant time.
bool argon2_verify(std::string_view password, std::string_view phc);

}  // namespace vestibule::security
