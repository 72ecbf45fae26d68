#include "security/password_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "support/text.h"

namespace vestibule::security {
namespace {

using namespace std::string_view_literals;

using vestibule::testing::repeat;

// The rejection code of `password`, or "" when it is accepted.
std::string code_of(std::string_view password) {
  auto checked = check_password(password);
  return checked ? std::string() : checked.error().code;
}

TEST(CheckPassword, Accepts8Characters) { EXPECT_EQ(check_password("abcdefgh").value(), "abcdefgh"); }

TEST(CheckPassword, Rejects7CharactersAsTooShort) {
  EXPECT_EQ(code_of("abcdefg"), "too_short");
  EXPECT_EQ(code_of(""), "too_short");
}

TEST(CheckPassword, CountsCodePointsNotBytes) {
  EXPECT_EQ(code_of(repeat("\u00e9", 7)), "too_short");      // 14 bytes, 7 characters
  EXPECT_EQ(code_of(repeat("\U0001f511", 7)), "too_short");  // 28 bytes, 7 characters
  EXPECT_EQ(code_of(repeat("\u00e9", 8)), "");
  EXPECT_EQ(code_of(repeat("\U0001f511", 8)), "");
}

TEST(CheckPassword, CountsCodePointsAfterNfc) {
  // 8 code points as typed, 4 once composed.
  EXPECT_EQ(code_of(repeat("e\u0301", 4)), "too_short");
  EXPECT_EQ(check_password(repeat("e\u0301", 8)).value(), repeat("\u00e9", 8));
}

TEST(CheckPassword, Accepts1024Characters) {
  EXPECT_EQ(code_of(repeat("a", 1024)), "");
  EXPECT_EQ(code_of(repeat("\u00e9", 1024)), "");  // 2048 bytes
}

TEST(CheckPassword, Rejects1025CharactersAsTooLong) {
  EXPECT_EQ(code_of(repeat("a", 1025)), "too_long");
  EXPECT_EQ(code_of(repeat("\u00e9", 1025)), "too_long");
  EXPECT_EQ(code_of(repeat("e\u0301", 1025)), "too_long");
}

TEST(CheckPassword, ReturnsNfcSoEquivalentSpellingsMatch) {
  EXPECT_EQ(check_password("pa\u0073\u0073wo\u0308rd").value(), check_password("passw\u00f6rd").value());
  EXPECT_EQ(check_password("\u212bngstr\u00f6m!").value(), "\u00c5ngstr\u00f6m!");
}

TEST(CheckPassword, AcceptsAnyUnicodeWithoutCompositionRules) {
  EXPECT_EQ(code_of("correct horse battery staple"), "");
  EXPECT_EQ(code_of("日本語のパスワード"), "");
  EXPECT_EQ(code_of("\U0001f511\U0001f511\U0001f511\U0001f511\U0001f511\U0001f511\U0001f511\U0001f511"), "");
  EXPECT_EQ(code_of("aaaaaaaa"), "");
}

TEST(CheckPassword, KeepsSpacesAsTyped) {
  EXPECT_EQ(check_password("  pass word  ").value(), "  pass word  ");
  EXPECT_EQ(check_password("        ").value(), "        ");
}

TEST(CheckPassword, RejectsInvalidUtf8) {
  EXPECT_EQ(code_of("password\xff"), "invalid_characters");
  EXPECT_EQ(code_of("password\xc0\xaf"), "invalid_characters");
}

TEST(CheckPassword, RejectionMessageNeverContainsThePassword) {
  auto checked = check_password("secret1");
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message.find("secret1"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::security

namespace vestibule::security {
namespace {

const PasswordPolicy kPolicy = PasswordPolicy::from_list("#!comment: test list\n123456\npassword1\nletmein!\r\nQwertyuiop\n");

TEST(PasswordPolicy, RejectsAListedPasswordIgnoringCase) {
  auto r = kPolicy.check("PASSWORD1", {"ann@example.com", "Ann"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "password_too_common");
  EXPECT_FALSE(kPolicy.check("qwertyuiop", {"ann@example.com", "Ann"}));
  EXPECT_FALSE(kPolicy.check("letmein!", {"ann@example.com", "Ann"}));  // CRLF line ending
}

TEST(PasswordPolicy, SkipsCommentsAndEntriesTooShortToMatter) {
  EXPECT_EQ(kPolicy.blocklist_size(), 3u);
}

TEST(PasswordPolicy, RejectsTheEmailItsLocalPartAndTheNameIgnoringCase) {
  const PasswordContext context{"annalee123@example.com", "Annette Lee"};
  for (const char* pw : {"AnnaLee123@Example.com", "annalee123", "ANNETTE LEE"}) {
    auto r = kPolicy.check(pw, context);
    ASSERT_FALSE(r) << pw;
    EXPECT_EQ(r.error().code, "password_too_similar") << pw;
  }
}

TEST(PasswordPolicy, AllowsAPasswordThatOnlyContainsTheLocalPart) {
  EXPECT_TRUE(kPolicy.check("annalee123-river", {"annalee123@example.com", "Annette Lee"}));
}

TEST(PasswordPolicy, LengthRulesComeFirst) {
  auto r = kPolicy.check("123456", {"a@example.com", "A"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "too_short");
}

TEST(PasswordPolicy, AcceptsAnUnlistedDissimilarPasswordAsNfc) {
  auto r = kPolicy.check("pa\u0073\u0073wo\u0308rd-river", {"ann@example.com", "Ann"});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "passw\u00f6rd-river");
}

TEST(PasswordPolicy, LoadReportsAnUnreadableFile) {
  auto r = PasswordPolicy::load("/nonexistent/vestibule/password.lst");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unreadable");
}

}  // namespace
}  // namespace vestibule::security
