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
  // Case-insensitive identity used for uniqueness: email_key(address).
  std::string key;
};

// The uniqueness key of a normalised address (Email::address): its local part under Unicode
// compatibility caseless matching (full case folding, then NFKC: "STRASSE", "straße" and
// "ｓｔｒａｓｓｅ" share a key, as do "ΣΑΣ" and "σας"), "@", and the domain as normalised (UTS-46
// already case-maps it; folding it again would merge IDNA 2008's distinct "straße.de" and
// "strasse.de"). Locale-independent. Compatibility forms are folded because they look alike:
// two accounts a reader cannot tell apart would invite impersonation, while merging them only
// means a mailbox written in fullwidth letters cannot register beside its ASCII twin.
std::string email_key(std::string_view address);

// Rejection codes: "invalid_email" (syntax, with a message saying what is wrong),
// "too_long" (local part > 64 characters as typed, as email-validator 1.3 counts,
// or address > 254 octets), "special_use_domain".
boost::system::result<Email, Rejection> validate_email(std::string_view input);

}  // namespace vestibule::security
