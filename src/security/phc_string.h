// The PHC string of an argon2id hash, exactly as libsodium writes it:
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
// with salt and hash in standard base64 without padding. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::security {

struct Argon2idPhc {
  std::uint32_t memory_kib = 0;
  std::uint32_t iterations = 0;
  std::uint32_t lanes = 1;
  std::vector<unsigned char> salt;
  std::vector<unsigned char> hash;
};

// What the parser accepts besides the cost bounds of hash_params.h. libsodium writes 16-byte
// salts and 32-byte hashes with one lane; its own minimums are 8 and 16 bytes. The maximums
// only keep a hostile string small: argon2 has no use for more.
inline constexpr std::size_t kMinSaltBytes = 8;
inline constexpr std::size_t kMaxSaltBytes = 64;
inline constexpr std::size_t kMinHashBytes = 16;
inline constexpr std::size_t kMaxHashBytes = 64;
inline constexpr std::uint32_t kMaxLanes = 16;

std::string format_phc(const Argon2idPhc& phc);

// The fields of `text`, or std::nullopt unless it is exactly the form above: argon2id only (not
// argon2i or argon2d), version 19 only, m, t and p in that order as canonical decimals (no sign,
// no leading zero) within the bounds, salt and hash canonical base64 of allowed lengths, nothing
// before or after. A stored string is not trusted: it decides how much memory a verification
// takes.
std::optional<Argon2idPhc> parse_phc(std::string_view text);

}  // namespace vestibule::security
