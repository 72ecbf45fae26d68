// Opaque bearer tokens: 32 bytes from libsodium's CSPRNG, base64url without padding (43
// characters). Only a digest is stored, so a leaked database yields no usable token; the token
// has 256 bits of entropy, so a fast unsalted digest (SHA-256) is enough and lookups stay
// index-based. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vestibule::security {

inline constexpr std::size_t kTokenBytes = 32;
inline constexpr std::size_t kTokenChars = 43;

struct IssuedToken {
  std::string token;   // given to the client once
  std::string digest;  // what the store keeps
};

IssuedToken issue_token();

// The stored digest of a presented token (hex SHA-256 of its bytes); std::nullopt when the text
// cannot be a token we issued, so malformed input never reaches the store.
std::optional<std::string> token_digest(std::string_view token);

// A random RFC 4122 version 4 UUID in canonical lower-case form, for account ids.
std::string new_uuid();

// `text` as a canonical lower-case UUID (8-4-4-4-12 hex digits, any version; capitals
// accepted), or std::nullopt: how ids given by callers (the admin API, imports) are read.
std::optional<std::string> canonical_uuid(std::string_view text);

}  // namespace vestibule::security
