#include "security/password_policy.h"

#include "security/unicode.h"

namespace vestibule::security {

boost::system::result<std::string, Rejection> check_password(std::string_view password) {
  std::optional<std::string> nfc = to_nfc(password);
  if (!nfc) return Rejection{"invalid_characters", "The password is not valid UTF-8."};
  const std::size_t chars = code_point_count(*nfc);
  if (chars < kMinPasswordChars) {
    return Rejection{"too_short", "The password must have at least " + std::to_string(kMinPasswordChars) + " characters."};
  }
  if (chars > kMaxPasswordChars) {
    return Rejection{"too_long", "The password must have at most " + std::to_string(kMaxPasswordChars) + " characters."};
  }
  return std::move(*nfc);
}

}  // namespace vestibule::security
