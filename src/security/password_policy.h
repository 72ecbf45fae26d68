// The password rules (NIST SP 800-63B 5.1.1.2): 8 to 1024 characters, any Unicode, no
// composition rules. Passwords are compared after NFC so the same text typed on different
// systems matches. Pure function; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "security/rejection.h"

namespace vestibule::security {

inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordChars = 1024;

// The NFC form to hash, or a Rejection with code "too_short", "too_long" or "invalid_characters".
boost::system::result<std::string, Rejection> check_password(std::string_view password);

}  // namespace vestibule::security
