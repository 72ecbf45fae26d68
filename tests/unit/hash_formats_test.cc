// The parsing and cost bounds of imported hash formats (security/hash_formats.h), on strings
// written by hand. Verification against hashes made by independent tools: imported_hashes_test.cc.
#include "security/hash_formats.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "security/password_hasher.h"

namespace vestibule::security {
namespace {

using namespace std::string_literals;

// 16 and 32 bytes, standard base64 unpadded.
const std::string kSalt16 = "AAECAwQFBgcICQoLDA0ODw";
const std::string kHash32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const std::string kHash16 = "AAECAwQFBgcICQoLDA0ODw";
const std::string kBcryptTail = "5BLEoVPrsTsBOTo.giLVX.N3akVFaX3vH3cbGH1UnjQGkZwvP5STS";  // 53 characters
const std::string kSha512Tail =
    "R/KDh/SkfTRu3ErCk90vvUE5/fQFiETJFWy7mw4HLrq4a.aI8rtwAYQDiDo3HSoYl8tiQQNrP1MmHZ6wPMmGN.";  // 86
const std::string kSha256Tail = "76.5K36eoUdaI/79BSHF3OBnwcCNzo77JGMdS1GXWv8";  // 43
const std::string kYescryptTail = "$YUfLHgXSXMj5cPvK6nBQs1$0RBkVxUZv7zlw/SIYk3MFGW8iaj6qhMK7fmq580Phs4";

std::string argon2(std::string_view head) { return std::string(head) + "$" + kSalt16 + "$" + kHash16; }
std::string scrypt(std::string_view params) { return "$scrypt$" + std::string(params) + "$" + kSalt16 + "$" + kHash32; }

TEST(ImportedFormat, NamesEachFamily) {
  EXPECT_EQ(imported_format(argon2("$argon2id$v=19$m=102400,t=2,p=8")), HashFormat::argon2);
  EXPECT_EQ(imported_format("$2b$12$" + kBcryptTail), HashFormat::bcrypt);
  EXPECT_EQ(imported_format(scrypt("ln=16,r=8,p=1")), HashFormat::scrypt);
  EXPECT_EQ(imported_format("pbkdf2_sha256$600000$abcdefghijkl$" + kHash32 + "="), HashFormat::pbkdf2_sha256);
  EXPECT_EQ(imported_format("$pbkdf2-sha256$29000$v9eakzKmlLJW6t3b.x/jnA$ODu21C57Wz0L/D04ua0Ly04eZro/kw64Ru3sT76IBsM"),
            HashFormat::pbkdf2_sha256);
  EXPECT_EQ(imported_format("$6$J47XLY8NIk6u3R3P$" + kSha512Tail), HashFormat::sha_crypt);
  EXPECT_EQ(imported_format("$5$rounds=10000$tNzKJuqEsckVUWq3$" + kSha256Tail), HashFormat::sha_crypt);
  EXPECT_EQ(imported_format("$y$j9T" + kYescryptTail), HashFormat::yescrypt);
}

TEST(ImportedFormat, ReadsEveryArgon2TypeAndVersion) {
  for (const char* head : {"$argon2id$v=19$m=65536,t=3,p=4", "$argon2i$v=19$m=65536,t=3,p=4",
                           "$argon2d$v=19$m=65536,t=3,p=4", "$argon2i$v=16$m=4096,t=3,p=1", "$argon2i$m=4096,t=3,p=1"}) {
    EXPECT_EQ(imported_format(argon2(head)), HashFormat::argon2) << head;
  }
}

TEST(ImportedFormat, AdmitsArgon2UpToItsBoundsAndNotBeyond) {
  EXPECT_TRUE(imported_format(argon2("$argon2id$v=19$m=102400,t=2,p=8")));  // passlib's default
  EXPECT_TRUE(imported_format(argon2("$argon2i$v=19$m=262144,t=16,p=64")));
  EXPECT_TRUE(imported_format(argon2("$argon2d$v=19$m=512,t=1,p=64")));
  for (const char* head : {"$argon2i$v=19$m=262145,t=1,p=1", "$argon2i$v=19$m=4294967295,t=1,p=1",
                           "$argon2i$v=19$m=1024,t=17,p=1", "$argon2i$v=19$m=1024,t=0,p=1",
                           "$argon2i$v=19$m=8192,t=1,p=65", "$argon2i$v=19$m=8192,t=1,p=0",
                           "$argon2i$v=19$m=15,t=1,p=2", "$argon2i$v=19$m=7,t=1,p=1",
                           "$argon2i$v=18$m=1024,t=1,p=1", "$argon2i$v=019$m=1024,t=1,p=1",
                           "$argon2i$v=19$m=01024,t=1,p=1", "$argon2i$v=19$m=1024,t=1,p=1,data=AAAA",
                           "$argon2i$v=19$m=1024,t=1,p=1,keyid=AAAA", "$argon2i$v=19$t=1,m=1024,p=1",
                           "$argon2x$v=19$m=1024,t=1,p=1", "$Argon2i$v=19$m=1024,t=1,p=1"}) {
    EXPECT_FALSE(imported_format(argon2(head))) << head;
  }
  // Salt 8-64 bytes and hash 16-64 bytes, canonical base64 only.
  const std::string head = "$argon2i$v=19$m=1024,t=1,p=1$";
  EXPECT_FALSE(imported_format(head + "AAECAwQF$" + kHash16));             // 6-byte salt
  EXPECT_FALSE(imported_format(head + kSalt16 + "$AAECAwQFBgcICQoL"));     // 12-byte hash
  EXPECT_FALSE(imported_format(head + kSalt16 + "$" + kHash16 + "="));     // padding
  EXPECT_FALSE(imported_format(head + kSalt16 + "$AAECAwQFBgcICQoLDA0ODx"));  // trailing bits
  EXPECT_FALSE(imported_format(head + kSalt16 + "$" + kHash16 + "$"));     // an extra field
  EXPECT_FALSE(imported_format(head + kSalt16));                           // no hash
}

TEST(ImportedFormat, AdmitsBcryptCostsFrom4To15) {
  for (const char* ident : {"$2a$", "$2b$", "$2y$"}) {
    EXPECT_TRUE(imported_format(ident + "04$"s + kBcryptTail)) << ident;
    EXPECT_TRUE(imported_format(ident + "15$"s + kBcryptTail)) << ident;
  }
  for (const std::string& bad : {"$2b$16$" + kBcryptTail, "$2b$31$" + kBcryptTail, "$2b$03$" + kBcryptTail,
                                 "$2b$4$" + kBcryptTail, "$2b$012$" + kBcryptTail, "$2x$10$" + kBcryptTail,
                                 "$2$10$" + kBcryptTail, "$2b$10$" + kBcryptTail.substr(1),
                                 "$2b$10$" + kBcryptTail + "x", "$2b$10$" + kBcryptTail.substr(1) + "+",
                                 "$2b$10$" + kBcryptTail.substr(1) + "$"}) {
    EXPECT_FALSE(imported_format(bad)) << bad;
  }
}

TEST(ImportedFormat, AdmitsScryptWithinMemoryAndWorkBounds) {
  EXPECT_TRUE(imported_format(scrypt("ln=16,r=8,p=1")));  // passlib's default, 64 MiB
  EXPECT_TRUE(imported_format(scrypt("ln=18,r=8,p=2")));  // 256 MiB, work 2^22
  EXPECT_TRUE(imported_format(scrypt("ln=20,r=2,p=1")));  // 256 MiB
  EXPECT_TRUE(imported_format(scrypt("ln=14,r=8,p=32")));  // work 2^22
  // ln=16,r=1: OpenSSL refuses N >= 2^(16 r); ln=1,r=131073,p=1: 128 r p above 16 MiB.
  for (const char* params : {"ln=18,r=8,p=3", "ln=19,r=8,p=1", "ln=20,r=4,p=1", "ln=21,r=1,p=1", "ln=14,r=8,p=33",
                             "ln=1,r=131073,p=1", "ln=0,r=8,p=1", "ln=16,r=0,p=1", "ln=16,r=8,p=0", "ln=16,r=1,p=1",
                             "ln=016,r=8,p=1",
                             "ln=16,r=8", "r=8,ln=16,p=1", "ln=16,r=8,p=1,x=1", "ln=99999999999999999999,r=8,p=1"}) {
    EXPECT_FALSE(imported_format(scrypt(params))) << params;
  }
  EXPECT_FALSE(imported_format("$scrypt$ln=16,r=8,p=1$" + kSalt16 + "$" + kHash32 + "="));
  // Only passlib's 32-byte hash: a shorter one is a prefix of it and would verify cut short.
  EXPECT_FALSE(imported_format("$scrypt$ln=16,r=8,p=1$" + kSalt16 + "$" + kSalt16));
  EXPECT_FALSE(imported_format("$7$CU..../....abcdefgh$" + kHash32));  // the crypt form: not this one
}

TEST(ImportedFormat, AdmitsPbkdf2UpTo10MillionIterations) {
  const std::string hash = kHash32 + "=";
  EXPECT_TRUE(imported_format("pbkdf2_sha256$10000000$abcdefghijkl$" + hash));
  EXPECT_TRUE(imported_format("pbkdf2_sha256$1$a$" + hash));
  EXPECT_TRUE(imported_format("pbkdf2_sha256$1000$!#%&'()*+,-./:;<=>?@[]^_`{|}~$" + hash));
  for (const std::string& bad :
       {"pbkdf2_sha256$10000001$abcdefghijkl$" + hash, "pbkdf2_sha256$0$abcdefghijkl$" + hash,
        "pbkdf2_sha256$0600000$abcdefghijkl$" + hash, "pbkdf2_sha256$600000$$" + hash,
        "pbkdf2_sha256$600000$abc def$" + hash, "pbkdf2_sha256$600000$" + std::string(65, 'a') + "$" + hash,
        "pbkdf2_sha256$600000$abcdefghijkl$" + kHash32,          // Django pads
        "pbkdf2_sha256$600000$abcdefghijkl$" + kHash16 + "==",  // 16 bytes, not 32
        "pbkdf2_sha1$600000$abcdefghijkl$" + hash, "pbkdf2_sha256$600000$abcdefghijkl$" + hash + "$"}) {
    EXPECT_FALSE(imported_format(bad)) << bad;
  }
  const std::string passlib_tail = "$v9eakzKmlLJW6t3b.x/jnA$ODu21C57Wz0L/D04ua0Ly04eZro/kw64Ru3sT76IBsM";
  EXPECT_TRUE(imported_format("$pbkdf2-sha256$10000000" + passlib_tail));
  EXPECT_FALSE(imported_format("$pbkdf2-sha256$10000001" + passlib_tail));
  EXPECT_FALSE(imported_format("$pbkdf2-sha256$029000" + passlib_tail));
  EXPECT_FALSE(imported_format("$pbkdf2-sha256$0" + passlib_tail));
  // passlib's alphabet has '.' where standard base64 has '+'.
  EXPECT_FALSE(imported_format("$pbkdf2-sha256$29000$v9eakzKmlLJW6t3b+x/jnA$ODu21C57Wz0L/D04ua0Ly04eZro/kw64Ru3sT76IBsM"));
}

TEST(ImportedFormat, AdmitsShaCryptRoundsFrom1000To5Million) {
  const std::string salt = "J47XLY8NIk6u3R3P$";
  EXPECT_TRUE(imported_format("$6$rounds=5000000$" + salt + kSha512Tail));
  EXPECT_TRUE(imported_format("$6$rounds=1000$" + salt + kSha512Tail));
  EXPECT_TRUE(imported_format("$5$rounds=5000000$" + salt + kSha256Tail));
  for (const std::string& bad :
       {"$6$rounds=5000001$" + salt + kSha512Tail, "$6$rounds=999999999$" + salt + kSha512Tail,
        "$6$rounds=999$" + salt + kSha512Tail, "$6$rounds=05000$" + salt + kSha512Tail,
        "$6$rounds=$" + salt + kSha512Tail, "$6$" + salt + kSha256Tail, "$5$" + salt + kSha512Tail,
        "$6$" + salt + kSha512Tail.substr(1), "$6$$" + kSha512Tail, "$6$J47XLY8NIk6u3R3Pa$" + kSha512Tail,
        "$6$J47XLY8N_k6u3R3P$" + kSha512Tail, "$1$J47XLY8N$" + kSha256Tail}) {
    EXPECT_FALSE(imported_format(bad)) << bad;
  }
}

TEST(ImportedFormat, AdmitsYescryptUpTo256MiB) {
  EXPECT_TRUE(imported_format("$y$jDT" + kYescryptTail));   // N = 2^16, r = 32: 256 MiB
  EXPECT_TRUE(imported_format("$y$jF5" + kYescryptTail));   // N = 2^18, r = 8: 256 MiB
  EXPECT_FALSE(imported_format("$y$jET" + kYescryptTail));  // 512 MiB
  EXPECT_FALSE(imported_format("$y$jG5" + kYescryptTail));  // 512 MiB
  EXPECT_FALSE(imported_format("$y$j9T.." + kYescryptTail));  // p, t, g or ROM fields
  EXPECT_FALSE(imported_format("$y$j9zz" + kYescryptTail));  // multi-character r
  EXPECT_FALSE(imported_format("$y$k9T" + kYescryptTail));   // a flavour of two characters
  EXPECT_FALSE(imported_format("$y$j9" + kYescryptTail));
  EXPECT_FALSE(imported_format("$y$j9T$$" + kYescryptTail.substr(kYescryptTail.rfind('$') + 1)));  // empty salt
  EXPECT_FALSE(imported_format("$y$j9T" + kYescryptTail + "A"));
}

TEST(ImportedFormat, RefusesUnknownFormatsAndOversizedStrings) {
  for (const std::string& bad : {""s, "plaintext"s, "$1$abcdefgh$abcdefghijklmnopqrstuv"s, "{SSHA}abcdef"s,
                                 "sha1$abc$def"s, "$argon2id$"s, "$"s, "$$$$"s, std::string(600, 'a')}) {
    EXPECT_FALSE(imported_format(bad)) << bad;
    EXPECT_FALSE(PasswordHasher::can_verify(bad)) << bad;
  }
  EXPECT_FALSE(imported_format("$6$rounds=5000$" + std::string(500, 'a') + "$" + kSha512Tail));
}

TEST(VerifyImported, RefusesHostileCostsWithoutComputingThem) {
  // Each would take hours or gigabytes if computed; refused, they take microseconds.
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& hostile :
       {argon2("$argon2i$v=19$m=4194304,t=4294967295,p=1"), "$2b$31$" + kBcryptTail,
        "$6$rounds=999999999$J47XLY8NIk6u3R3P$" + kSha512Tail, scrypt("ln=30,r=8,p=1"), scrypt("ln=10,r=8,p=1000000"),
        "pbkdf2_sha256$4294967295$abcdefghijkl$" + kHash32 + "=", "$y$jzT" + kYescryptTail}) {
    EXPECT_FALSE(verify_imported("pw", hostile)) << hostile;
    EXPECT_FALSE(PasswordHasher::verify_now("pw", hostile)) << hostile;
    EXPECT_FALSE(PasswordHasher::can_verify(hostile)) << hostile;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(CanVerify, AcceptsOurArgon2idAndEveryImportedFamily) {
  EXPECT_TRUE(PasswordHasher::can_verify("$argon2id$v=19$m=19456,t=2,p=1$" + kSalt16 + "$" + kHash32));
  EXPECT_TRUE(PasswordHasher::can_verify(argon2("$argon2i$v=19$m=102400,t=2,p=8")));
  EXPECT_TRUE(PasswordHasher::can_verify("$2y$10$" + kBcryptTail));
  EXPECT_TRUE(PasswordHasher::can_verify(scrypt("ln=16,r=8,p=1")));
  EXPECT_TRUE(PasswordHasher::can_verify("$y$j9T" + kYescryptTail));
}

}  // namespace
}  // namespace vestibule::security
