// What an argon2id hash costs and which library computes it: plain values, copied freely. The
// bounds are shared by the command-line flags (what this service may hash with) and the PHC
// parser (what a stored hash may ask a verification to spend).
#pragma once

#include <cstdint>

namespace vestibule::security {

// Which library computes argon2id. Both write the same PHC strings and read each other's, so the
// engine can be switched without rehashing a single account.
enum class HashEngine {
  // libsodium's crypto_pwhash: maps fresh memory for every hash; picks AVX-512/AVX2/SSSE3 code
  // at run time (after sodium_init).
  sodium,
  // libargon2, the reference library, computing into one warm buffer per thread (argon2_engine.h).
  argon2,
};

// The flags refuse costs outside these, and a stored hash asking for more is no match, with
// either engine, before anything is allocated (parse_phc): a corrupt or hostile hash (hash
// import) must not cost gigabytes or minutes. libsodium itself would run up to 4 TiB and 2^32-1
// passes. The maximum verification is thus 256 MiB x 16 passes: about 16 times the default's
// memory and 8 times its passes, about 2.3 s of one hashing thread here (the worst a single stored
// string can ask), well beyond what any login service configures (OWASP's strongest listed
// setting is 46 MiB x 1). A hash this service cannot make, it need not verify.
inline constexpr std::uint32_t kMinMemoryKib = 8;  // libsodium's crypto_pwhash_MEMLIMIT_MIN
inline constexpr std::uint32_t kMaxMemoryKib = 256u * 1024;  // 256 MiB
inline constexpr std::uint32_t kMaxIterations = 16;

struct HashParams {
  // OWASP's argon2id recommendation (m = 19 MiB, t = 2, p = 1): about 20-40 ms a hash on one
  // core here, which caps offline guessing of a stolen database without making logins slow.
  std::uint32_t memory_kib = 19456;
  std::uint32_t iterations = 2;
  // libsodium by default: on this machine (AMD EPYC, Debian 12) it is faster than Debian's
  // libargon2, which is built without SIMD (see README, "Configuration").
  HashEngine engine = HashEngine::sodium;
};

}  // namespace vestibule::security
