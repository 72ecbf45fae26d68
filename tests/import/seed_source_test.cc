// The reader of the reference design's Redis data, against a real redis-server filled the way
// the reference design writes it, with hashes made by Debian's passlib.
#include "import/seed_source.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>

#include "reference_data.h"
#include "support/redis_server.h"
#include "passlib_hashes.h"

namespace vestibule::import {
namespace {

using vestibule::testing::RedisServer;

std::string hex_id(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

// result<T, std::string> has no value() (no exception for a string error): the tests unwrap it.
std::unique_ptr<SeedSource> open_source(const std::string& url) {
  auto parsed = parse_seed_url(url);
  if (!parsed) throw std::runtime_error(parsed.error());
  auto source = SeedSource::open(*parsed);
  if (!source) throw std::runtime_error(source.error());
  return std::move(*source);
}

SeedUrl seed_url(const std::string& url) {
  auto parsed = parse_seed_url(url);
  if (!parsed) throw std::runtime_error(parsed.error());
  return *parsed;
}

std::map<std::string, ImportItem> read_all(SeedSource& source) {
  std::map<std::string, ImportItem> items;
  while (std::optional<ImportItem> item = source.next()) {
    const std::string where = item->where;
    EXPECT_TRUE(items.emplace(where, std::move(*item)).second) << "read twice: " << where;
  }
  return items;
}

class SeedSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed (scripts/setup.sh --test)";
    redis_.start();
  }
  RedisServer redis_;
};

TEST_F(SeedSourceTest, ReadsEveryUserWithItsPasslibHashAndDashedId) {
  if (!testing::passlib_available()) GTEST_SKIP() << "python3-passlib is not installed (scripts/setup.sh --test)";
  const std::vector<std::string> hashes = testing::python_hashes({"argon2id", "argon2i"}, "correct horse");
  ASSERT_TRUE(hashes[0].starts_with("$argon2id$v=19$m=102400,t=2,p=8$")) << hashes[0];
  ASSERT_TRUE(hashes[1].starts_with("$argon2i$v=19$m=102400,t=2,p=8$")) << hashes[1];
  testing::ReferenceData data(redis_.port(), 3);
  const std::string alice = "0b7e3c1a6f7d4f6e9d7a2f1e0c9b8a7d", bob = "FFEEDDCCBBAA99887766554433221100";
  data.add_user(alice, "alice", "alice@example.com", hashes[0]);
  data.add_user(bob, "bob", "Bob@Example.COM", hashes[1]);
  data.set("config:u", "not a user");  // a prefix that is not 32 hex digits
  data.set(alice + ":x", "other data");

  std::unique_ptr<SeedSource> source = open_source(redis_.url(3));
  const std::map<std::string, ImportItem> items = read_all(*source);
  EXPECT_EQ(source->error(), std::nullopt);
  ASSERT_EQ(items.size(), 2u);
  const ImportItem& a = items.at("user " + alice);
  EXPECT_TRUE(a.has_id);
  ASSERT_FALSE(a.rejection.has_value()) << *a.rejection;
  EXPECT_EQ(boost::json::parse(a.body), (boost::json::object{{"name", "alice"},
                                                             {"email", "alice@example.com"},
                                                             {"password_hash", hashes[0]},
                                                             {"id", "0b7e3c1a-6f7d-4f6e-9d7a-2f1e0c9b8a7d"}}));
  const ImportItem& b = items.at("user " + bob);
  ASSERT_FALSE(b.rejection.has_value()) << *b.rejection;
  // The email goes as stored (the server validates and normalises it); the id in lower case.
  EXPECT_EQ(boost::json::parse(b.body), (boost::json::object{{"name", "bob"},
                                                             {"email", "Bob@Example.COM"},
                                                             {"password_hash", hashes[1]},
                                                             {"id", "ffeeddcc-bbaa-9988-7766-554433221100"}}));
}

TEST_F(SeedSourceTest, IncompleteUsersAndDuplicateUsernamesAreRefusedWithTheirIds) {
  testing::ReferenceData data(redis_.port(), 0);
  data.add_user(hex_id(1), "carol", "carol@example.com", "$argon2id$h1");
  data.add_user(hex_id(2), "dave", "dave@example.com", "$argon2id$h2");
  data.set(hex_id(2) + ":u", "carol");  // dave renamed to a name whose index names user 1
  data.set(hex_id(3) + ":u", "erin");
  data.set("erin:uid", hex_id(3));
  data.set(hex_id(3) + ":p", "$argon2id$h3");  // no email
  data.set(hex_id(4) + ":u", "frank");
  data.set("frank:uid", hex_id(4));
  data.set(hex_id(4) + ":e", "frank@example.com");  // no hash
  data.set(hex_id(5) + ":u", "gina");
  data.set(hex_id(5) + ":e", "gina@example.com");
  data.set(hex_id(5) + ":p", "$argon2id$h5");  // no login index

  std::unique_ptr<SeedSource> source = open_source(redis_.url(0));
  const std::map<std::string, ImportItem> items = read_all(*source);
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items.at("user " + hex_id(1)).rejection, std::nullopt);
  EXPECT_EQ(items.at("user " + hex_id(2)).rejection, "duplicate_username (carol:uid names user " + hex_id(1) + ")");
  EXPECT_EQ(items.at("user " + hex_id(3)).rejection, "missing_key (" + hex_id(3) + ":e: no email address)");
  EXPECT_EQ(items.at("user " + hex_id(4)).rejection, "missing_key (" + hex_id(4) + ":p: no password hash)");
  EXPECT_EQ(items.at("user " + hex_id(5)).rejection, "missing_key (gina:uid: the username has no login index)");
  for (const auto& [where, item] : items) {
    if (item.rejection) {
      EXPECT_EQ(item.rejection->find("$argon2id$"), std::string::npos) << *item.rejection;
    }
  }
}

TEST_F(SeedSourceTest, ManyUsersComeOnceEachOverSeveralScanRounds) {
  testing::ReferenceData data(redis_.port(), 0);
  constexpr int kUsers = 2500;  // more than two rounds of COUNT 1000
  for (int i = 0; i < kUsers; ++i) {
    data.add_user(hex_id(i), "user" + std::to_string(i), "user" + std::to_string(i) + "@example.com", "$argon2id$x");
  }
  std::unique_ptr<SeedSource> source = open_source(redis_.url(0));
  const std::map<std::string, ImportItem> items = read_all(*source);
  EXPECT_EQ(items.size(), static_cast<std::size_t>(kUsers));
  EXPECT_EQ(source->error(), std::nullopt);
}

TEST_F(SeedSourceTest, AnEmptyDatabaseHasNoUsers) {
  std::unique_ptr<SeedSource> source = open_source(redis_.url(5));
  EXPECT_EQ(source->next(), std::nullopt);
  EXPECT_EQ(source->error(), std::nullopt);
}

TEST(SeedSourceOpenTest, AnUnreachableRedisIsAnError) {
  const std::string url = "redis://127.0.0.1:" + std::to_string(vestibule::testing::free_loopback_port()) + "/0";
  auto source = SeedSource::open(seed_url(url), std::chrono::seconds(2));
  ASSERT_FALSE(source.has_value());
  EXPECT_TRUE(source.error().starts_with("redis connect to 127.0.0.1:")) << source.error();
}

TEST(SeedUrlTest, ReadsHostPortDatabaseAndCredentials) {
  const SeedUrl u = seed_url("redis://me:s3cret@redis.internal:6380/4");
  EXPECT_EQ(u.host, "redis.internal");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 4);
  EXPECT_EQ(u.user, "me");
  EXPECT_EQ(u.password, "s3cret");
  const SeedUrl d = seed_url("redis://127.0.0.1");
  EXPECT_EQ(d.port, 6379);
  EXPECT_EQ(d.db, 0);
}

TEST(SeedUrlTest, RefusesOtherUrls) {
  EXPECT_EQ(parse_seed_url("http://h/0").error(), "expected redis://HOST[:PORT][/DB]");
  EXPECT_EQ(parse_seed_url("redis://h:0/0").error(), "the port must be 1..65535");
  EXPECT_EQ(parse_seed_url("redis://h/x").error(), "the database must be a number");
}

}  // namespace
}  // namespace vestibule::import
