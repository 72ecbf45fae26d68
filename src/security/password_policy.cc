#include "security/password_policy.h"

#include <fstream>
#include <sstream>

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

PasswordPolicy PasswordPolicy::from_list(std::string_view text) {
  PasswordPolicy policy;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.starts_with("#!comment:")) continue;
    // Entries shorter than the minimum can never be chosen; skip them to keep the set small.
    if (std::optional<std::string> lower = to_lower(line); lower && code_point_count(*lower) >= kMinPasswordChars) {
      policy.common_.insert(std::move(*lower));
    }
  }
  return policy;
}

boost::system::result<PasswordPolicy, Rejection> PasswordPolicy::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Rejection{"unreadable", "cannot read the common-password list " + path};
  std::ostringstream text;
  text << in.rdbuf();
  return from_list(text.str());
}

boost::system::result<std::string, Rejection> PasswordPolicy::check(std::string_view password,
                                                                     const PasswordContext& context) const {
  auto nfc = check_password(password);
  if (!nfc) return nfc;
  const std::optional<std::string> lower = to_lower(*nfc);
  if (lower && common_.contains(*lower)) {
    return Rejection{"password_too_common", "This password is too common; choose another."};
  }
  // An attacker who knows who you are tries your address and your name first.
  const std::string_view email = context.email;
  const std::string_view local = email.substr(0, email.rfind('@'));
  for (std::string_view other : {email, local, context.name}) {
    if (other.empty()) continue;
    const std::optional<std::string> other_lower = to_lower(other);
    if (lower && other_lower && *lower == *other_lower) {
      return Rejection{"password_too_similar", "The password must not be your email address or name."};
    }
  }
  return nfc;
}

}  // namespace vestibule::security
