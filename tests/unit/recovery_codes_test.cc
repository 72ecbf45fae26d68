#include "security/recovery_codes.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace vestibule::security {
namespace {

const std::regex kShownCode("[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}");

TEST(NewRecoveryCodes, AreTenDistinctCodesInGroupsOfFour) {
  const std::vector<std::string> codes = new_recovery_codes();
  EXPECT_EQ(codes.size(), 10u);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  for (const std::string& code : codes) EXPECT_TRUE(std::regex_match(code, kShownCode)) << code;
}

TEST(NewRecoveryCodes, UseEveryLetterOfTheAlphabetAndNoOther) {
  std::set<char> letters;
  for (int i = 0; i < 100; ++i) {
    for (const std::string& code : new_recovery_codes()) letters.insert(code.begin(), code.end());
  }
  letters.erase('-');
  // 12,000 letters: each of the 32 missing would be a chance of 32 * (31/32)^12000, nil.
  EXPECT_EQ(std::string(letters.begin(), letters.end()), "0123456789abcdefghjkmnpqrstvwxyz");
}

TEST(NormaliseRecoveryCode, OfAShownCodeIsItWithoutDashes) {
  for (const std::string& code : new_recovery_codes()) {
    std::string plain = code;
    std::erase(plain, '-');
    EXPECT_EQ(normalise_recovery_code(code), plain);
  }
}

TEST(NormaliseRecoveryCode, IgnoresCaseDashesAndWhiteSpace) {
  EXPECT_EQ(normalise_recovery_code("ABCD-EFGH-JKMN"), "abcdefghjkmn");
  EXPECT_EQ(normalise_recovery_code(" abcd efgh\tjkmn\n"), "abcdefghjkmn");
  EXPECT_EQ(normalise_recovery_code("abcdefghjkmn"), "abcdefghjkmn");
  EXPECT_EQ(normalise_recovery_code("a-b-c-d-e-f-g-h-j-k-m-n"), "abcdefghjkmn");
}

TEST(NormaliseRecoveryCode, RefusesWrongLengthsAndOtherLetters) {
  for (const std::string& typed :
       {std::string(), std::string("abcd-efgh-jkm"), std::string("abcd-efgh-jkmnp"), std::string("abcd-efgh-jkmi"),
        std::string("abcd-efgh-jkml"), std::string("abcd-efgh-jkmo"), std::string("abcd-efgh-jkmu"),
        std::string("abcd_efgh_jkmn"), std::string("abcd-efgh-jkm\xc3\xa9"), std::string("abcd.efgh.jkmn"),
        std::string("abcd-efgh-jkm\0", 14), std::string(100, 'a')}) {
    EXPECT_EQ(normalise_recovery_code(typed), std::nullopt) << typed;
  }
}

TEST(NormaliseRecoveryCode, ASixDigitTotpCodeIsNotARecoveryCode) {
  EXPECT_EQ(normalise_recovery_code("123456"), std::nullopt);
  EXPECT_EQ(normalise_recovery_code("123 456"), std::nullopt);
}

}  // namespace
}  // namespace vestibule::security
