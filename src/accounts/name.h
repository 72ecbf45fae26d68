// The display-name rule: required, trimmed, 1-128 Unicode characters after NFC, valid UTF-8,
// no control characters (they break logs, terminals and e-mail headers). Pure; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "security/rejection.h"

namespace vestibule::accounts {

inline constexpr std::size_t kMaxNameChars = 128;

// The trimmed NFC name, or a Rejection: "required", "too_long" or "invalid_characters".
boost::system::result<std::string, security::Rejection> check_name(std::string_view name);

}  // namespace vestibule::accounts
