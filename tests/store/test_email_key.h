// A stand-in for security::email_key in the store's upgrade tests (the store never depends on
// security/): ASCII lower-casing plus the folds the tests need, "ß" -> "ss" and every sigma ->
// "σ", so that addresses distinct under version 1's lower-casing collide under version 2.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace vestibule::store {

inline std::string test_email_key(std::string_view email) {
  std::string out;
  for (std::size_t i = 0; i < email.size(); ++i) {
    const std::string_view rest = email.substr(i);
    if (rest.starts_with("\u00df")) {  // ß
      out += "ss";
      ++i;
    } else if (rest.starts_with("\u03c2") || rest.starts_with("\u03a3")) {  // ς, Σ
      out += "\u03c3";
      ++i;
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(email[i])));
    }
  }
  return out;
}

}  // namespace vestibule::store
