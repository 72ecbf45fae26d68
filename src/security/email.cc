#include "security/email.h"

#include <idn2.h>
#include <unicase.h>
#include <uninorm.h>
#include <unictype.h>
#include <unistr.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "security/unicode.h"

// The rules and their order follow email_validator/__init__.py 1.3 (validate_email,
// validate_email_local_part, validate_email_domain_part), so the same input fails for the same
// reason here as it did in the reference design.

namespace vestibule::security {
namespace {

// RFC 5321 4.5.3.1.1. email-validator counts code points of the local part as typed, not octets;
// non-ASCII local parts are bounded in octets by the whole-address limit below instead.
constexpr std::size_t kMaxLocalPartChars = 64;
// RFC 3696 errata 1690: the longest address a mail path can carry is 254 octets.
constexpr std::size_t kMaxAddressOctets = 254;
// The limit idna.encode applies to the A-label form of the domain (no trailing dot).
constexpr std::size_t kMaxDomainOctets = 253;

// IANA special-use names that cannot have globally deliverable mail, as listed in
// email-validator 1.3. "example" is deliberately absent: RFC 6761 says not to treat it specially.
constexpr std::array<std::string_view, 6> kSpecialUseDomains = {"arpa",      "invalid", "local",
                                                                "localhost", "onion",   "test"};

// UTS #46 maps exactly these to "." (FULL STOP, IDEOGRAPHIC FULL STOP, FULLWIDTH FULL STOP,
// HALFWIDTH IDEOGRAPHIC FULL STOP), so they separate labels before any other processing.
constexpr std::array<std::string_view, 4> kLabelSeparators = {".", "\u3002", "\uff0e", "\uff61"};

Rejection invalid(std::string message) { return Rejection{"invalid_email", std::move(message)}; }
Rejection too_long(std::string message) { return Rejection{"too_long", std::move(message)}; }

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
using MallocPtr = std::unique_ptr<T, FreeDeleter>;

// RFC 5322 3.2.3 atext, the characters allowed in an unquoted local part.
bool is_atext(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A dot-atom (RFC 5322 3.2.3) whose atoms may also hold any non-ASCII code point (RFC 6531 3.3).
// The input is known-valid UTF-8, so every byte >= 0x80 belongs to such a code point.
bool is_dot_atom(std::string_view s) {
  bool previous_was_dot = true;  // so a leading dot fails
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (previous_was_dot) return false;
      previous_was_dot = true;
    } else if (c >= 0x80 || is_atext(c)) {
      previous_was_dot = false;
    } else {
      return false;
    }
  }
  return !previous_was_dot;
}

bool is_ascii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

struct LocalPart {
  std::string text;  // NFC when internationalised, otherwise exactly as typed
  bool ascii = true;
};

boost::system::result<LocalPart, Rejection> check_local_part(std::string_view local) {
  if (local.empty()) return invalid("There must be something before the @-sign.");
  if (code_point_count(local) > kMaxLocalPartChars) {
    return too_long("The email address is too long before the @-sign.");
  }
  if (!is_dot_atom(local)) {
    return invalid("The email address contains invalid characters or periods before the @-sign.");
  }
  if (is_ascii(local)) return LocalPart{std::string(local), true};

  // RFC 6532 3.1 asks for NFC; the category checks run on the normalised text, as 1.3 does.
  std::optional<std::string> nfc = to_nfc(local);
  if (!nfc) return invalid("The email address is not valid UTF-8.");
  const auto* p = reinterpret_cast<const uint8_t*>(nfc->data());
  const uint8_t* end = p + nfc->size();
  for (bool first = true; p < end; first = false) {
    ucs4_t c = 0;
    p += u8_mbtouc(&c, p, static_cast<std::size_t>(end - p));
    // Spaces, separators, controls, format characters (e.g. zero-width joiners), private-use and
    // unassigned code points would make two addresses look alike or render unpredictably.
    if (uc_is_general_category(c, UC_CATEGORY_Z) || uc_is_general_category(c, UC_CATEGORY_C)) {
      return invalid("The email address contains an invalid character before the @-sign.");
    }
    // A leading combining mark would attach to whatever text precedes the address.
    if (first && uc_is_general_category(c, UC_CATEGORY_M)) {
      return invalid("The email address starts with a combining character.");
    }
  }
  return LocalPart{std::move(*nfc), false};
}

// Splits on the UTS #46 label separators; empty labels are kept so callers can reject them.
std::vector<std::string_view> split_labels(std::string_view domain) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < domain.size()) {
    std::size_t separator_size = 0;
    for (std::string_view separator : kLabelSeparators) {
      if (domain.substr(i, separator.size()) == separator) separator_size = separator.size();
    }
    if (separator_size == 0) {
      ++i;
      continue;
    }
    labels.push_back(domain.substr(start, i - start));
    i += separator_size;
    start = i;
  }
  labels.push_back(domain.substr(start));
  return labels;
}

// RFC 952/1123 host name label: letters, digits and inner hyphens.
bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') return false;
  for (const char c : label) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A-label (ASCII) and U-label (Unicode) forms of one domain label.
struct Label {
  std::string ascii;
  std::string unicode;
};

// IDNA 2008's contextual rules for CONTEXTO code points (RFC 5892 A.3-A.9: e.g. a middle dot only
// between two "l"s, a katakana middle dot only beside Japanese script). idn2_lookup_u8 skips them,
// as UTS #46 lookup does, but idna.encode enforces them and registries never issue names that
// break them, so the U-label is also put through libidn2's registration checks, which do.
bool satisfies_registration_rules(std::string_view u_label) {
  const std::string input(u_label);
  uint8_t* raw = nullptr;
  const int rc = idn2_register_u8(reinterpret_cast<const uint8_t*>(input.c_str()), nullptr, &raw, 0);
  MallocPtr<uint8_t> output(raw);
  return rc == IDN2_OK;
}

// RFC 5893 section 2 (the Bidi rule) for one U-label, as idna.check_bidi applies it. libidn2
// 2.3.3 misses rule 3 when a non-spacing mark follows a bad final character and all of rule 4
// (no mixing of European and Arabic-Indic digits), which lets visually spoofable labels through.
bool satisfies_bidi_rule(std::string_view u_label) {
  std::vector<int> classes;
  const auto* p = reinterpret_cast<const uint8_t*>(u_label.data());
  const uint8_t* end = p + u_label.size();
  bool right_to_left_content = false;
  while (p < end) {
    ucs4_t c = 0;
    p += u8_mbtouc(&c, p, static_cast<std::size_t>(end - p));
    const int bidi = uc_bidi_class(c);
    right_to_left_content |= bidi == UC_BIDI_R || bidi == UC_BIDI_AL || bidi == UC_BIDI_AN;
    classes.push_back(bidi);
  }
  if (!right_to_left_content || classes.empty()) return true;

  const bool rtl = classes.front() == UC_BIDI_R || classes.front() == UC_BIDI_AL;
  if (!rtl && classes.front() != UC_BIDI_L) return false;  // rule 1
  bool valid_ending = false;
  int number_class = -1;
  for (const int bidi : classes) {
    if (rtl) {
      switch (bidi) {  // rule 2
        case UC_BIDI_R: case UC_BIDI_AL: case UC_BIDI_AN: case UC_BIDI_EN: case UC_BIDI_ES:
        case UC_BIDI_CS: case UC_BIDI_ET: case UC_BIDI_ON: case UC_BIDI_BN: case UC_BIDI_NSM:
          break;
        default:
          return false;
      }
      if (bidi == UC_BIDI_R || bidi == UC_BIDI_AL || bidi == UC_BIDI_EN || bidi == UC_BIDI_AN) {
        valid_ending = true;  // rule 3
      } else if (bidi != UC_BIDI_NSM) {
        valid_ending = false;
      }
      if (bidi == UC_BIDI_EN || bidi == UC_BIDI_AN) {  // rule 4
        if (number_class != -1 && number_class != bidi) return false;
        number_class = bidi;
      }
    } else {
      switch (bidi) {  // rule 5
        case UC_BIDI_L: case UC_BIDI_EN: case UC_BIDI_ES: case UC_BIDI_CS: case UC_BIDI_ET:
        case UC_BIDI_ON: case UC_BIDI_BN: case UC_BIDI_NSM:
          break;
        default:
          return false;
      }
      if (bidi == UC_BIDI_L || bidi == UC_BIDI_EN) {
        valid_ending = true;  // rule 6
      } else if (bidi != UC_BIDI_NSM) {
        valid_ending = false;
      }
    }
  }
  return valid_ending;
}

// One label by IDNA 2008 with UTS #46 non-transitional mapping (so "ß" stays "ß" rather than
// becoming "ss"), the processing email-validator 1.3 performs: idna.uts46_remap, then
// idna.encode, which checks each label in turn, so the first bad label is the one reported
// even when the domain as a whole is also too long.
// Known gap: libidn2 2.3.3's tables are Unicode 12, idna 3.3's Unicode 14, so letters added in
// Unicode 13 and 14 count as unassigned here and are rejected where email-validator accepts them.
boost::system::result<Label, Rejection> convert_label(std::string_view label) {
  const std::string input(label);  // libidn2 wants a NUL-terminated string
  uint8_t* raw_ascii = nullptr;
  const int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()), &raw_ascii, IDN2_NONTRANSITIONAL);
  MallocPtr<uint8_t> ascii_owner(raw_ascii);
  // email-validator reports an over-long label as bad syntax, not as a length problem.
  if (rc == IDN2_TOO_BIG_LABEL || rc == IDN2_TOO_BIG_DOMAIN || rc == IDN2_PUNYCODE_BIG_OUTPUT) {
    return invalid("A label in the domain name is longer than 63 characters.");
  }
  if (rc != IDN2_OK || !ascii_owner) return invalid("The domain name contains invalid characters.");
  std::string ascii(reinterpret_cast<const char*>(ascii_owner.get()));

  // UTS #46 ignores some code points (e.g. soft hyphen), which can leave a label empty.
  if (ascii.empty()) return invalid("An email address cannot have two periods in a row.");
  // Without STD3 rules libidn2 lets "_" or spaces through; mail hosts need letters, digits, hyphens.
  if (!is_ldh_label(ascii)) return invalid("The email address contains invalid characters after the @-sign.");
  if (!ascii.starts_with("xn--")) return Label{ascii, ascii};

  char* raw_unicode = nullptr;
  const int to_unicode_rc = idn2_to_unicode_8z8z(ascii.c_str(), &raw_unicode, 0);
  MallocPtr<char> unicode_owner(raw_unicode);
  if (to_unicode_rc != IDN2_OK || !unicode_owner) return invalid("The domain name is not valid IDNA.");
  std::string unicode(unicode_owner.get());
  if (!satisfies_registration_rules(unicode) || !satisfies_bidi_rule(unicode)) {
    return invalid("The domain name contains invalid characters.");
  }
  return Label{std::move(ascii), std::move(unicode)};
}

struct Domain {
  std::string ascii;    // A-labels, as the domain travels without SMTPUTF8
  std::string unicode;  // U-labels: lower-cased, NFC
};

bool is_special_use(std::string_view ascii_domain) {
  for (std::string_view special : kSpecialUseDomains) {
    if (ascii_domain == special) return true;
    if (ascii_domain.size() > special.size() && ascii_domain.ends_with(special) &&
        ascii_domain[ascii_domain.size() - special.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

boost::system::result<Domain, Rejection> check_domain(std::string_view domain) {
  if (domain.empty()) return invalid("There must be something after the @-sign.");
  // libidn2 reads C strings; an embedded NUL would silently cut the domain short.
  if (domain.find('\0') != std::string_view::npos) return invalid("The domain name contains invalid characters.");

  // Checked before IDNA, which would drop or misreport empty labels.
  const std::vector<std::string_view> labels = split_labels(domain);
  if (labels.back().empty()) return invalid("An email address cannot end with a period.");
  if (labels.front().empty()) return invalid("An email address cannot have a period immediately after the @-sign.");
  for (std::string_view label : labels) {
    if (label.empty()) return invalid("An email address cannot have two periods in a row.");
  }

  Domain out;
  for (std::string_view label : labels) {
    auto converted = convert_label(label);
    if (!converted) return converted.error();
    if (!out.ascii.empty()) {
      out.ascii += '.';
      out.unicode += '.';
    }
    out.ascii += converted->ascii;
    out.unicode += converted->unicode;
  }
  if (out.ascii.size() > kMaxDomainOctets) return too_long("The email address is too long after the @-sign.");

  // Publicly deliverable domains have at least one period, and every TLD ends with a letter.
  if (out.ascii.find('.') == std::string::npos) {
    return invalid("The domain name is not valid. It should have a period.");
  }
  if (!is_letter(out.ascii.back())) {
    return invalid("The domain name is not valid. It is not within a valid top-level domain.");
  }
  if (is_special_use(out.ascii)) {
    return Rejection{"special_use_domain",
                     "The domain name is a special-use or reserved name that cannot be used with email."};
  }
  return out;
}

boost::system::result<Email, Rejection> validate_once(std::string_view input);

}  // namespace

boost::system::result<Email, Rejection> validate_email(std::string_view input) {
  // email-validator 1.3 checks the text as typed and then normalises it (NFC), so it can return
  // an address that it would itself refuse: U+037E becomes ';', U+FB1D two code points that push
  // a local part past 64. Such an address could not be typed back at login. We also require the
  // normalised address to be valid, the one place we knowingly differ from the reference.
  auto first = validate_once(input);
  if (!first) return first;
  // The usual case: the address is already normal, and a pure function of it gives its answer twice.
  if (first->address == input) return first;
  auto again = validate_once(first->address);
  if (!again) return std::move(again).error();
  return first;
}

namespace {

boost::system::result<Email, Rejection> validate_once(std::string_view input) {
  // Anything this long is over the 254-octet limit however it normalises (NFC and IDNA shrink
  // text by far less than 4x); refusing it first keeps a 64 KiB body from costing libidn2 work.
  if (input.size() > 1024) return Rejection{"too_long", "The email address is too long."};
  if (!is_valid_utf8(input)) return invalid("The email address is not valid UTF-8.");
  const std::size_t at = input.find('@');
  if (at == std::string_view::npos || input.find('@', at + 1) != std::string_view::npos) {
    return invalid("The email address must have exactly one @-sign.");
  }

  auto local = check_local_part(input.substr(0, at));
  if (!local) return local.error();
  auto domain = check_domain(input.substr(at + 1));
  if (!domain) return domain.error();

  std::string address = local->text + "@" + domain->unicode;
  // An ASCII local part may travel without SMTPUTF8, with the domain as A-labels, so that form
  // must fit too; with SMTPUTF8 the limit applies to the UTF-8 octets.
  if (local->ascii && local->text.size() + 1 + domain->ascii.size() > kMaxAddressOctets) {
    return too_long("The email address is too long when converted to IDNA ASCII.");
  }
  if (address.size() > kMaxAddressOctets) return too_long("The email address is too long.");

  std::string key = email_key(address);
  return Email{std::move(address), std::move(key)};
}

}  // namespace

std::string email_key(std::string_view address) {
  const std::size_t at = address.rfind('@');
  const std::string_view local = address.substr(0, at == std::string_view::npos ? address.size() : at);
  const std::string_view rest = address.substr(local.size());
  if (local.empty()) return std::string(address);
  std::size_t length = 0;
  // The empty language selects the locale-independent mappings (a Turkish locale would fold "I"
  // to dotless "ı"). UNINORM_NFKC makes u8_casefold apply Unicode's compatibility caseless
  // match (D146: NFKC after folding a decomposed string, folding again where needed).
  uint8_t* folded = u8_casefold(reinterpret_cast<const uint8_t*>(local.data()), local.size(), "", UNINORM_NFKC,
                                nullptr, &length);
  if (folded == nullptr) return std::string(address);  // not valid UTF-8: validate_email refuses it earlier
  std::string key(reinterpret_cast<const char*>(folded), length);
  std::free(folded);
  key += rest;
  return key;
}

}  // namespace vestibule::security
