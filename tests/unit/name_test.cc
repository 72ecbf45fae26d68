#include "accounts/name.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "support/text.h"

namespace vestibule::accounts {
namespace {

using namespace std::string_view_literals;

using vestibule::testing::repeat;

// `c` (below U+10000) as UTF-8.
std::string utf8(char32_t c) {
  std::string out;
  if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  }
  out += static_cast<char>(0x80 | (c & 0x3F));
  return out;
}

// The rejection code of `input`, or "" when it is accepted.
std::string code_of(std::string_view input) {
  auto checked = check_name(input);
  return checked ? std::string() : checked.error().code;
}

TEST(CheckName, AcceptsPlainNameUnchanged) { EXPECT_EQ(check_name("Ada Lovelace").value(), "Ada Lovelace"); }

TEST(CheckName, TrimsAsciiSpaceTabsAndNewlines) {
  EXPECT_EQ(check_name("  \t Ada Lovelace \r\n").value(), "Ada Lovelace");
}

TEST(CheckName, TrimsUnicodeSpaces) {
  // NO-BREAK SPACE, EM SPACE, IDEOGRAPHIC SPACE, NARROW NO-BREAK SPACE, LINE SEPARATOR.
  EXPECT_EQ(check_name("\u00a0\u2003\u3000Ada\u202f\u2028").value(), "Ada");
}

TEST(CheckName, KeepsInnerSpaces) {
  EXPECT_EQ(check_name(" Ada\u3000 Lovelace ").value(), "Ada\u3000 Lovelace");
}

TEST(CheckName, DoesNotTrimZeroWidthSpace) {
  // U+200B is a format character, not White_Space: it stays (and is not a control character).
  EXPECT_EQ(check_name("\u200bAda").value(), "\u200bAda");
}

TEST(CheckName, ReturnsNfc) {
  EXPECT_EQ(check_name("Zoe\u0308").value(), "Zo\u00eb");        // e + COMBINING DIAERESIS -> ë
  EXPECT_EQ(check_name("\u212bngstr\u00f6m").value(), "\u00c5ngstr\u00f6m");  // ANGSTROM SIGN -> Å
}

TEST(CheckName, Accepts128Characters) {
  EXPECT_EQ(check_name(repeat("a", 128)).value(), repeat("a", 128));
}

TEST(CheckName, Rejects129Characters) { EXPECT_EQ(code_of(repeat("a", 129)), "too_long"); }

TEST(CheckName, CountsMultiByteCharactersAsOne) {
  EXPECT_EQ(code_of(repeat("\u00e9", 128)), "");        // 256 bytes
  EXPECT_EQ(code_of(repeat("\u65e5", 128)), "");        // 384 bytes
  EXPECT_EQ(code_of(repeat("\U0001f600", 128)), "");    // 512 bytes
  EXPECT_EQ(code_of(repeat("\u00e9", 129)), "too_long");
  EXPECT_EQ(code_of(repeat("\U0001f600", 129)), "too_long");
}

TEST(CheckName, CountsCharactersAfterNfc) {
  // 256 code points as typed, 128 once each e + U+0301 composes to é.
  EXPECT_EQ(check_name(repeat("e\u0301", 128)).value(), repeat("\u00e9", 128));
  EXPECT_EQ(code_of(repeat("e\u0301", 129)), "too_long");
}

TEST(CheckName, CountsCharactersAfterTrimming) {
  EXPECT_EQ(check_name("  " + repeat("a", 128) + "\u3000").value(), repeat("a", 128));
}

TEST(CheckName, RejectsEmptyAsRequired) { EXPECT_EQ(code_of(""), "required"); }

TEST(CheckName, RejectsOnlySpacesAsRequired) {
  EXPECT_EQ(code_of("   "), "required");
  EXPECT_EQ(code_of("\t\n"), "required");
  EXPECT_EQ(code_of("\u3000\u00a0"), "required");
}

TEST(CheckName, RejectsControlCharacters) {
  EXPECT_EQ(code_of("Ada\x01Lovelace"), "invalid_characters");
  EXPECT_EQ(code_of("Ada\x1b[31m"), "invalid_characters");       // ESC: terminal escapes
  EXPECT_EQ(code_of("Ada\x7f"), "invalid_characters");           // DEL
  EXPECT_EQ(code_of("Ada\tLovelace"), "invalid_characters");     // inner tab
  EXPECT_EQ(code_of("Ada\nBcc: x@example.com"), "invalid_characters");
  EXPECT_EQ(code_of("Ada\u0085Lovelace"), "invalid_characters");  // C1 NEXT LINE
  EXPECT_EQ(code_of("Ada\0Lovelace"sv), "invalid_characters");
}

TEST(CheckName, RejectsInvalidUtf8) {
  EXPECT_EQ(code_of("Ada\xff"), "invalid_characters");
  EXPECT_EQ(code_of("\xc0\xaf"), "invalid_characters");
  EXPECT_EQ(code_of("\xed\xa0\x80"), "invalid_characters");
}

TEST(CheckName, RejectsNamesMadeOnlyOfInvisibleCharacters) {
  for (std::string_view invisible : {"\u200b"sv,              // ZERO WIDTH SPACE
                                     "\u200b\u200c\u200d"sv,  // ... NON-JOINER, JOINER
                                     "\u2060\ufeff"sv,        // WORD JOINER, ZERO WIDTH NO-BREAK SPACE
                                     "\u00ad"sv,              // SOFT HYPHEN
                                     "\u3164"sv,              // HANGUL FILLER
                                     "\u115f\u1160"sv,        // HANGUL CHOSEONG / JUNGSEONG FILLER
                                     "\uffa0"sv,              // HALFWIDTH HANGUL FILLER
                                     "\u2800"sv,              // BRAILLE PATTERN BLANK
                                     "\u200e"sv,              // LEFT-TO-RIGHT MARK
                                     "\ufe0f"sv,              // VARIATION SELECTOR-16
                                     "\U000e0041\U000e007f"sv,  // tag characters
                                     "\u200b \u3164\u00a0\u200b"sv}) {  // invisibles around inner spaces
    EXPECT_EQ(code_of(invisible), "name_invisible") << ::testing::PrintToString(std::string(invisible));
  }
}

TEST(CheckName, AcceptsInvisibleCharactersBetweenVisibleOnes) {
  // Emoji sequences need ZWJ and variation selectors; a soft hyphen or a joiner inside a word is
  // legitimate typography.
  EXPECT_EQ(code_of("\U0001f469\u200d\U0001f4bb"), "");  // WOMAN TECHNOLOGIST
  EXPECT_EQ(code_of("\u2764\ufe0f"), "");
  EXPECT_EQ(code_of("Ada\u00adLovelace"), "");
  EXPECT_EQ(code_of("\u0645\u200c\u0646"), "");  // Persian with ZWNJ
  EXPECT_EQ(code_of("\u05d3\u05e0\u05d4 \u200fDana"), "");  // RIGHT-TO-LEFT MARK: a hint, allowed
}

TEST(CheckName, RejectsBidiOverridesAndIsolatesAnywhere) {
  for (char32_t c = 0x202A; c <= 0x202E; ++c) {
    const std::string name = "Ada" + utf8(c) + "Lovelace";
    EXPECT_EQ(code_of(name), "name_forbidden_character") << std::hex << static_cast<unsigned>(c);
  }
  for (char32_t c = 0x2066; c <= 0x2069; ++c) {
    const std::string name = utf8(c) + "Ada";
    EXPECT_EQ(code_of(name), "name_forbidden_character") << std::hex << static_cast<unsigned>(c);
  }
  // The classic spoof: "Ada" RLO "gpj.exe" shows as "Adaexe.jpg".
  EXPECT_EQ(code_of("Ada\u202egpj.exe"), "name_forbidden_character");
}

TEST(CheckName, RejectsUnassignedAndPrivateUseCodePoints) {
  EXPECT_EQ(code_of("Ada\U000e0080"), "name_forbidden_character");  // unassigned (Cn)
  EXPECT_EQ(code_of("Ada\ufdd0"), "name_forbidden_character");      // noncharacter (Cn)
  EXPECT_EQ(code_of("Ada\uffff"), "name_forbidden_character");      // noncharacter (Cn)
  EXPECT_EQ(code_of("Ada\U0010fffd"), "name_forbidden_character");  // plane 16 private use (Co)
  EXPECT_EQ(code_of("\ue000"), "name_forbidden_character");          // private use (Co)
  EXPECT_EQ(code_of("Ada\uf8ff"), "name_forbidden_character");      // the Apple logo's private slot
}

TEST(CheckName, ForbiddenCharactersAreReportedBeforeInvisibility) {
  EXPECT_EQ(code_of("\u202e\u200b"), "name_forbidden_character");
}

TEST(CheckName, RejectionMessageIsForPeople) {
  auto checked = check_name(repeat("a", 129));
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("128"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::accounts
