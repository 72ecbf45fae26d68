#include "security/phc_string.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::security {
namespace {

using namespace std::string_literals;

// Salt 0x00..0x0f and hash 0x00..0x1f, written by hand in libsodium's layout.
constexpr std::string_view kSaltAndHash = "$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
constexpr std::string_view kValid =
    "$argon2id$v=19$m=19456,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

std::vector<unsigned char> counting(std::size_t n) {
  std::vector<unsigned char> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>(i);
  return v;
}

// kValid with its parameter field replaced.
std::string with_params(std::string_view params) {
  return "$argon2id$v=19$"s + std::string(params) + std::string(kSaltAndHash);
}

TEST(FormatPhc, WritesLibsodiumsLayout) {
  const Argon2idPhc phc{.memory_kib = 19456, .iterations = 2, .lanes = 1, .salt = counting(16), .hash = counting(32)};
  EXPECT_EQ(format_phc(phc), kValid);
}

TEST(ParsePhc, ReadsEveryField) {
  const auto phc = parse_phc(kValid);
  ASSERT_TRUE(phc);
  EXPECT_EQ(phc->memory_kib, 19456u);
  EXPECT_EQ(phc->iterations, 2u);
  EXPECT_EQ(phc->lanes, 1u);
  EXPECT_EQ(phc->salt, counting(16));
  EXPECT_EQ(phc->hash, counting(32));
}

TEST(ParsePhc, AcceptsCostsUpToTheBounds) {
  EXPECT_TRUE(parse_phc(with_params("m=8,t=1,p=1")));
  EXPECT_TRUE(parse_phc(with_params("m=262144,t=16,p=1")));  // 256 MiB, 16 passes
  EXPECT_TRUE(parse_phc(with_params("m=128,t=1,p=16")));
}

TEST(ParsePhc, RefusesEveryProperPrefix) {
  // Cutting inside the parameters or the salt leaves no valid string; cutting the hash may (a
  // shorter hash is well-formed), which verification then rejects: see Argon2Verify tests.
  const std::size_t hash_start = kValid.rfind('$') + 1;
  for (std::size_t n = 0; n < hash_start; ++n) {
    EXPECT_FALSE(parse_phc(kValid.substr(0, n))) << kValid.substr(0, n);
  }
}

TEST(ParsePhc, RefusesOtherAlgorithmsAndVersions) {
  std::string s(kValid);
  for (const char* prefix : {"$argon2i$", "$argon2d$", "$argon2$", "$Argon2id$", "$argon2ID$", "$scrypt$"}) {
    EXPECT_FALSE(parse_phc(prefix + s.substr(std::string_view("$argon2id$").size()))) << prefix;
  }
  const std::string rest = "m=19456,t=2,p=1" + std::string(kSaltAndHash);
  EXPECT_FALSE(parse_phc("$argon2id$v=16$" + rest));
  EXPECT_FALSE(parse_phc("$argon2id$v=190$" + rest));
  EXPECT_FALSE(parse_phc("$argon2id$v=019$" + rest));
  // Version 1.0 strings carry no v= field.
  EXPECT_FALSE(parse_phc("$argon2id$" + rest));
  EXPECT_TRUE(parse_phc("$argon2id$v=19$" + rest));
}

TEST(ParsePhc, RefusesCostsOutsideTheBounds) {
  for (const char* params : {"m=262145,t=2,p=1", "m=4194304,t=2,p=1", "m=4294967295,t=2,p=1", "m=4294967296,t=2,p=1",
                             "m=99999999999999999999,t=2,p=1", "m=7,t=2,p=1", "m=0,t=2,p=1", "m=19456,t=0,p=1",
                             "m=19456,t=17,p=1", "m=19456,t=64,p=1", "m=19456,t=4294967295,p=1", "m=19456,t=2,p=0", "m=19456,t=2,p=17",
                             "m=15,t=2,p=2"}) {
    EXPECT_FALSE(parse_phc(with_params(params))) << params;
  }
}

TEST(ParsePhc, RefusesNonCanonicalOrMisorderedParameters) {
  for (const char* params :
       {"m=019456,t=2,p=1", "m=19456,t=02,p=1", "m=19456,t=2,p=01", "m=+19456,t=2,p=1", "m=-1,t=2,p=1",
        "m= 19456,t=2,p=1", "m=19456 ,t=2,p=1", "t=2,m=19456,p=1", "m=19456,p=1,t=2", "m=19456,t=2",
        "m=19456,t=2,p=1,", "m=19456,t=2,p=1,x=1", "m=19456,t=2,p=1,data=AAAA", "M=19456,t=2,p=1",
        "m=19456;t=2;p=1", "m=0x4c00,t=2,p=1", "m=19456,,t=2,p=1", "", "m=,t=,p="}) {
    EXPECT_FALSE(parse_phc(with_params(params))) << params;
  }
}

TEST(ParsePhc, RefusesMalformedSaltOrHash) {
  const std::string head = "$argon2id$v=19$m=19456,t=2,p=1$";
  const std::string salt = "AAECAwQFBgcICQoLDA0ODw";
  const std::string hash = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  for (const std::string& bad : {
           head + salt + "$" + hash + "=",           // padding
           head + salt + "==$" + hash,               // padding
           head + salt + "$" + hash + "\n",          // trailing newline
           " " + head + salt + "$" + hash,           // leading space
           head + salt + "$" + hash + "$",           // empty extra field
           head + salt + "$" + hash + "$AAAA",       // extra field
           head + salt + "$$" + hash,                // empty field
           head + salt,                              // no hash
           head + salt + "$",                        // empty hash
           head + "$" + hash,                        // empty salt
           head + "AAECAwQFBgcI*QoLDA0ODw$" + hash,  // not base64
           head + salt + "$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8",  // URL-safe alphabet
           head + salt + "$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",  // non-zero trailing bits
           head + salt + "$" + hash + "AA",          // 6 bits left over
           head + "AAECAwQF$" + hash,                 // 6-byte salt, below 8
           head + salt + "$AAECAwQFBgcICQoL",        // 12-byte hash, below 16
           head + std::string(88, 'A') + "$" + hash,  // 66-byte salt, above 64
           head + salt + "$" + std::string(88, 'A'),  // 66-byte hash, above 64
           head + salt + "$" + hash + std::string(1, '\0'),  // embedded NUL
       }) {
    EXPECT_FALSE(parse_phc(bad)) << bad;
  }
}

TEST(ParsePhc, AcceptsOnlyWhatFormatPhcWouldWrite) {
  // Random edits of a valid string: whatever still parses must be canonical, i.e. written back
  // byte for byte, so no two spellings of one hash (or junk around one) get through.
  constexpr char kAlphabet[] = "$=,.0123456789mtpvAZaz+/-_\n\0\xff argon2id";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);  // with the NUL inside
  std::mt19937 rng(20240611);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s(kValid);
    for (unsigned edits = 1 + rng() % 4; edits > 0; --edits) {
      const std::size_t pos = s.empty() ? 0 : rng() % s.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: if (!s.empty()) s[pos] = c; break;
        case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
        default: if (!s.empty()) s.erase(pos, 1 + rng() % 3); break;
      }
    }
    if (const auto phc = parse_phc(s)) {
      ++accepted;
      ASSERT_EQ(format_phc(*phc), s);
    }
  }
  EXPECT_GT(accepted, 0);  // the check above did run
}

TEST(ParsePhc, RefusesHighBytesThatLibsodiumDecodesAsSlash) {
  // libsodium 1.0.18's base64 decoder reads every byte from 0x80 up as '/'.
  const std::string with_slash =
      "$argon2id$v=19$m=19456,t=2,p=1$AAECAwQFBgcICQoLDA/ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  ASSERT_TRUE(parse_phc(with_slash)) << with_slash;
  for (int byte = 0x80; byte <= 0xff; ++byte) {
    std::string s = with_slash;
    s[s.find('/')] = static_cast<char>(byte);
    EXPECT_FALSE(parse_phc(s)) << byte;
  }
}

TEST(ParsePhc, RefusesOtherFormats) {
  EXPECT_FALSE(parse_phc(""));
  EXPECT_FALSE(parse_phc("$"));
  EXPECT_FALSE(parse_phc("not a hash"));
  EXPECT_FALSE(parse_phc("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
  EXPECT_FALSE(parse_phc(std::string(100000, '$')));
}

}  // namespace
}  // namespace vestibule::security
