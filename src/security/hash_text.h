// Strict readers for the pieces password hash strings are made of: canonical decimals, '$'-separated
// fields, and the base64 spellings the formats of hash_formats.h use. Every reader refuses rather
// than repairs: a stored hash that is not written exactly one way is not trusted. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace vestibule::security::hash_text {

// Consumes `literal` from the front of `text`; false (and `text` unchanged) if it is not there.
bool take_literal(std::string_view& text, std::string_view literal);

// Consumes a canonical decimal (digits only, no sign, no leading zero) of at most `max` from the
// front of `text`; std::nullopt if there is none or it is larger.
std::optional<std::uint64_t> take_decimal(std::string_view& text, std::uint64_t max);

// Consumes the text up to the next '$' and the '$' itself; std::nullopt if there is no '$'.
std::optional<std::string_view> take_field(std::string_view& text);

enum class Base64 {
  standard_unpadded,  // RFC 4648 alphabet, no '=' (PHC strings, passlib's "b64s")
  standard_padded,    // RFC 4648 with '=' padding (Python's base64.b64encode, Django)
  passlib_adapted,    // '.' for '+', no '=' (passlib's "ab64", its $pbkdf2-sha256$ hashes)
};

// The bytes `text` encodes, if it is the canonical spelling of between min_bytes and max_bytes
// bytes in `variant` (right alphabet, right padding, no non-zero trailing bits, nothing else).
std::optional<std::vector<unsigned char>> decode_base64(std::string_view text, Base64 variant, std::size_t min_bytes,
                                                        std::size_t max_bytes);

// Whether every character of `text` is in crypt(3)'s alphabet "./0-9A-Za-z".
bool is_crypt_alphabet(std::string_view text);

}  // namespace vestibule::security::hash_text
