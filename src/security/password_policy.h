// The password rules (NIST SP 800-63B 5.1.1.2): 8 to 1024 characters, any Unicode, no
// composition rules, but not a known common password and not the account's own email, email
// local part or name. Passwords are compared after NFC so the same text typed on different
// systems matches. Pure functions; PasswordPolicy is immutable after load, so thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>
#include <unordered_set>

#include "security/rejection.h"

namespace vestibule::security {

inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordChars = 1024;

// The length rules alone: the NFC form to hash, or a Rejection with code "too_short",
// "too_long" or "invalid_characters".
boost::system::result<std::string, Rejection> check_password(std::string_view password);

// What a password must not equal (compared case-insensitively).
struct PasswordContext {
  std::string_view email;  // normalised address; its local part is checked too
  std::string_view name;
};

class PasswordPolicy {
 public:
  // No blocklist: length and similarity rules only.
  PasswordPolicy() = default;
  // `common` holds known passwords, one a line (e.g. john-data's password.lst); lines starting
  // with "#!comment:" are skipped. Entries are compared case-insensitively.
  static boost::system::result<PasswordPolicy, Rejection> load(const std::string& path);
  static PasswordPolicy from_list(std::string_view text);

  // check_password, then "password_too_common" or "password_too_similar".
  boost::system::result<std::string, Rejection> check(std::string_view password, const PasswordContext& context) const;

  std::size_t blocklist_size() const { return common_.size(); }

 private:
  std::unordered_set<std::string> common_;  // lower-cased NFC
};

}  // namespace vestibule::security
