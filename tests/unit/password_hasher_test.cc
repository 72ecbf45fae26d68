#include "security/password_hasher.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sodium.h>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include "metrics/hash_metrics.h"
#include "security/phc_string.h"
#include "support/metric_value.h"
#include "support/pooled_hasher.h"
#include "support/run_awaitable.h"
#include "util/worker_pool.h"

namespace vestibule::security {
namespace {

using testing::PooledHasher;
using testing::run_awaitable;

// Tiny argon2id parameters: the tests check behaviour, not cost.
constexpr HashParams kSmall{.memory_kib = 1024, .iterations = 1};
constexpr HashParams kMoreMemory{.memory_kib = 2048, .iterations = 1};
constexpr HashParams kMoreIterations{.memory_kib = 1024, .iterations = 2};
constexpr HashParams kSmallArgon2{.memory_kib = 1024, .iterations = 1, .engine = HashEngine::argon2};

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

// A real argon2id string of `password` made by libsodium alone, bypassing the service's bounds.
std::string sodium_hash_with(std::string_view password, unsigned long long passes, std::size_t memory_bytes) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), passes, memory_bytes, crypto_pwhash_ALG_ARGON2ID13) !=
      0) {
    ADD_FAILURE() << "libsodium could not hash";
    return {};
  }
  return out;
}

TEST(VerifyNow, RefusesAStoredHashAskingForMorePassesThanTheBoundWithEitherEngine) {
  // 17 passes over 8 KiB: cheap, and a match as far as libsodium is concerned.
  const std::string phc = sodium_hash_with("correct horse", kMaxIterations + 1, 8 * 1024);
  ASSERT_EQ(crypto_pwhash_str_verify(phc.c_str(), "correct horse", 13), 0) << "libsodium alone accepts it";
  EXPECT_FALSE(parse_phc(phc)) << phc;
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", phc, HashEngine::sodium));
  EXPECT_FALSE(PasswordHasher::verify_now("correct horse", phc, HashEngine::argon2));
  // At the bound it verifies.
  const std::string at_bound = sodium_hash_with("correct horse", kMaxIterations, 8 * 1024);
  EXPECT_TRUE(PasswordHasher::verify_now("correct horse", at_bound, HashEngine::sodium));
}

TEST(VerifyNow, RefusesAnOversizedMemoryCostBeforeAllocating) {
  // A well-formed string asking 4 GiB: what libsodium would try to allocate and fill.
  const std::string phc = sodium_hash_with("correct horse", 1, 8 * 1024);
  ASSERT_TRUE(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << phc;
  const std::string salt_and_hash = phc.substr(std::string_view("$argon2id$v=19$m=8,t=1,p=1$").size());
  const std::string huge = "$argon2id$v=19$m=4194304,t=1,p=1$" + salt_and_hash;
  EXPECT_FALSE(parse_phc(huge));
  const auto started = std::chrono::steady_clock::now();
  for (HashEngine engine : {HashEngine::sodium, HashEngine::argon2}) {
    EXPECT_FALSE(PasswordHasher::verify_now("correct horse", huge, engine));
  }
  // No match at no cost: far below what filling 4 GiB takes.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  // Just past the 256 MiB bound too.
  EXPECT_FALSE(parse_phc("$argon2id$v=19$m=262145,t=1,p=1$" + salt_and_hash));
  EXPECT_TRUE(parse_phc("$argon2id$v=19$m=262144,t=1,p=1$" + salt_and_hash));
}

TEST(HashBounds, AreAtMost256MiBAnd16Passes) {
  EXPECT_EQ(kMaxMemoryKib, 256u * 1024);
  EXPECT_EQ(kMaxIterations, 16u);
}

TEST(NeedsRehash, IsFalseForTheConfiguredParameters) {
  PooledHasher hasher(options_with(kSmall));
  EXPECT_FALSE(hasher.needs_rehash(PasswordHasher::hash_now("correct horse", kSmall)));
  EXPECT_FALSE(hasher.needs_rehash(hasher.dummy_hash()));
}

TEST(NeedsRehash, IsTrueForOtherParameters) {
  PooledHasher hasher(options_with(kSmall));
  EXPECT_TRUE(hasher.needs_rehash(PasswordHasher::hash_now("correct horse", kMoreMemory)));
  EXPECT_TRUE(hasher.needs_rehash(PasswordHasher::hash_now("correct horse", kMoreIterations)));
}

TEST(NeedsRehash, IsTrueForMalformedHash) {
  PooledHasher hasher(options_with(kSmall));
  EXPECT_TRUE(hasher.needs_rehash(""));
  EXPECT_TRUE(hasher.needs_rehash("not a hash"));
}

TEST(PasswordHasher, HashThenVerifyRoundTripsOnThePoolWithEitherEngine) {
  for (const HashParams& params : {kSmall, kSmallArgon2}) {
    SCOPED_TRACE(params.engine == HashEngine::argon2 ? "libargon2" : "libsodium");
    boost::asio::io_context io;  // outlives the hasher's pool
    PooledHasher hasher(options_with(params));
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
}

TEST(PasswordHasher, VerifyOfMalformedPhcIsNoMatch) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PooledHasher hasher(options_with(kSmall));
  auto match = run_awaitable(io, hasher.verify("correct horse", "$argon2id$garbage"));
  ASSERT_TRUE(match);
  EXPECT_FALSE(*match);
}

TEST(PasswordHasher, DummyHashUsesTheConfiguredParametersAndMatchesNoGuess) {
  PooledHasher hasher(options_with(kSmall));
  EXPECT_TRUE(hasher.dummy_hash().starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << hasher.dummy_hash();
  EXPECT_FALSE(PasswordHasher::verify_now("", hasher.dummy_hash()));
  EXPECT_FALSE(PasswordHasher::verify_now("password", hasher.dummy_hash()));
}

TEST(PasswordHasher, CountsVerificationsAndHashes) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PooledHasher hasher(options_with(kSmall));
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

TEST(HashNow, EitherEngineWritesTheSameKindOfString) {
  const std::string sodium = PasswordHasher::hash_now("correct horse", kSmall);
  const std::string argon2 = PasswordHasher::hash_now("correct horse", kSmallArgon2);
  EXPECT_TRUE(argon2.starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << argon2;
  EXPECT_EQ(argon2.size(), sodium.size()) << argon2 << " vs " << sodium;
}

TEST(VerifyNow, EachEngineReadsTheOthersHashes) {
  const std::string sodium = PasswordHasher::hash_now("correct horse", kSmall);
  const std::string argon2 = PasswordHasher::hash_now("correct horse", kSmallArgon2);
  for (HashEngine engine : {HashEngine::sodium, HashEngine::argon2}) {
    EXPECT_TRUE(PasswordHasher::verify_now("correct horse", sodium, engine));
    EXPECT_TRUE(PasswordHasher::verify_now("correct horse", argon2, engine));
    EXPECT_FALSE(PasswordHasher::verify_now("correct horsf", sodium, engine));
    EXPECT_FALSE(PasswordHasher::verify_now("correct horsf", argon2, engine));
  }
}

TEST(VerifyNow, Argon2EngineTreatsMalformedPhcAsNoMatch) {
  const std::string phc = PasswordHasher::hash_now("correct horse", kSmallArgon2);
  for (const std::string& bad : {std::string(), std::string("not a hash"),
                                 std::string("$argon2id$v=19$m=1024,t=1,p=1$garbage"), phc.substr(0, phc.size() - 5),
                                 std::string("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW")}) {
    EXPECT_FALSE(PasswordHasher::verify_now("correct horse", bad, HashEngine::argon2)) << bad;
  }
}

TEST(NeedsRehash, AnswersTheSameForEitherEnginesHash) {
  for (HashEngine configured : {HashEngine::sodium, HashEngine::argon2}) {
    PooledHasher hasher(options_with({.memory_kib = 1024, .iterations = 1, .engine = configured}));
    for (HashEngine engine : {HashEngine::sodium, HashEngine::argon2}) {
      auto made_by = [engine](std::uint32_t memory_kib, std::uint32_t iterations) {
        return PasswordHasher::hash_now("x", {.memory_kib = memory_kib, .iterations = iterations, .engine = engine});
      };
      EXPECT_FALSE(hasher.needs_rehash(made_by(1024, 1)));
      EXPECT_TRUE(hasher.needs_rehash(made_by(2048, 1)));
      EXPECT_TRUE(hasher.needs_rehash(made_by(1024, 2)));
    }
  }
}

TEST(PasswordHasher, Argon2EngineReadsAndWritesLibsodiumsStringsOnThePool) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PooledHasher hasher(options_with(kSmallArgon2));
  auto phc = run_awaitable(io, hasher.hash("correct horse"));
  ASSERT_TRUE(phc);
  EXPECT_TRUE(PasswordHasher::verify_now("correct horse", *phc, HashEngine::sodium)) << *phc;
  // A hash libsodium made before the engine was switched still logs in.
  auto old = run_awaitable(io, hasher.verify("correct horse", PasswordHasher::hash_now("correct horse", kSmall)));
  ASSERT_TRUE(old);
  EXPECT_TRUE(*old);
  auto junk = run_awaitable(io, hasher.verify("correct horse", *phc + "$"));
  ASSERT_TRUE(junk);
  EXPECT_FALSE(*junk);
  EXPECT_EQ(hasher.hashes_run(), 1u);
  EXPECT_EQ(hasher.verifications_run(), 2u);
}

TEST(PasswordHasher, Argon2EngineMakesADummyHashBothEnginesRead) {
  PooledHasher hasher(options_with(kSmallArgon2));
  EXPECT_TRUE(hasher.dummy_hash().starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << hasher.dummy_hash();
  EXPECT_FALSE(hasher.needs_rehash(hasher.dummy_hash()));
  EXPECT_FALSE(PasswordHasher::verify_now("", hasher.dummy_hash(), HashEngine::argon2));
  // Well-formed for libsodium too: the parse succeeds, only the password differs.
  EXPECT_EQ(crypto_pwhash_str_needs_rehash(hasher.dummy_hash().c_str(), 1, 1024 * 1024), 0);
}

TEST(PasswordHasher, ReportsOverloadedWhenThePoolRefusesWork) {
  // No queue at all: every job is refused, without blocking or running it.
  boost::asio::io_context io;  // outlives the hasher's pool
  PooledHasher hasher(HasherOptions{.params = kSmall, .threads = 1, .max_queued = 0});
  auto phc = run_awaitable(io, hasher.hash("correct horse"));
  ASSERT_FALSE(phc);
  EXPECT_EQ(phc.error(), HashError::overloaded);
  auto match = run_awaitable(io, hasher.verify("correct horse", hasher.dummy_hash()));
  ASSERT_FALSE(match);
  EXPECT_EQ(match.error(), HashError::overloaded);
  EXPECT_EQ(hasher.hashes_run(), 0u);
  EXPECT_EQ(hasher.verifications_run(), 0u);
}

TEST(PasswordHasher, AReservationHoldsAQueueSlotForOneVerification) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PooledHasher hasher(HasherOptions{.params = kSmall, .threads = 1, .max_queued = 1});
  std::optional<PasswordHasher::Reservation> slot = hasher.reserve();
  ASSERT_TRUE(slot);
  EXPECT_FALSE(hasher.reserve()) << "a queue of one";
  auto refused = run_awaitable(io, hasher.verify("correct horse", hasher.dummy_hash()));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), HashError::overloaded);
  auto verified = run_awaitable(io, hasher.verify(std::move(*slot), "correct horse", hasher.dummy_hash()));
  ASSERT_TRUE(verified);
  EXPECT_FALSE(*verified);
  EXPECT_EQ(hasher.verifications_run(), 1u);
  EXPECT_TRUE(hasher.reserve()) << "the slot is free again";
}

TEST(PasswordHasher, AStoppedPoolRefusesEveryLaterJobEvenInAReservedSlot) {
  boost::asio::io_context io;  // outlives the hasher's pool
  PooledHasher hasher(options_with(kSmall));
  std::optional<PasswordHasher::Reservation> slot = hasher.reserve();
  ASSERT_TRUE(slot);
  EXPECT_EQ(hasher.pool().drop_queued(), 0u);
  EXPECT_FALSE(hasher.reserve());
  auto hashed = run_awaitable(io, hasher.hash("correct horse"));
  ASSERT_FALSE(hashed);
  EXPECT_EQ(hashed.error(), HashError::overloaded);
  auto in_slot = run_awaitable(io, hasher.verify(std::move(*slot), "correct horse", hasher.dummy_hash()));
  ASSERT_FALSE(in_slot);
  EXPECT_EQ(in_slot.error(), HashError::overloaded);
  EXPECT_EQ(hasher.hashes_run(), 0u);
  EXPECT_EQ(hasher.verifications_run(), 0u);
  EXPECT_EQ(hasher.pool().queued(), 0u);
  EXPECT_EQ(hasher.pool().active(), 0u);
}

// The hasher's metrics, read back: observations of the wait and of each operation, rejections.
struct HashCounts {
  std::uint64_t waits, hashes, verifies;
  double rejections;
  bool operator==(const HashCounts&) const = default;
};
std::ostream& operator<<(std::ostream& os, const HashCounts& c) {
  return os << "{waits " << c.waits << ", hashes " << c.hashes << ", verifies " << c.verifies << ", rejections "
            << c.rejections << "}";
}
HashCounts hash_counts(const prometheus::Registry& r) {
  using testing::metric_samples;
  return HashCounts{metric_samples(r, "vestibule_hash_wait_seconds").value(),
                    metric_samples(r, "vestibule_hash_duration_seconds", {{"operation", "hash"}}).value(),
                    metric_samples(r, "vestibule_hash_duration_seconds", {{"operation", "verify"}}).value(),
                    testing::metric_value(r, "vestibule_hash_rejections_total").value()};
}

TEST(PasswordHasher, RecordsWaitAndDurationOfEachJobIntoItsMetrics) {
  boost::asio::io_context io;  // outlives the pool
  prometheus::Registry registry;
  metrics::HashMetrics metrics(registry);  // outlives the pool's jobs
  util::WorkerPool pool(hash_pool_options(options_with(kSmall)));
  PasswordHasher hasher(pool, kSmall, &metrics);
  EXPECT_EQ(hash_counts(registry), (HashCounts{0, 0, 0, 0})) << "the dummy hash is not a job";

  const std::string phc = run_awaitable(io, hasher.hash("correct horse")).value();
  EXPECT_EQ(hash_counts(registry), (HashCounts{1, 1, 0, 0}));
  EXPECT_TRUE(run_awaitable(io, hasher.verify("correct horse", phc)).value());
  EXPECT_EQ(hash_counts(registry), (HashCounts{2, 1, 1, 0}));
  std::optional<PasswordHasher::Reservation> slot = hasher.reserve();
  ASSERT_TRUE(slot);
  EXPECT_FALSE(run_awaitable(io, hasher.verify(std::move(*slot), "wrong", phc)).value());
  EXPECT_EQ(hash_counts(registry), (HashCounts{3, 1, 2, 0}));
}

TEST(PasswordHasher, CountsEveryRefusedJobAsARejection) {
  boost::asio::io_context io;  // outlives the pool
  prometheus::Registry registry;
  metrics::HashMetrics metrics(registry);
  // No queue at all: every job is refused, deterministically, without blocking the pool.
  util::WorkerPool pool(hash_pool_options(HasherOptions{.params = kSmall, .threads = 1, .max_queued = 0}));
  PasswordHasher hasher(pool, kSmall, &metrics);
  EXPECT_EQ(run_awaitable(io, hasher.hash("correct horse")).error(), HashError::overloaded);
  EXPECT_EQ(run_awaitable(io, hasher.verify("correct horse", hasher.dummy_hash())).error(), HashError::overloaded);
  EXPECT_EQ(hash_counts(registry), (HashCounts{0, 0, 0, 2}));
  // A login's slot (Throttle takes one before it counts a guess): refused, so a 503 too.
  EXPECT_FALSE(hasher.reserve());
  EXPECT_EQ(hash_counts(registry), (HashCounts{0, 0, 0, 3}));
}

TEST(PasswordHasher, CountsAJobRefusedByAStoppedPoolAsARejection) {
  boost::asio::io_context io;  // outlives the pool
  prometheus::Registry registry;
  metrics::HashMetrics metrics(registry);
  util::WorkerPool pool(hash_pool_options(options_with(kSmall)));
  PasswordHasher hasher(pool, kSmall, &metrics);
  std::optional<PasswordHasher::Reservation> slot = hasher.reserve();
  ASSERT_TRUE(slot);
  pool.drop_queued();  // shutting down
  EXPECT_EQ(run_awaitable(io, hasher.verify(std::move(*slot), "correct horse", hasher.dummy_hash())).error(),
            HashError::overloaded);
  EXPECT_EQ(hash_counts(registry), (HashCounts{0, 0, 0, 1}));
}

// The nice value of this process's thread named `name`, read from /proc (field 19 of stat).
std::optional<int> nice_of_thread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm != name) continue;
    std::string stat;
    std::getline(std::ifstream(task.path() / "stat"), stat);
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // from field 3 (state) on
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) return std::stoi(field);
    }
  }
  return std::nullopt;
}

TEST(PasswordHasher, HashingThreadsRunAtTheConfiguredNiceValue) {
  const int base = getpriority(PRIO_PROCESS, 0);
  for (const int nice : {19, 7}) {
    boost::asio::io_context io;
    HasherOptions options = options_with(kSmall);
    options.nice = nice;
    PooledHasher hasher(options);
    ASSERT_TRUE(run_awaitable(io, hasher.hash("correct horse")));  // the thread has started
    EXPECT_EQ(nice_of_thread("hash-0"), std::min(19, base + nice)) << "nice " << nice;
  }
}

TEST(PasswordHasher, LowestPriorityIsTheDefault) { EXPECT_EQ(HasherOptions{}.nice, 19); }

TEST(HashPoolOptions, AreTheHasherOptionsPoolSizingUnderTheNameHash) {
  const util::WorkerPoolOptions pool = hash_pool_options({.params = kSmall, .threads = 3, .max_queued = 5, .nice = 7});
  EXPECT_EQ(pool.threads, 3u);
  EXPECT_EQ(pool.max_queued, 5u);
  EXPECT_EQ(pool.nice_increment, 7);
  EXPECT_EQ(pool.name, "hash");
}

TEST(PasswordHasher, RunsOnThePoolItIsGivenAndStopsWithIt) {
  boost::asio::io_context io;  // outlives the pool
  util::WorkerPool pool(hash_pool_options(options_with(kSmall)));
  PasswordHasher hasher(pool, kSmall);
  ASSERT_TRUE(run_awaitable(io, hasher.hash("correct horse")));
  // The pool's owner stopping it (as the application does at shutdown) stops the hasher.
  EXPECT_EQ(pool.drop_queued(), 0u);
  EXPECT_FALSE(hasher.reserve());
  auto refused = run_awaitable(io, hasher.verify("correct horse", hasher.dummy_hash()));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), HashError::overloaded);
  EXPECT_EQ(hasher.hashes_run(), 1u);
  EXPECT_EQ(hasher.verifications_run(), 0u);
}

}  // namespace
}  // namespace vestibule::security
