#include "security/secret_box.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <regex>
#include <string>

namespace vestibule::security {
namespace {

using Bytes = std::vector<unsigned char>;

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

SecretBox random_box() {
  std::array<unsigned char, kSecretKeyBytes> key{};
  randombytes_buf(key.data(), key.size());
  return *SecretBox::from_key(key);
}

const Bytes kSecret = bytes("12345678901234567890");
constexpr std::string_view kOwner = "0b6f3c1e-2f43-4c1a-9d0e-5a7b8c9d0e1f";

TEST(SecretBox, KeyMustBe32Bytes) {
  const Bytes key(64, 7);
  EXPECT_FALSE(SecretBox::from_key(std::span(key).first(31)).has_value());
  EXPECT_FALSE(SecretBox::from_key(std::span(key).first(33)).has_value());
  EXPECT_FALSE(SecretBox::from_key({}).has_value());
  EXPECT_TRUE(SecretBox::from_key(std::span(key).first(32)).has_value());
}

TEST(SecretBox, OpensWhatItSealed) {
  const SecretBox box = random_box();
  for (const Bytes& plain : {kSecret, Bytes{}, Bytes(1000, 0xab)}) {
    EXPECT_EQ(box.open(box.seal(plain, kOwner), kOwner), plain) << plain.size() << " bytes";
  }
}

TEST(SecretBox, SealedTextIsV1AndBase64Url) {
  const std::string sealed = random_box().seal(kSecret, kOwner);
  // 24 bytes of nonce, 20 of secret, 16 of tag: 60 bytes, 80 characters.
  EXPECT_TRUE(std::regex_match(sealed, std::regex("v1\\.[A-Za-z0-9_-]{80}"))) << sealed;
}

TEST(SecretBox, TwoSealsOfOnePlaintextDiffer) {
  const SecretBox box = random_box();
  EXPECT_NE(box.seal(kSecret, kOwner), box.seal(kSecret, kOwner));
}

TEST(SecretBox, EveryAlteredCharacterIsRefused) {
  const SecretBox box = random_box();
  const std::string sealed = box.seal(kSecret, kOwner);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (unsigned char flip : {0x01, 0x20, 0x80}) {
      std::string altered = sealed;
      altered[i] = static_cast<char>(altered[i] ^ flip);
      EXPECT_EQ(box.open(altered, kOwner), std::nullopt) << "character " << i << " ^ " << int{flip};
    }
  }
}

TEST(SecretBox, ABytePastAsciiIsNotReadAsUnderscore) {
  // libsodium 1.0.18's base64 decoder reads any byte above 0x7f as '_'.
  const SecretBox box = random_box();
  std::string sealed;
  for (int i = 0; i < 1000 && sealed.find('_') == std::string::npos; ++i) sealed = box.seal(kSecret, kOwner);
  ASSERT_NE(sealed.find('_'), std::string::npos);
  std::string altered = sealed;
  altered[sealed.find('_')] = '\xdf';
  EXPECT_EQ(box.open(altered, kOwner), std::nullopt);
}

TEST(SecretBox, AnotherOwnersValueIsRefused) {
  const SecretBox box = random_box();
  const std::string sealed = box.seal(kSecret, kOwner);
  EXPECT_EQ(box.open(sealed, "another-account"), std::nullopt);
  EXPECT_EQ(box.open(sealed, ""), std::nullopt);
  EXPECT_EQ(box.open(sealed, std::string(kOwner) + "x"), std::nullopt);
}

TEST(SecretBox, AnotherKeysValueIsRefused) {
  const std::string sealed = random_box().seal(kSecret, kOwner);
  EXPECT_EQ(random_box().open(sealed, kOwner), std::nullopt);
}

TEST(SecretBox, OtherVersionsAndMalformedTextAreRefused) {
  const SecretBox box = random_box();
  const std::string sealed = box.seal(kSecret, kOwner);
  const std::string body = sealed.substr(3);
  for (const std::string& text :
       {std::string(), std::string("v1."), std::string("v1"), "v2." + body, "V1." + body, body, "v1." + body + "=",
        "v1." + body + "A", "v1." + body.substr(0, body.size() - 1), "v1." + body.substr(0, 50), " " + sealed,
        sealed + "\n", std::string("v1.!!!!"), std::string("garbage"), std::string("v1.") + std::string(50, 'A')}) {
    EXPECT_EQ(box.open(text, kOwner), std::nullopt) << text;
  }
}

TEST(SecretBox, DigestIsStableHexUnderOneKey) {
  const SecretBox box = random_box();
  const std::string d = box.digest("abcdefghjkmn");
  EXPECT_TRUE(std::regex_match(d, std::regex("[0-9a-f]{64}"))) << d;
  EXPECT_EQ(box.digest("abcdefghjkmn"), d);
  EXPECT_NE(box.digest("abcdefghjkmp"), d);
  // A copy shares the key.
  const SecretBox copy = box;
  EXPECT_EQ(copy.digest("abcdefghjkmn"), d);
}

TEST(SecretBox, DigestDependsOnTheKey) {
  EXPECT_NE(random_box().digest("abcdefghjkmn"), random_box().digest("abcdefghjkmn"));
}

TEST(SecretBox, DigestIsKeyedBlake2bUnderTheVestdgstSubkey) {
  // Computed independently of secret_box.cc from the description in secret_box.h.
  const Bytes key(kSecretKeyBytes, 0x42);
  std::array<unsigned char, 32> subkey{};
  crypto_kdf_derive_from_key(subkey.data(), subkey.size(), 1, "vestdgst", key.data());
  std::array<unsigned char, 32> d{};
  const std::string value = "abcdefghjkmn";
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(value.data()), value.size(),
                     subkey.data(), subkey.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), d.data(), d.size());
  EXPECT_EQ(SecretBox::from_key(key)->digest(value), hex.data());
}

}  // namespace
}  // namespace vestibule::security
