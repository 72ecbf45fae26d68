// Imported password hashes made at test time by independent tools from Debian (passlib with
// argon2-cffi and bcrypt, Python's hashlib, openssl kdf, mkpasswd), verified by
// security/hash_formats.h through PasswordHasher: the right password matches, a wrong one, a
// tampered or a truncated hash does not, and every one of them is due for a rehash. A case whose
// tool is missing is skipped, saying which package provides it (scripts/setup.sh --test).
#include <gtest/gtest.h>
#include <sodium.h>

#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "security/hash_formats.h"
#include "security/password_hasher.h"
#include "support/command.h"
#include "support/pooled_hasher.h"
#include "support/run_awaitable.h"

namespace vestibule::security {
namespace {

using testing::command_output;
using testing::run_command;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-passlib lives
constexpr const char* kMkpasswd = "/usr/bin/mkpasswd";
constexpr const char* kOpenssl = "/usr/bin/openssl";
const std::string kPassword = "correct horse battery staple";

bool python_imports(const std::string& modules) {
  try {
    return run_command({kPython, "-c", "import " + modules}).exit_status == 0;
  } catch (const std::runtime_error&) {
    return false;  // no /usr/bin/python3
  }
}

bool executable(const char* path) { return ::access(path, X_OK) == 0; }

#define REQUIRE_PASSLIB()                                                                        \
  if (!python_imports("passlib.hash, argon2, bcrypt"))                                           \
  GTEST_SKIP() << "needs /usr/bin/python3 with python3-passlib, python3-argon2 and python3-bcrypt"
#define REQUIRE_MKPASSWD() \
  if (!executable(kMkpasswd)) GTEST_SKIP() << "needs mkpasswd (Debian package whois)"
#define REQUIRE_OPENSSL() \
  if (!executable(kOpenssl)) GTEST_SKIP() << "needs the openssl command (Debian package openssl)"

// passlib's `handler` (an expression on passlib.hash, e.g. "bcrypt.using(rounds=5)") hashing
// the password it reads from stdin.
std::string passlib(const std::string& handler, const std::string& password = kPassword) {
  return command_output(
      {kPython, "-c", "import sys, passlib.hash as h; print(h." + handler + ".hash(sys.stdin.read()))"}, password);
}

std::string mkpasswd(const std::vector<std::string>& options, const std::string& password = kPassword) {
  std::vector<std::string> argv{kMkpasswd, "--stdin"};
  argv.insert(argv.end(), options.begin(), options.end());
  return command_output(argv, password + "\n");
}

std::string hex(const std::vector<unsigned char>& bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::string base64(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.pop_back();
  return out;
}

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> v(n);
  randombytes_buf(v.data(), v.size());
  return v;
}

// The raw key `openssl kdf` derives with these options (-binary).
std::string openssl_kdf(const std::vector<std::string>& options, const std::string& kdf) {
  std::vector<std::string> argv{kOpenssl, "kdf", "-binary", "-keylen", "32"};
  for (const std::string& o : options) {
    argv.push_back("-kdfopt");
    argv.push_back(o);
  }
  argv.push_back(kdf);
  const testing::CommandResult r = run_command(argv);
  if (r.exit_status != 0 || r.out.size() != 32) throw std::runtime_error("openssl kdf " + kdf + " failed");
  return r.out;
}

std::string replace_last_char(std::string s) {
  s.back() = s.back() == 'A' ? 'B' : 'A';
  return s;
}

// Everything every imported hash must satisfy; `hash` made for kPassword by an outside tool.
void expect_imported_hash_behaves(const std::string& hash) {
  SCOPED_TRACE(hash);
  EXPECT_TRUE(imported_format(hash).has_value());
  EXPECT_TRUE(PasswordHasher::can_verify(hash));
  for (const HashEngine engine : {HashEngine::sodium, HashEngine::argon2}) {
    EXPECT_TRUE(PasswordHasher::verify_now(kPassword, hash, engine));
    EXPECT_FALSE(PasswordHasher::verify_now(kPassword + "!", hash, engine));
    EXPECT_FALSE(PasswordHasher::verify_now("", hash, engine));
  }
  // A changed last character alters the hash (or makes its encoding non-canonical): no match.
  EXPECT_FALSE(PasswordHasher::verify_now(kPassword, replace_last_char(hash)));
  EXPECT_FALSE(PasswordHasher::verify_now(kPassword, hash.substr(0, hash.size() - 1)));
  // Cut anywhere before the hash itself, no string is even recognised.
  for (std::size_t n = 0; n <= hash.rfind('$'); ++n) {
    EXPECT_FALSE(PasswordHasher::can_verify(hash.substr(0, n))) << hash.substr(0, n);
  }
}

// A hasher at tiny parameters: what needs_rehash compares against.
class ImportedHashes : public ::testing::Test {
 protected:
  boost::asio::io_context io_;  // before the pool (support/run_awaitable.h)
  testing::PooledHasher hasher_{HasherOptions{.params = {.memory_kib = 1024, .iterations = 1}, .threads = 1,
                                              .max_queued = 8}};

  void expect_rehash_and_pool_verify(const std::string& hash) {
    SCOPED_TRACE(hash);
    EXPECT_TRUE(hasher_.needs_rehash(hash));
    const PasswordHasher::Result<bool> right = testing::run_awaitable(io_, hasher_.verify(kPassword, hash));
    ASSERT_TRUE(right.has_value());
    EXPECT_TRUE(*right);
    const PasswordHasher::Result<bool> wrong = testing::run_awaitable(io_, hasher_.verify("wrong", hash));
    ASSERT_TRUE(wrong.has_value());
    EXPECT_FALSE(*wrong);
  }

  void expect_all(const std::string& hash) {
    expect_imported_hash_behaves(hash);
    expect_rehash_and_pool_verify(hash);
  }
};

TEST_F(ImportedHashes, PasslibsDefaultArgon2idVerifiesAndIsRehashed) {
  REQUIRE_PASSLIB();
  const std::string hash = passlib("argon2");
  ASSERT_TRUE(hash.starts_with("$argon2id$v=19$m=102400,t=2,p=8$")) << hash;  // 100 MiB, 2 passes, 8 lanes
  for (const HashEngine engine : {HashEngine::sodium, HashEngine::argon2}) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(PasswordHasher::verify_now(kPassword, hash, engine));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::cout << "passlib's default argon2id (100 MiB, t=2, p=8) verified in " << ms.count() << " ms ("
              << (engine == HashEngine::sodium ? "libsodium" : "libargon2") << ", one thread)\n";
  }
  // The import path (libargon2, one thread) reads it the same.
  EXPECT_TRUE(verify_imported(kPassword, hash));
  EXPECT_FALSE(verify_imported("wrong", hash));
  expect_rehash_and_pool_verify(hash);
  EXPECT_TRUE(PasswordHasher::can_verify(hash));
}

TEST_F(ImportedHashes, PasslibArgon2iAndArgon2dOfBothVersionsVerify) {
  REQUIRE_PASSLIB();
  expect_all(passlib("argon2.using(type='i', memory_cost=102400, time_cost=2, parallelism=8)"));
  expect_all(passlib("argon2.using(type='i', memory_cost=4096, time_cost=3, parallelism=4)"));
  expect_all(passlib("argon2.using(type='d', memory_cost=4096, time_cost=1, parallelism=2)"));
  expect_all(passlib("argon2.using(type='id', memory_cost=4096, time_cost=1, parallelism=16)"));
  // More lanes than our own strings may have (16): the import path, libargon2 on one thread.
  const std::string many_lanes = passlib("argon2.using(type='id', memory_cost=4096, time_cost=1, parallelism=40)");
  ASSERT_TRUE(many_lanes.starts_with("$argon2id$v=19$m=4096,t=1,p=40$")) << many_lanes;
  expect_all(many_lanes);
  // Version 1.0 through argon2-cffi (passlib cannot write it): libargon2 writes v=16, passlib
  // drops the field; both spell the same hash.
  const std::string v16 = command_output(
      {kPython, "-c",
       "import sys, os, argon2.low_level as l; print(l.hash_secret(sys.stdin.read().encode(), os.urandom(16), "
       "time_cost=2, memory_cost=4096, parallelism=2, hash_len=32, type=l.Type.I, version=16).decode())"},
      kPassword);
  ASSERT_TRUE(v16.starts_with("$argon2i$v=16$m=4096,t=2,p=2$")) << v16;
  expect_all(v16);
  const std::string no_version = std::string("$argon2i$") + v16.substr(std::string_view("$argon2i$v=16$").size());
  expect_all(no_version);
  // The version is part of the computation: the same salt and hash read as v=19 do not match.
  EXPECT_FALSE(PasswordHasher::verify_now(kPassword, std::string("$argon2i$v=19$") + no_version.substr(9)));
}

TEST_F(ImportedHashes, OurOwnArgon2idAtOurParametersIsNotRehashedButPasslibsAtThemIs) {
  REQUIRE_PASSLIB();
  const std::string ours = PasswordHasher::hash_now(kPassword, {.memory_kib = 1024, .iterations = 1});
  EXPECT_FALSE(hasher_.needs_rehash(ours));
  // Same type and costs, but 8 lanes, or passlib's 16-byte hash: rehashed to what we write.
  expect_all(passlib("argon2.using(type='id', memory_cost=1024, time_cost=1, parallelism=8)"));
  const std::string one_lane = passlib("argon2.using(type='id', memory_cost=1024, time_cost=1, parallelism=1)");
  ASSERT_TRUE(one_lane.starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << one_lane;
  expect_all(one_lane);
  expect_all(passlib("argon2.using(type='i', memory_cost=1024, time_cost=1, parallelism=1)"));
}

TEST_F(ImportedHashes, PasslibBcryptOfEveryIdentVerifies) {
  REQUIRE_PASSLIB();
  for (const char* ident : {"2a", "2b", "2y"}) {
    const std::string hash = passlib(std::string("bcrypt.using(ident='") + ident + "', rounds=5)");
    ASSERT_TRUE(hash.starts_with(std::string("$") + ident + "$05$")) << hash;
    expect_all(hash);
  }
}

TEST_F(ImportedHashes, MkpasswdBcryptShaCryptAndYescryptVerify) {
  REQUIRE_MKPASSWD();
  const std::string bcrypt = mkpasswd({"--method=bcrypt", "--rounds=5"});
  ASSERT_TRUE(bcrypt.starts_with("$2b$05$")) << bcrypt;
  expect_all(bcrypt);
  const std::string bcrypt_a = mkpasswd({"--method=bcrypt-a", "--rounds=5"});
  ASSERT_TRUE(bcrypt_a.starts_with("$2a$05$")) << bcrypt_a;
  expect_all(bcrypt_a);
  const std::string sha512 = mkpasswd({"--method=sha512crypt"});
  ASSERT_TRUE(sha512.starts_with("$6$")) << sha512;
  expect_all(sha512);
  const std::string sha512_rounds = mkpasswd({"--method=sha512crypt", "--rounds=20000"});
  ASSERT_TRUE(sha512_rounds.starts_with("$6$rounds=20000$")) << sha512_rounds;
  expect_all(sha512_rounds);
  const std::string sha256 = mkpasswd({"--method=sha256crypt", "--rounds=10000"});
  ASSERT_TRUE(sha256.starts_with("$5$rounds=10000$")) << sha256;
  expect_all(sha256);
  const std::string yescrypt = mkpasswd({});  // mkpasswd's default method
  ASSERT_TRUE(yescrypt.starts_with("$y$j9T$")) << yescrypt;
  expect_all(yescrypt);
  const std::string yescrypt_8 = mkpasswd({"--method=yescrypt", "--rounds=8"});  // 128 MiB
  expect_all(yescrypt_8);
}

TEST_F(ImportedHashes, PasslibScryptVerifiesAndOpensslsToo) {
  REQUIRE_PASSLIB();
  const std::string fast = passlib("scrypt.using(rounds=10)");
  ASSERT_TRUE(fast.starts_with("$scrypt$ln=10,r=8,p=1$")) << fast;
  expect_all(fast);
  const std::string standard = passlib("scrypt");  // passlib's default: ln=16, r=8, p=1 (64 MiB)
  ASSERT_TRUE(standard.starts_with("$scrypt$ln=16,r=8,p=1$")) << standard;
  expect_all(standard);
  expect_all(passlib("scrypt.using(rounds=12, block_size=4, parallelism=3)"));

  if (!executable(kOpenssl)) GTEST_SKIP() << "needs the openssl command (Debian package openssl)";
  const std::vector<unsigned char> salt = random_bytes(16);
  const std::string key = openssl_kdf(
      {"pass:" + kPassword, std::string("hexsalt:") + hex(salt), "n:16384", "r:8", "p:2"}, "SCRYPT");
  const std::string salt_text(salt.begin(), salt.end());
  constexpr int kUnpadded = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  expect_all(std::string("$scrypt$ln=14,r=8,p=2$") + base64(salt_text, kUnpadded) + "$" + base64(key, kUnpadded));
}

TEST_F(ImportedHashes, Pbkdf2FromPasslibHashlibAndOpensslVerifies) {
  REQUIRE_PASSLIB();
  const std::string passlib_hash = passlib("pbkdf2_sha256");
  ASSERT_TRUE(passlib_hash.starts_with("$pbkdf2-sha256$29000$")) << passlib_hash;  // passlib's default
  expect_all(passlib_hash);
  expect_all(passlib("pbkdf2_sha256.using(rounds=1000, salt_size=32)"));
  // Django's PBKDF2PasswordHasher.encode, with Python's hashlib: 22 letters and digits of salt,
  // the derived key in padded base64.
  const std::string django = command_output(
      {kPython, "-c",
       "import sys, hashlib, base64, secrets, string\n"
       "salt = ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(22))\n"
       "key = hashlib.pbkdf2_hmac('sha256', sys.stdin.read().encode(), salt.encode(), 600000)\n"
       "print('pbkdf2_sha256$600000$%s$%s' % (salt, base64.b64encode(key).decode()))"},
      kPassword);
  ASSERT_TRUE(django.starts_with("pbkdf2_sha256$600000$")) << django;
  expect_all(django);

  if (!executable(kOpenssl)) GTEST_SKIP() << "needs the openssl command (Debian package openssl)";
  const std::string salt = "OpensslSalt0123456789z";
  const std::string key = openssl_kdf(
      {"digest:SHA256", "pass:" + kPassword, "salt:" + salt, "iter:100000"}, "PBKDF2");
  expect_all("pbkdf2_sha256$100000$" + salt + "$" + base64(key, sodium_base64_VARIANT_ORIGINAL));
  std::string adapted = base64(key, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  std::replace(adapted.begin(), adapted.end(), '+', '.');
  std::string adapted_salt = base64(salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  std::replace(adapted_salt.begin(), adapted_salt.end(), '+', '.');
  expect_all("$pbkdf2-sha256$100000$" + adapted_salt + "$" + adapted);
}

TEST_F(ImportedHashes, MkpasswdBcryptWithItsCostRaisedPastTheBoundIsRefusedUncomputed) {
  REQUIRE_MKPASSWD();
  // A real hash with its cost raised past the bound: not verifiable, and no time spent on it.
  const std::string bcrypt = mkpasswd({"--method=bcrypt", "--rounds=5"});
  const std::string raised = std::string("$2b$16$") + bcrypt.substr(7);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(PasswordHasher::can_verify(raised));
  EXPECT_FALSE(PasswordHasher::verify_now(kPassword, raised));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST(RunCommand, KillsAToolThatOverrunsItsDeadline) {
  // What keeps every case above from hanging on a stuck tool.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(run_command({"/bin/sleep", "30"}, "", std::chrono::milliseconds(200)), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(run_command({"/bin/sh", "-c", "cat; exit 3"}, "echoed").out, "echoed");
  EXPECT_EQ(run_command({"/bin/sh", "-c", "exit 3"}).exit_status, 3);
}

}  // namespace
}  // namespace vestibule::security
