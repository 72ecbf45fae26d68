// The display-name rule: required, trimmed, 1-128 Unicode characters after NFC, valid UTF-8,
// no control characters (they break logs, terminals and e-mail headers), no bidi overrides or
// isolates, unassigned or private-use code points (they make a name show as something it is
// not), and not only invisible characters (zero-width, format, fillers). Pure; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "security/rejection.h"

namespace vestibule::accounts {

inline constexpr std::size_t kMaxNameChars = 128;

// The trimmed NFC name, or a Rejection, checked in this order: "invalid_characters" (not UTF-8),
// "required" (empty once trimmed), "too_long", "invalid_characters" (a control character, Cc),
// "name_forbidden_character" (U+202A-U+202E, U+2066-U+2069, Cn, Co), "name_invisible" (every
// character is Cf, Default_Ignorable_Code_Point, White_Space, a Hangul filler or U+2800).
boost::system::result<std::string, security::Rejection> check_name(std::string_view name);

}  // namespace vestibule::accounts
