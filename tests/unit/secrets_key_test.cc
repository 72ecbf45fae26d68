#include "app/secrets_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace vestibule::app {
namespace {

namespace fs = std::filesystem;

const std::string kFlag = "--secrets-key-file";
// A key as `openssl rand -hex 32` writes it.
const std::string kKeyHex = "4f1c0d9a2b3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

std::string write_file(const fs::path& path, const std::string& content, mode_t mode) {
  std::ofstream(path, std::ios::binary) << content;
  if (::chmod(path.c_str(), mode) != 0) throw std::runtime_error("chmod " + path.string());
  return path.string();
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path.string());
  return st.st_mode & 07777;
}

const std::vector<unsigned char> kPlain = {'s', 'e', 'c', 'r', 'e', 't'};

class SecretsKey : public ::testing::Test {
 protected:
  support::TempDir dir_{"secrets-key"};
};

TEST_F(SecretsKey, LoadsSixtyFourHexDigitsFromAPrivateFile) {
  const std::string path = write_file(dir_.path() / "key", kKeyHex + "\n", 0600);
  auto box = load_secrets_key(path, kFlag);
  ASSERT_TRUE(box) << box.error().message;
  auto again = load_secrets_key(path, kFlag);
  ASSERT_TRUE(again);
  // One key, one box: what one sealed the other opens, and their digests agree.
  EXPECT_EQ(again->open(box->seal(kPlain, "owner"), "owner"), kPlain);
  EXPECT_EQ(again->digest("x"), box->digest("x"));
}

TEST_F(SecretsKey, AcceptsUpperCaseAndAGroupReadableFile) {
  std::string upper = kKeyHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string path = write_file(dir_.path() / "key", upper, 0640);
  auto box = load_secrets_key(path, kFlag);
  ASSERT_TRUE(box) << box.error().message;
  auto lower = load_secrets_key(write_file(dir_.path() / "lower", kKeyHex, 0600), kFlag);
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->digest("x"), box->digest("x"));
}

TEST_F(SecretsKey, RefusesAFileOthersMayRead) {
  for (mode_t mode : {0644, 0602, 0604}) {
    const std::string path = write_file(dir_.path() / "key", kKeyHex + "\n", mode);
    auto box = load_secrets_key(path, kFlag);
    ASSERT_FALSE(box) << std::oct << mode;
    EXPECT_NE(box.error().message.find(kFlag + " " + path), std::string::npos) << box.error().message;
    EXPECT_NE(box.error().message.find("every user"), std::string::npos) << box.error().message;
    EXPECT_EQ(box.error().message.find(kKeyHex), std::string::npos) << box.error().message;
  }
}

TEST_F(SecretsKey, RefusesAnythingButSixtyFourHexDigitsWithoutShowingIt) {
  for (const std::string& content :
       {std::string(), kKeyHex.substr(0, 63), kKeyHex + "0", kKeyHex.substr(0, 63) + "g", "0x" + kKeyHex.substr(2),
        kKeyHex.substr(0, 32) + " " + kKeyHex.substr(33), kKeyHex + kKeyHex, std::string(64, 'z')}) {
    const std::string path = write_file(dir_.path() / "key", content, 0600);
    auto box = load_secrets_key(path, kFlag);
    ASSERT_FALSE(box) << content;
    const std::string& message = box.error().message;
    EXPECT_NE(message.find(kFlag + " " + path + " must hold a 32-byte key as 64 hexadecimal digits"),
              std::string::npos)
        << message;
    if (content.size() >= 8) {
      EXPECT_EQ(message.find(content.substr(0, 8)), std::string::npos) << message;
    }
  }
}

TEST_F(SecretsKey, AMissingFileIsAnErrorNamingFlagAndPath) {
  const std::string path = (dir_.path() / "absent").string();
  auto box = load_secrets_key(path, kFlag);
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().message, kFlag + " " + path + ": No such file or directory");
}

TEST_F(SecretsKey, LoadOrCreateMakesAPrivateKeyFileAndThenReadsIt) {
  const fs::path path = dir_.path() / "secrets.key";
  auto made = load_or_create_secrets_key(path.string());
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(mode_of(path), 0600u);
  std::ifstream in(path);
  const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(content.size(), 65u);
  EXPECT_EQ(content.find_first_not_of("0123456789abcdef"), 64u);
  EXPECT_EQ(content.back(), '\n');
  // Nothing else is left in the directory (the file is written under a temporary name first).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 1);

  const std::string sealed = made->seal(kPlain, "owner");
  auto loaded = load_or_create_secrets_key(path.string());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->open(sealed, "owner"), kPlain);
  auto read = load_secrets_key(path.string(), kFlag);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->open(sealed, "owner"), kPlain);
}

TEST_F(SecretsKey, LoadOrCreateMakesADifferentKeyEachTime) {
  auto one = load_or_create_secrets_key((dir_.path() / "one").string());
  auto two = load_or_create_secrets_key((dir_.path() / "two").string());
  ASSERT_TRUE(one && two);
  EXPECT_EQ(two->open(one->seal(kPlain, "owner"), "owner"), std::nullopt);
}

TEST_F(SecretsKey, LoadOrCreateRacingItselfMakesOneKey) {
  // As two processes starting at once would: each either makes the file or reads a complete one.
  const std::string path = (dir_.path() / "secrets.key").string();
  constexpr int kRacers = 8;
  std::vector<std::string> digests(kRacers);
  std::vector<std::string> errors(kRacers);
  {
    std::vector<std::jthread> racers;
    for (int i = 0; i < kRacers; ++i) {
      racers.emplace_back([&, i] {
        auto box = load_or_create_secrets_key(path);
        if (box) digests[i] = box->digest("x");
        else errors[i] = box.error().message;
      });
    }
  }
  for (int i = 0; i < kRacers; ++i) {
    EXPECT_EQ(errors[i], "") << "racer " << i;
    EXPECT_EQ(digests[i], digests[0]) << "racer " << i;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 1);
}

TEST_F(SecretsKey, LoadOrCreateUsesAnExistingKey) {
  const std::string path = write_file(dir_.path() / "key", kKeyHex + "\n", 0600);
  auto box = load_or_create_secrets_key(path);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(load_secrets_key(path, kFlag)->digest("x"), box->digest("x"));
}

TEST_F(SecretsKey, LoadOrCreateRefusesAnExistingFileOthersMayRead) {
  const std::string path = write_file(dir_.path() / "key", kKeyHex + "\n", 0644);
  auto box = load_or_create_secrets_key(path);
  ASSERT_FALSE(box);
  EXPECT_NE(box.error().message.find("every user"), std::string::npos) << box.error().message;
}

TEST_F(SecretsKey, LoadOrCreateInAMissingDirectoryIsAClearError) {
  const fs::path path = dir_.path() / "missing" / "secrets.key";
  auto box = load_or_create_secrets_key(path.string());
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().message, "--secrets-key-file " + path.string() + ": the directory " +
                                     (dir_.path() / "missing").string() + " cannot be used: No such file or directory");
  EXPECT_FALSE(fs::exists(dir_.path() / "missing"));
}

}  // namespace
}  // namespace vestibule::app
