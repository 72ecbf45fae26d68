// The Redis store's data version (redis/migrations.h), against the suite's private redis-server:
// a fresh keyspace gets the current version, a newer one is refused, and data laid out by the
// previous release (written here with raw commands, as that release wrote it) is upgraded.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "shared_redis.h"
#include "store/open.h"
#include "store/redis/redis_client.h"
#include "store/store.h"
#include "support/run_awaitable.h"
#include "test_email_key.h"

namespace vestibule::store {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0{4'102'444'800'123ms};  // 2100-01-01T00:00:00.123Z, as in the contract suite

class RedisStoreTest : public ::testing::Test {
 protected:
  RedisStoreTest() : prefix_(fresh_redis_prefix("data")) {
    log_ = std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    redis::ClientOptions client;
    client.port = std::to_string(shared_redis().port());
    raw_ = std::make_shared<redis::RedisClient>(io_.get_executor(), client);
  }
  ~RedisStoreTest() override { raw_->close(); }

  template <typename T>
  T run(Task<T> task) {
    return testing::run_awaitable(io_, std::move(task));
  }

  // One raw command under this test's prefix ("P" in a key is replaced by it).
  redis::Reply raw(std::vector<std::string> args) {
    for (auto& a : args) {
      if (a.starts_with("P:")) a = prefix_ + a.substr(2);
    }
    Result<redis::Reply> reply = run(raw_->command(std::move(args)));
    if (!reply) throw std::runtime_error("redis did not answer");
    if (reply->is_error()) throw std::runtime_error(reply->str);
    return *reply;
  }

  std::unique_ptr<Store> open() {
    OpenOptions options;
    options.executor = io_.get_executor();
    options.redis_key_prefix = prefix_;
    options.email_key = test_email_key;
    options.logger = log_;
    return open_store(shared_redis().url(), options).value();
  }

  std::string logged() {
    log_->flush();
    return log_text_.str();
  }

  boost::asio::io_context io_;  // first: outlives the clients that use it
  std::string prefix_;

 private:
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<redis::RedisClient> raw_;
};

std::string ms(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

TEST_F(RedisStoreTest, AFreshKeyspaceGetsTheCurrentVersion) {
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "2");
  EXPECT_EQ(logged().find("event=store.migrated"), std::string::npos) << "nothing to migrate: " << logged();
}

TEST_F(RedisStoreTest, ANewerVersionIsRefused) {
  raw({"SET", "P:schema_version", "3"});
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message, "incompatible schema: Redis data version 3 is newer than this binary's 2; upgrade vestibule");
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "3") << "left as it was";
}

TEST_F(RedisStoreTest, AVersionThatIsNotANumberIsRefused) {
  raw({"SET", "P:schema_version", "banana"});
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message,
            "not Vestibule data: " + prefix_ + "schema_version holds 'banana', not a version number");
}

TEST_F(RedisStoreTest, UnreachableRedisIsReportedByPrepare) {
  OpenOptions options;
  options.executor = io_.get_executor();
  std::unique_ptr<Store> store =
      open_store("redis://127.0.0.1:" + std::to_string(testing::free_loopback_port()), options).value();
  auto prepared = run(store->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message, "cannot check the Redis data version: Redis did not answer (unavailable)");
}

// The previous release's layout (docs/redis.md before data versions): no version key, keys
// lower-cased, attempt counters bare INCR values with a TTL.
void write_version_1(const std::function<redis::Reply(std::vector<std::string>)>& raw) {
  auto account = [&](const std::string& id, const std::string& email, const std::string& key, TimePoint created) {
    raw({"HSET", "P:user:{" + id + "}", "id", id, "name", "Name of " + id, "email", email, "email_key", key,
         "password_hash", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(created), "updated_at",
         ms(created + 5s)});
    raw({"SET", "P:email:" + key, id});
  };
  account("acc-ann", "Ann@example.com", "ann@example.com", kT0);
  account("acc-upper", "STRASSE@example.de", "strasse@example.de", kT0 + 1s);                // older
  account("acc-sharp", "stra\u00dfe@example.de", "stra\u00dfe@example.de", kT0 + 2s);        // newer: same fold
  account("acc-sigma", "\u03c3\u03b1\u03c2@example.gr", "\u03c3\u03b1\u03c2@example.gr", kT0);
  const TimePoint expires = kT0 + 1h;
  raw({"SET", "P:session:digest-sharp", "acc-sharp " + ms(expires), "PXAT", ms(expires)});
  raw({"ZADD", "P:user:{acc-sharp}:sessions", ms(expires), "digest-sharp"});
  raw({"SET", "P:attempts:login:account:acc-ann", "3", "PX", "600000"});
}

TEST_F(RedisStoreTest, Version1DataIsUpgradedInPlace) {
  write_version_1([this](std::vector<std::string> args) { return raw(std::move(args)); });
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "2");

  Result<Account> ann = run(store->find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->created_at, kT0);
  Result<Account> sigma = run(store->find_account_by_email("\u03c3\u03b1\u03c3@example.gr"));
  ASSERT_TRUE(sigma) << "re-keyed by the new function";
  EXPECT_EQ(sigma->id, "acc-sigma");
  EXPECT_EQ(sigma->email_key, "\u03c3\u03b1\u03c3@example.gr");
  EXPECT_EQ(raw({"EXISTS", "P:email:\u03c3\u03b1\u03c2@example.gr"}).integer, 0) << "the old index entry is gone";

  Result<Account> holder = run(store->find_account_by_email("strasse@example.de"));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->id, "acc-upper") << "the older account takes the key";
  Result<Account> placeholder = run(store->find_account_by_email("conflict:acc-sharp"));
  ASSERT_TRUE(placeholder);
  EXPECT_EQ(placeholder->id, "acc-sharp");
  EXPECT_EQ(placeholder->email_key, "conflict:acc-sharp");
  EXPECT_EQ(raw({"EXISTS", "P:email:stra\u00dfe@example.de"}).integer, 0);
  Result<Account> by_session = run(store->find_account_by_session("digest-sharp", kT0));
  ASSERT_TRUE(by_session) << "its sessions still work";
  EXPECT_EQ(by_session->id, "acc-sharp");
  const std::string log = logged();
  EXPECT_NE(log.find("event=store.email_key_conflict account_id=acc-sharp holder_account_id=acc-upper"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("example.de"), std::string::npos) << "no address in the log: " << log;

  Account twin{"acc-new", "n", "x", "strasse@example.de", "h", kT0, kT0};
  Result<void> duplicate = run(store->create_account(twin, {}));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error(), Error::email_taken);

  // A version-1 counter keeps counting: its window ends when its TTL runs out.
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  Result<Attempts> counted = run(store->add_attempt("login:account:acc-ann", now, 60s));
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->count, 4u);
  EXPECT_GT(counted->window_ends, now + 590s);
  EXPECT_LE(counted->window_ends, now + 600s);
}

// The older account's new key is the one the newer account holds under version 1: the holder
// must take over an entry another account is giving up. Also after an interruption between the
// two steps (every old entry freed, nothing claimed yet, the version still 1): the next start
// completes the re-key.
class RedisRekeyTest : public RedisStoreTest, public ::testing::WithParamInterface<bool> {};

TEST_P(RedisRekeyTest, TheOlderAccountTakesTheKeyTheNewerOneHeld) {
  const bool interrupted = GetParam();
  auto account = [&](const std::string& id, const std::string& email, const std::string& key, TimePoint created) {
    raw({"HSET", "P:user:{" + id + "}", "id", id, "name", "n", "email", email, "email_key", key, "password_hash",
         "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(created), "updated_at", ms(created)});
    if (!interrupted) raw({"SET", "P:email:" + key, id});
  };
  account("acc-old", "stra\u00dfe@example.de", "stra\u00dfe@example.de", kT0);
  account("acc-new", "STRASSE@example.de", "strasse@example.de", kT0 + 1s);
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;

  Result<Account> holder = run(store->find_account_by_email("strasse@example.de"));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->id, "acc-old");
  EXPECT_EQ(holder->email_key, "strasse@example.de");
  Result<Account> placeholder = run(store->find_account_by_email("conflict:acc-new"));
  ASSERT_TRUE(placeholder);
  EXPECT_EQ(placeholder->id, "acc-new");
  EXPECT_EQ(raw({"EXISTS", "P:email:stra\u00dfe@example.de"}).integer, 0);
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "2");
}

INSTANTIATE_TEST_SUITE_P(Rekey, RedisRekeyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("InterruptedBetweenTheSteps") : std::string("InOneRun");
                         });

// Stores log where they are told (OpenOptions::logger), or nowhere: never through spdlog's global
// default logger, which belongs to whoever embeds the store.
TEST(StoreLogging, GoesToTheGivenLoggerAndNeverToTheGlobalDefault) {
  std::ostringstream global_text;
  std::ostringstream given_text;
  const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("global", std::make_shared<spdlog::sinks::ostream_sink_mt>(global_text)));
  auto given = std::make_shared<spdlog::logger>("given", std::make_shared<spdlog::sinks::ostream_sink_mt>(given_text));
  const std::string url = "redis://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  boost::asio::io_context io;
  {
    OpenOptions options;
    options.executor = io.get_executor();
    options.logger = given;
    std::unique_ptr<Store> store = open_store(url, options).value();
    EXPECT_FALSE(testing::run_awaitable(io, store->ping()));
  }
  {
    OpenOptions options;  // no logger: nothing is written anywhere
    options.executor = io.get_executor();
    std::unique_ptr<Store> store = open_store(url, options).value();
    EXPECT_FALSE(testing::run_awaitable(io, store->ping()));
  }
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);
  given->flush();
  EXPECT_NE(given_text.str().find("redis: cannot connect to 127.0.0.1:"), std::string::npos) << given_text.str();
  EXPECT_EQ(global_text.str(), "");
}

}  // namespace
}  // namespace vestibule::store
