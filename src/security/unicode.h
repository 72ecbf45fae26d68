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

// The code points of `s` in order; for valid UTF-8 (an invalid sequence reads as U+FFFD).
std::u32string code_points(std::string_view s);

// The two-letter Unicode general category of `c` ("Lu", "Cf", "Cn", ...) by libunistring's
// tables (Unicode 14.0 in Debian 12's libunistring 1.0: a later addition reads as "Cn").
std::string_view general_category(char32_t c);

// Default_Ignorable_Code_Point: rendered as nothing when not supported specially (U+200B, U+00AD,
// U+3164 HANGUL FILLER, variation selectors, tag characters, ...).
bool is_default_ignorable(char32_t c);

// White_Space property.
bool is_white_space(char32_t c);

// `s` without leading and trailing Unicode white space (White_Space property).
std::string_view trim_unicode_space(std::string_view s);

}  // namespace vestibule::security
