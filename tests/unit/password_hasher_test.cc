#include "security/password_hasher.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>

#include "support/run_awaitable.h"

namespace vestibule::security {
namespace {

using testing::run_awaitable;

// Tiny argon2id parameters: the tests check behaviour, not cost.
constexpr HashParams kSmall{.memory_kib = 1024, .iterations = 1};
constexpr HashParams kMoreMemory{.memory_kib = 2048, .iterations = 1};
constexpr HashParams kMoreIterations{.memory_kib = 1024, .iterations = 2};

HasherOptions options_with(HashParams params) { return HasherOptions{.params = params, .threads = 1, .max_queued = 8}; }

TEST(HashNow, ProducesArgon2idPhcStringWithTheGivenParameters) {
  const std::string phc = PasswordHasher::hash_now("correct horse", kSmall);
  EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << phc;
}

TEST(HashNow, UsesAFreshSaltEachTime) {
  EXPECT_NE(PasswordHasher::hash_now("correct horse", kSmall), PasswordHasher::hash_now("correct horse", kSmall));
}

TEST(VerifyNow, AcceptsTheHashedPassword) {
  const std::string phc = PasswordHasher::hash_now("correct horse", kSmall);
  EXPECT_TRUE(PasswordHasher::verify_now("correct horse", phc));
}

TEST(VerifyNow, RejectsAWrongPassword) {
  const std::string phc = PasswordHasher::hash_now("correct horse", kSmall);
  EXPECT_FALSE(PasswordHasher::verify_now("correct horsf", phc));
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse ", phc));
  EXPECT_FALSE(PasswordHasher::verify_now("", phc));
}

TEST(VerifyNow, ComparesEveryByteIncludingNul) {
  const std::string password("pass\0word", 9);
  const std::string phc = PasswordHasher::hash_now(password, kSmall);
  EXPECT_TRUE(PasswordHasher::verify_now(password, phc));
  EXPECT_FALSE(PasswordHasher::verify_now("pass", phc));
}

TEST(VerifyNow, TreatsMalformedPhcAsNoMatch) {
  const std::string phc = PasswordHasher::hash_now("correct horse", kSmall);
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", ""));
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", "not a hash"));
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", "$argon2id$v=19$m=1024,t=1,p=1$garbage"));
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", phc.substr(0, phc.size() - 5)));
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
}

TEST(NeedsRehash, IsFalseForTheConfiguredParameters) {
  PasswordHasher hasher(options_with(kSmall));
  EXPECT_FALSE(hasher.needs_rehash(PasswordHasher::hash_now("correct horse", kSmall)));
  EXPECT_FALSE(hasher.needs_rehash(hasher.dummy_hash()));
}

TEST(NeedsRehash, IsTrueForOtherParameters) {
  PasswordHasher hasher(options_with(kSmall));
  EXPECT_TRUE(hasher.needs_rehash(PasswordHasher::hash_now("correct horse", kMoreMemory)));
  EXPECT_TRUE(hasher.needs_rehash(PasswordHasher::hash_now("correct horse", kMoreIterations)));
}

TEST(NeedsRehash, IsTrueForMalformedHash) {
  PasswordHasher hasher(options_with(kSmall));
  EXPECT_TRUE(hasher.needs_rehash(""));
  EXPECT_TRUE(hasher.needs_rehash("not a hash"));
}

TEST(PasswordHasher, HashThenVerifyRoundTripsOnThePool) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PasswordHasher hasher(options_with(kSmall));
  auto phc = run_awaitable(io, hasher.hash("correct horse"));
  ASSERT_TRUE(phc);
  EXPECT_TRUE(phc->starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << *phc;

  auto match = run_awaitable(io, hasher.verify("correct horse", *phc));
  ASSERT_TRUE(match);
  EXPECT_TRUE(*match);
  auto mismatch = run_awaitable(io, hasher.verify("wrong horse", *phc));
  ASSERT_TRUE(mismatch);
  EXPECT_FALSE(*mismatch);
}

TEST(PasswordHasher, VerifyOfMalformedPhcIsNoMatch) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PasswordHasher hasher(options_with(kSmall));
  auto match = run_awaitable(io, hasher.verify("correct horse", "$argon2id$garbage"));
  ASSERT_TRUE(match);
  EXPECT_FALSE(*match);
}

TEST(PasswordHasher, DummyHashUsesTheConfiguredParametersAndMatchesNoGuess) {
  PasswordHasher hasher(options_with(kSmall));
  EXPECT_TRUE(hasher.dummy_hash().starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << hasher.dummy_hash();
  EXPECT_FALSE(PasswordHasher::verify_now("", hasher.dummy_hash()));
  EXPECT_FALSE(PasswordHasher::verify_now("password", hasher.dummy_hash()));
}

TEST(PasswordHasher, CountsVerificationsAndHashes) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PasswordHasher hasher(options_with(kSmall));
  // Making the dummy hash at construction is not counted.
  EXPECT_EQ(hasher.hashes_run(), 0u);
  EXPECT_EQ(hasher.verifications_run(), 0u);

  const std::string phc = run_awaitable(io, hasher.hash("correct horse")).value();
  EXPECT_EQ(hasher.hashes_run(), 1u);
  EXPECT_EQ(hasher.verifications_run(), 0u);

  (void)run_awaitable(io, hasher.verify("correct horse", phc));
  EXPECT_EQ(hasher.verifications_run(), 1u);
  (void)run_awaitable(io, hasher.verify("wrong", phc));
  EXPECT_EQ(hasher.verifications_run(), 2u);
  (void)run_awaitable(io, hasher.verify("correct horse", "malformed"));
  EXPECT_EQ(hasher.verifications_run(), 3u);
  EXPECT_EQ(hasher.hashes_run(), 1u);
}

TEST(PasswordHasher, ReportsOverloadedWhenThePoolRefusesWork) {
  // No queue at all: every job is refused, without blocking or running it.
  boost::asio::io_context io;  // outlives the hasher's pool
  PasswordHasher hasher(HasherOptions{.params = kSmall, .threads = 1, .max_queued = 0});
  auto phc = run_awaitable(io, hasher.hash("correct horse"));
  ASSERT_FALSE(phc);
  EXPECT_EQ(phc.error(), HashError::overloaded);
  auto match = run_awaitable(io, hasher.verify("correct horse", hasher.dummy_hash()));
  ASSERT_FALSE(match);
  EXPECT_EQ(match.error(), HashError::overloaded);
  EXPECT_EQ(hasher.hashes_run(), 0u);
  EXPECT_EQ(hasher.verifications_run(), 0u);
}

}  // namespace
}  // namespace vestibule::security
