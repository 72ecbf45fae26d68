#include "accounts/name.h"

#include <algorithm>

#include "security/unicode.h"

namespace vestibule::accounts {
namespace {

// Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the
// text around them: a name could show as someone else's, or flip the log line or the list it is
// shown in. (The marks U+200E, U+200F and U+061C only hint a direction, and stay allowed.)
bool is_bidi_control(char32_t c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }

// Refused anywhere in a name: bidi controls, unassigned code points (Cn, which includes the
// noncharacters; nobody can tell what they will become) and private use (Co: shows as whatever
// a font vendor chose, or nothing).
bool is_forbidden(char32_t c) {
  const std::string_view category = security::general_category(c);
  return is_bidi_control(c) || category == "Cn" || category == "Co";
}

// Draws as nothing: format characters (Cf: zero-width space and joiners, soft hyphen, tags,
// ...), other default-ignorable code points, white space, and the fillers and blank pattern that
// are letters or symbols by category but blank by design. Harmless between visible characters
// (emoji sequences need ZWJ), but a name made only of these is an empty name in disguise.
bool is_invisible(char32_t c) {
  switch (c) {
    case 0x115F:  // HANGUL CHOSEONG FILLER
    case 0x1160:  // HANGUL JUNGSEONG FILLER
    case 0x3164:  // HANGUL FILLER
    case 0xFFA0:  // HALFWIDTH HANGUL FILLER
    case 0x2800:  // BRAILLE PATTERN BLANK
      return true;
    default:
      return security::general_category(c) == "Cf" || security::is_default_ignorable(c) ||
             security::is_white_space(c);
  }
}

}  // namespace

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
  const std::u32string chars = security::code_points(trimmed);
  if (std::any_of(chars.begin(), chars.end(), is_forbidden)) {
    return Rejection{"name_forbidden_character",
                     "The name must not contain direction overrides or isolates, unassigned or private-use "
                     "characters."};
  }
  if (std::all_of(chars.begin(), chars.end(), is_invisible)) {
    return Rejection{"name_invisible", "The name must contain at least one visible character."};
  }
  return trimmed;
}

}  // namespace vestibule::accounts
