#include "security/tokens.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace vestibule::security {
namespace {

const std::regex kBase64Url("[A-Za-z0-9_-]{43}");
const std::regex kHexSha256("[0-9a-f]{64}");
const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

TEST(IssueToken, TokenIs43Base64UrlCharacters) {
  for (int i = 0; i < 100; ++i) {
    const IssuedToken t = issue_token();
    EXPECT_EQ(t.token.size(), kTokenChars);
    EXPECT_TRUE(std::regex_match(t.token, kBase64Url)) << t.token;
  }
}

TEST(IssueToken, TokensAreDistinct) {
  std::set<std::string> tokens;
  std::set<std::string> digests;
  for (int i = 0; i < 1000; ++i) {
    const IssuedToken t = issue_token();
    tokens.insert(t.token);
    digests.insert(t.digest);
  }
  EXPECT_EQ(tokens.size(), 1000u);
  EXPECT_EQ(digests.size(), 1000u);
}

TEST(IssueToken, DigestIsHexSha256AndNotTheToken) {
  const IssuedToken t = issue_token();
  EXPECT_TRUE(std::regex_match(t.digest, kHexSha256)) << t.digest;
  EXPECT_EQ(t.digest.find(t.token), std::string::npos);
}

TEST(TokenDigest, OfAnIssuedTokenIsItsIssuedDigest) {
  for (int i = 0; i < 100; ++i) {
    const IssuedToken t = issue_token();
    EXPECT_EQ(token_digest(t.token), t.digest);
  }
}

TEST(TokenDigest, IsSha256OfTheDecodedBytes) {
  // 43 'A's decode to 32 zero bytes; SHA-256 of those is a published constant.
  EXPECT_EQ(token_digest(std::string(43, 'A')), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
}

TEST(TokenDigest, RejectsWrongLength) {
  const std::string token = issue_token().token;
  EXPECT_EQ(token_digest(""), std::nullopt);
  EXPECT_EQ(token_digest(token.substr(0, 42)), std::nullopt);
  EXPECT_EQ(token_digest(token + "A"), std::nullopt);
  EXPECT_EQ(token_digest(token + token), std::nullopt);
}

TEST(TokenDigest, RejectsCharactersOutsideBase64Url) {
  const std::string token = issue_token().token;
  for (const char bad : {'+', '/', '.', ' ', '\0', '\n', '~', '*'}) {
    std::string t = token;
    t[10] = bad;
    EXPECT_EQ(token_digest(t), std::nullopt) << "character " << static_cast<int>(bad);
  }
  std::string non_ascii = token.substr(0, 41) + "\xc3\xa9";  // "é": two bytes, 43 in all
  EXPECT_EQ(token_digest(non_ascii), std::nullopt);
}

TEST(TokenDigest, RejectsPadding) {
  const std::string token = issue_token().token;
  EXPECT_EQ(token_digest(token + "="), std::nullopt);
  EXPECT_EQ(token_digest(token.substr(0, 42) + "="), std::nullopt);
  EXPECT_EQ(token_digest(token.substr(0, 41) + "=="), std::nullopt);
}

TEST(TokenDigest, RejectsNonCanonicalFinalCharacter) {
  // The last character carries 4 data bits and 2 zero bits. Setting those bits would give a
  // second spelling of the same token; only the canonical one is accepted.
  EXPECT_TRUE(token_digest(std::string(43, 'A')));
  EXPECT_EQ(token_digest(std::string(42, 'A') + "B"), std::nullopt);
  EXPECT_EQ(token_digest(std::string(42, 'A') + "D"), std::nullopt);
  EXPECT_TRUE(token_digest(std::string(42, 'A') + "E"));
}

TEST(NewUuid, IsCanonicalLowerCaseVersion4) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_uuid();
    EXPECT_TRUE(std::regex_match(id, kUuidV4)) << id;
  }
}

TEST(NewUuid, IdsAreDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(new_uuid());
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace vestibule::security
