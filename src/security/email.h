// Email address validation and normalisation, matching Python's email-validator 1.3
// (validate_email(..., check_deliverability=False), allow_smtputf8=True), the library the
// reference design used, so accounts it accepted are accepted here and vice versa.
// Pure function; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "security/rejection.h"

namespace vestibule::security {

struct Email {
  // The normalised address users see: NFC local part as typed, "@", the domain in its
  // Unicode form, lower-cased (email-validator's `email` value).
  std::string address;
  // Case-insensitive identity used for uniqueness: `address` fully lower-cased.
  std::string key;
};

// Rejection codes: "invalid_email" (syntax, with a message saying what is wrong),
// "too_long" (local part > 64 characters as typed, as email-validator 1.3 counts,
// or address > 254 octets), "special_use_domain".
boost::system::result<Email, Rejection> validate_email(std::string_view input);

}  // namespace vestibule::security
