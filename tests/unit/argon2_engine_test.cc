// The libargon2 engine against the real libsodium, both ways: what one writes the other reads.
#include "security/argon2_engine.h"

#include <argon2.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "security/phc_string.h"

namespace vestibule::security {
namespace {

constexpr HashParams kSmall{.memory_kib = 1024, .iterations = 1};
constexpr HashParams kProduction{};  // m = 19456, t = 2

class Argon2Engine : public ::testing::Test {
 protected:
  // Lets libsodium pick its SIMD code, as the server does.
  static void SetUpTestSuite() { ASSERT_GE(sodium_init(), 0); }
};

std::string sodium_hash(std::string_view password, const HashParams& p, int alg = crypto_pwhash_ALG_ARGON2ID13) {
  char out[crypto_pwhash_STRBYTES];
  EXPECT_EQ(crypto_pwhash_str_alg(out, password.data(), password.size(), p.iterations,
                                  std::size_t{p.memory_kib} * 1024, alg),
            0);
  return out;
}

bool sodium_verify(std::string_view password, const std::string& phc) {
  return crypto_pwhash_str_verify(phc.c_str(), password.data(), password.size()) == 0;
}

int sodium_needs_rehash(const std::string& phc, const HashParams& p) {
  return crypto_pwhash_str_needs_rehash(phc.c_str(), p.iterations, std::size_t{p.memory_kib} * 1024);
}

std::string argon2_hash_or_fail(std::string_view password, const HashParams& p) {
  const auto phc = argon2_hash(password, p);
  EXPECT_TRUE(phc);
  return phc.value_or("");
}

TEST_F(Argon2Engine, ItsHashVerifiesWithLibsodium) {
  const std::string phc = argon2_hash_or_fail("correct horse", kSmall);
  EXPECT_TRUE(sodium_verify("correct horse", phc)) << phc;
  EXPECT_TRUE(argon2_verify("correct horse", phc)) << phc;
}

TEST_F(Argon2Engine, VerifiesLibsodiumsHash) {
  const std::string phc = sodium_hash("correct horse", kSmall);
  EXPECT_TRUE(argon2_verify("correct horse", phc)) << phc;
}

TEST_F(Argon2Engine, BothWaysWithProductionParameters) {
  EXPECT_TRUE(sodium_verify("correct horse", argon2_hash_or_fail("correct horse", kProduction)));
  EXPECT_TRUE(argon2_verify("correct horse", sodium_hash("correct horse", kProduction)));
}

TEST_F(Argon2Engine, WrongPasswordFailsWithEitherLibrary) {
  const std::string ours = argon2_hash_or_fail("correct horse", kSmall);
  const std::string theirs = sodium_hash("correct horse", kSmall);
  for (std::string_view wrong : {"correct horsf", "correct horse ", "Correct horse", ""}) {
    EXPECT_FALSE(sodium_verify(wrong, ours)) << wrong;
    EXPECT_FALSE(argon2_verify(wrong, ours)) << wrong;
    EXPECT_FALSE(argon2_verify(wrong, theirs)) << wrong;
  }
}

TEST_F(Argon2Engine, EveryByteOfThePasswordCounts) {
  const std::string password("pass\0word", 9);
  const std::string ours = argon2_hash_or_fail(password, kSmall);
  EXPECT_TRUE(sodium_verify(password, ours));
  EXPECT_FALSE(argon2_verify("pass", ours));
  EXPECT_TRUE(argon2_verify(password, sodium_hash(password, kSmall)));
  EXPECT_TRUE(argon2_verify("", sodium_hash("", kSmall)));
  EXPECT_TRUE(sodium_verify("", argon2_hash_or_fail("", kSmall)));
}

TEST_F(Argon2Engine, WritesTheSameShapeAsLibsodium) {
  const std::string ours = argon2_hash_or_fail("correct horse", kProduction);
  const std::string theirs = sodium_hash("correct horse", kProduction);
  const std::string head = "$argon2id$v=19$m=19456,t=2,p=1$";
  ASSERT_TRUE(ours.starts_with(head)) << ours;
  ASSERT_TRUE(theirs.starts_with(head)) << theirs;
  // 16-byte salt and 32-byte hash: 22 and 43 base64 characters, no padding.
  EXPECT_EQ(ours.size(), head.size() + 22 + 1 + 43) << ours;
  EXPECT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(ours.find('$', head.size()), head.size() + 22);
  EXPECT_EQ(theirs.find('$', head.size()), head.size() + 22);
  EXPECT_EQ(ours.find('=', head.size()), std::string::npos);  // no base64 padding
}

TEST_F(Argon2Engine, UsesAFreshSaltEachTime) {
  EXPECT_NE(argon2_hash_or_fail("correct horse", kSmall), argon2_hash_or_fail("correct horse", kSmall));
}

TEST_F(Argon2Engine, LibsodiumSeesTheSameParametersForRehashing) {
  const HashParams other_memory{.memory_kib = 2048, .iterations = 1};
  const HashParams other_passes{.memory_kib = 1024, .iterations = 2};
  for (const std::string& phc : {argon2_hash_or_fail("x", kSmall), sodium_hash("x", kSmall)}) {
    EXPECT_EQ(sodium_needs_rehash(phc, kSmall), 0) << phc;
    EXPECT_EQ(sodium_needs_rehash(phc, other_memory), 1) << phc;
    EXPECT_EQ(sodium_needs_rehash(phc, other_passes), 1) << phc;
  }
}

TEST_F(Argon2Engine, VerifiesSeveralLanesAsLibsodiumDoes) {
  // libsodium only writes p=1, but reads any p; so does this engine.
  char phc[128];
  const std::vector<unsigned char> salt(16, 7);
  ASSERT_EQ(argon2id_hash_encoded(1, 1024, 4, "correct horse", 13, salt.data(), salt.size(), 32, phc, sizeof phc),
            ARGON2_OK);
  ASSERT_TRUE(std::string_view(phc).starts_with("$argon2id$v=19$m=1024,t=1,p=4$")) << phc;
  EXPECT_TRUE(sodium_verify("correct horse", phc));
  EXPECT_TRUE(argon2_verify("correct horse", phc));
  EXPECT_FALSE(argon2_verify("wrong horse", phc));
}

TEST_F(Argon2Engine, ReusesAndRegrowsItsBufferAcrossSizes) {
  // Smaller after larger reuses the buffer; larger grows it; past 64 MiB a one-off allocation.
  for (std::uint32_t kib : {1024u, 4096u, 1024u, 8u, 19456u, 70000u, 2048u}) {
    const HashParams p{.memory_kib = kib, .iterations = 1};
    const std::string ours = argon2_hash_or_fail("correct horse", p);
    EXPECT_TRUE(sodium_verify("correct horse", ours)) << ours;
    EXPECT_TRUE(argon2_verify("correct horse", ours)) << ours;
    EXPECT_FALSE(argon2_verify("wrong horse", ours)) << ours;
  }
}

TEST_F(Argon2Engine, ThreadsHashConcurrently) {
  std::vector<std::string> hashes(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    threads.emplace_back([&hashes, i] {
      for (int round = 0; round < 3; ++round) {
        hashes[i] = argon2_hash("password " + std::to_string(i), kSmall).value_or("");
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    EXPECT_TRUE(sodium_verify("password " + std::to_string(i), hashes[i])) << hashes[i];
  }
}

TEST_F(Argon2Engine, RefusesArgon2iThatLibsodiumAccepts) {
  // Documented difference: the engine reads argon2id only (all this service ever wrote).
  const std::string argon2i = sodium_hash("correct horse", {.memory_kib = 1024, .iterations = 3},
                                          crypto_pwhash_ALG_ARGON2I13);
  ASSERT_TRUE(sodium_verify("correct horse", argon2i));
  EXPECT_FALSE(argon2_verify("correct horse", argon2i));
}

// Each string differs from a valid hash of the right password only by its defect, so an engine
// that read past the defect would answer "match". (Costs stay small: libsodium would try to
// compute absurd ones.)
std::vector<std::string> malformed_variants_of(const std::string& phc) {
  const std::size_t params = phc.find("m=");
  const std::size_t salt = phc.find('$', params) + 1;
  std::vector<std::string> out = {
      "",
      phc + "$",
      phc + "$AAAA",
      phc + "=",
      phc + "\n",
      " " + phc,
      "$argon2i" + phc.substr(9),
      "$argon2d" + phc.substr(9),
      "$argon2id$v=16" + phc.substr(14),
      phc.substr(0, params) + "m=01024" + phc.substr(params + 6),
      phc.substr(0, params) + "m=1024,t=1,p=0" + phc.substr(salt - 1),
      phc.substr(0, params) + "m=1024,t=1,p=1,x=1" + phc.substr(salt - 1),
      phc.substr(0, salt) + "*" + phc.substr(salt + 1),
      phc.substr(0, salt) + phc.substr(salt + 1),  // salt one character short: dangling bits
  };
  for (std::size_t n = 0; n < phc.size(); ++n) out.push_back(phc.substr(0, n));
  return out;
}

TEST_F(Argon2Engine, MalformedStringsAreNoMatch) {
  for (const std::string& valid :
       {argon2_hash_or_fail("correct horse", kSmall), sodium_hash("correct horse", kSmall)}) {
    ASSERT_TRUE(argon2_verify("correct horse", valid)) << valid;
    for (const std::string& bad : malformed_variants_of(valid)) {
      EXPECT_FALSE(argon2_verify("correct horse", bad)) << bad;
      EXPECT_FALSE(sodium_verify("correct horse", bad)) << bad;
    }
  }
}

TEST_F(Argon2Engine, AbsurdCostsAreRefusedBeforeAnyWork) {
  // Would take terabytes or hours if computed; the parser refuses them at once.
  const std::string tail = "$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  EXPECT_FALSE(argon2_verify("x", "$argon2id$v=19$m=4294967295,t=1,p=1" + tail));
  EXPECT_FALSE(argon2_verify("x", "$argon2id$v=19$m=4194304,t=4294967295,p=1" + tail));
  EXPECT_FALSE(argon2_verify("x", "$argon2id$v=19$m=16777216,t=1,p=16777215" + tail));
}

}  // namespace
}  // namespace vestibule::security
