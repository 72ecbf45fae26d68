// Single-use recovery codes, the way back into an account whose authenticator is lost: ten
// codes of 12 characters from a 32-letter alphabet without look-alikes (60 bits each), shown as
// "xxxx-xxxx-xxxx". Only their keyed digests are stored (SecretBox::digest of the normalised
// code). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::security {

inline constexpr std::size_t kRecoveryCodeCount = 10;

// kRecoveryCodeCount new random codes (libsodium's randombytes), as shown to the person.
std::vector<std::string> new_recovery_codes();

// A code as typed, normalised for its digest: lower-case, without '-' and white space; or
// std::nullopt when it cannot be one of ours (wrong length or a letter outside the alphabet),
// so that a 6-digit TOTP code is never taken for a recovery code.
std::optional<std::string> normalise_recovery_code(std::string_view typed);

}  // namespace vestibule::security
