#include "security/unicode.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace vestibule::security {
namespace {

using namespace std::string_view_literals;

TEST(IsValidUtf8, AcceptsEmptyAsciiAndMultibyteText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("bücher 日本語 😀"));
  EXPECT_TRUE(is_valid_utf8("\U0010ffff"));
  EXPECT_TRUE(is_valid_utf8("nul\0inside"sv));
}

TEST(IsValidUtf8, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong "/"
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // UTF-16 surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("ok\xfe"));
}

TEST(ToNfc, ComposesDecomposedText) {
  EXPECT_EQ(to_nfc("e\u0301"), "\u00e9");
  EXPECT_EQ(to_nfc("\u1100\u1161"), "\uac00");  // Hangul jamo
}

TEST(ToNfc, ReplacesSingletonsWithTheirCanonicalForm) {
  EXPECT_EQ(to_nfc("\u212b"), "\u00c5");  // ANGSTROM SIGN
  EXPECT_EQ(to_nfc("\u2126"), "\u03a9");  // OHM SIGN
}

TEST(ToNfc, ReordersCombiningMarks) {
  // Dot below (class 220) sorts before acute (class 230), then composes with "a".
  EXPECT_EQ(to_nfc("a\u0301\u0323"), "\u1ea1\u0301");
}

TEST(ToNfc, LeavesNormalisedTextAndCompatibilityCharactersAlone) {
  EXPECT_EQ(to_nfc("already café"), "already café");
  EXPECT_EQ(to_nfc("\ufb01"), "\ufb01");  // NFC, unlike NFKC, keeps the ligature
  EXPECT_EQ(to_nfc(""), "");
}

TEST(ToNfc, RejectsInvalidUtf8) {
  EXPECT_EQ(to_nfc("\xc3"), std::nullopt);
  EXPECT_EQ(to_nfc("a\xed\xa0\x80"), std::nullopt);
}

TEST(ToLower, LowerCasesAsciiAndNonAscii) {
  EXPECT_EQ(to_lower("User@Example.COM"), "user@example.com");
  EXPECT_EQ(to_lower("ÜSER ÅNGSTRÖM"), "üser ångström");
  EXPECT_EQ(to_lower("ПОЛЬЗОВАТЕЛЬ"), "пользователь");
  EXPECT_EQ(to_lower("\u01c5"), "\u01c6");  // title-case digraph
  EXPECT_EQ(to_lower(""), "");
}

TEST(ToLower, UsesFullMappingsWithFinalSigma) {
  EXPECT_EQ(to_lower("\u0130"), "i\u0307");  // not a single code point
  EXPECT_EQ(to_lower("ΣΊΣΥΦΟΣ"), "σίσυφος");
}

TEST(ToLower, IgnoresTheProcessLocale) {
  // A Turkish or Lithuanian locale would change these; keys must not depend on the host.
  EXPECT_EQ(to_lower("I"), "i");
  EXPECT_EQ(to_lower("STRASSE Straße"), "strasse straße");
}

TEST(ToLower, ReturnsNfc) { EXPECT_EQ(to_lower("A\u030a"), "\u00e5"); }

TEST(ToLower, RejectsInvalidUtf8) { EXPECT_EQ(to_lower("ABC\xff"), std::nullopt); }

TEST(CodePointCount, CountsCodePointsNotBytes) {
  EXPECT_EQ(code_point_count(""), 0U);
  EXPECT_EQ(code_point_count("abc"), 3U);
  EXPECT_EQ(code_point_count("\u00e9"), 1U);
  EXPECT_EQ(code_point_count("e\u0301"), 2U);
  EXPECT_EQ(code_point_count("日本語"), 3U);
  EXPECT_EQ(code_point_count("😀x"), 2U);
}

TEST(HasControlCharacters, FindsC0C1AndDelete) {
  EXPECT_TRUE(has_control_characters("a\tb"));
  EXPECT_TRUE(has_control_characters("line\n"));
  EXPECT_TRUE(has_control_characters("nul\0"sv));
  EXPECT_TRUE(has_control_characters("\x7f"));
  EXPECT_TRUE(has_control_characters("next\u0085line"));
  EXPECT_TRUE(has_control_characters("\u009f"));
}

TEST(HasControlCharacters, IgnoresOtherInvisibleCharacters) {
  EXPECT_FALSE(has_control_characters(""));
  EXPECT_FALSE(has_control_characters("plain text, café"));
  EXPECT_FALSE(has_control_characters("zero\u200bwidth"));  // Cf, not Cc
  EXPECT_FALSE(has_control_characters("line\u2028sep"));    // Zl
  EXPECT_FALSE(has_control_characters("\u00a0"));
}

TEST(TrimUnicodeSpace, RemovesAsciiAndUnicodeWhiteSpaceAtBothEnds) {
  EXPECT_EQ(trim_unicode_space("  name \t\r\n"), "name");
  EXPECT_EQ(trim_unicode_space("\u00a0\u3000name\u2003\u0085"), "name");
  EXPECT_EQ(trim_unicode_space("\u2028\u2029x\u202f"), "x");
}

TEST(TrimUnicodeSpace, KeepsInnerSpaceAndNonWhiteSpaceInvisibles) {
  EXPECT_EQ(trim_unicode_space(" Ada  Lovelace "), "Ada  Lovelace");
  // ZERO WIDTH SPACE lacks the White_Space property, so it stays (and other rules must catch it).
  EXPECT_EQ(trim_unicode_space("\u200bname\u200b"), "\u200bname\u200b");
}

TEST(TrimUnicodeSpace, ReturnsEmptyForBlankInput) {
  EXPECT_EQ(trim_unicode_space(""), "");
  EXPECT_EQ(trim_unicode_space(" \u3000\t"), "");
}

TEST(TrimUnicodeSpace, ReturnsAViewIntoTheInput) {
  const std::string text = "  word  ";
  const std::string_view trimmed = trim_unicode_space(text);
  EXPECT_EQ(trimmed.data(), text.data() + 2);
  EXPECT_EQ(trimmed.size(), 4U);
}

TEST(TrimUnicodeSpace, StopsAtInvalidBytes) {
  EXPECT_EQ(trim_unicode_space(" \xff "), "\xff");
  EXPECT_EQ(trim_unicode_space("\x80 x \xc3"), "\x80 x \xc3");
}

}  // namespace
}  // namespace vestibule::security
