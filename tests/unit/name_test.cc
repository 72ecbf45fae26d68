#include "accounts/name.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "support/text.h"

namespace vestibule::accounts {
namespace {

using namespace std::string_view_literals;

using vestibule::testing::repeat;

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

TEST(CheckName, RejectionMessageIsForPeople) {
  auto checked = check_name(repeat("a", 129));
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("128"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::accounts
