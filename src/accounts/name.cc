#include "accounts/name.h"

#include "security/unicode.h"

namespace vestibule::accounts {

boost::system::result<std::string, security::Rejection> check_name(std::string_view name) {
  using security::Rejection;
  std::optional<std::string> nfc = security::to_nfc(name);
  if (!nfc) return Rejection{"invalid_characters", "The name is not valid UTF-8."};
  const std::string trimmed(security::trim_unicode_space(*nfc));
  if (trimmed.empty()) return Rejection{"required", "The name must not be empty."};
  if (security::code_point_count(trimmed) > kMaxNameChars) {
    return Rejection{"too_long", "The name must have at most " + std::to_string(kMaxNameChars) + " characters."};
  }
  if (security::has_control_characters(trimmed)) {
    return Rejection{"invalid_characters", "The name must not contain control characters."};
  }
  return trimmed;
}

}  // namespace vestibule::accounts
