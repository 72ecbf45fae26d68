// Small UTF-8 helpers over libunistring, shared by the email, name and password rules.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vestibule::security {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Unicode Normalization Form C of valid UTF-8; std::nullopt for invalid input.
std::optional<std::string> to_nfc(std::string_view s);

// Full Unicode lower-casing (e.g. for case-insensitive keys); std::nullopt for invalid input.
std::optional<std::string> to_lower(std::string_view s);

// Number of code points in valid UTF-8.
std::size_t code_point_count(std::string_view s);

// True when `s` contains a code point of general category Cc (C0/C1 controls, DEL).
bool has_control_characters(std::string_view s);

// `s` without leading and trailing Unicode white space (White_Space property).
std::string_view trim_unicode_space(std::string_view s);

}  // namespace vestibule::security
