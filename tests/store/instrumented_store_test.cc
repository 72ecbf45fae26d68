// store::InstrumentedStore's own checks (the contract suite also runs through it, on SQLite:
// contract_fixture.h): each call is timed under its operation's name, the store failing counts
// an error, a domain answer does not, and what it wraps answers as before.

#include "store/instrumented_store.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "contract_fixture.h"
#include "metrics/store_metrics.h"
#include "store/open.h"
#include "support/metric_value.h"
#include "support/redis_server.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"

namespace vestibule::store {
namespace {

using testing::metric_samples;
using testing::metric_value;

class InstrumentedStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(const std::string& url, const std::string& backend) {
    OpenOptions options;
    options.executor = io_.get_executor();
    metrics_ = std::make_unique<metrics::StoreMetrics>(registry_, backend);
    return instrument(open_store(url, options).value(), *metrics_);
  }
  std::unique_ptr<Store> open_sqlite() {
    std::unique_ptr<Store> store = open("sqlite:" + (dir_.path() / "vestibule.db").string(), "sqlite");
    EXPECT_TRUE(run(store->prepare()));
    return store;
  }

  template <typename T>
  T run(Task<T> task) {
    return run_awaitable(io_, std::move(task));
  }

  std::optional<double> errors(const std::string& backend, const std::string& op) const {
    return metric_value(registry_, "vestibule_store_errors_total", {{"backend", backend}, {"operation", op}});
  }
  std::optional<std::uint64_t> timed(const std::string& backend, const std::string& op) const {
    return metric_samples(registry_, "vestibule_store_operation_duration_seconds",
                          {{"backend", backend}, {"operation", op}});
  }

  boost::asio::io_context io_;  // first: outlives the stores
  prometheus::Registry registry_;
  std::unique_ptr<metrics::StoreMetrics> metrics_;
  support::TempDir dir_{"instrumented"};
};

TEST_F(InstrumentedStoreTest, MakesTheSeriesOfEveryOperationUpFront) {
  std::unique_ptr<Store> store = open_sqlite();
  for (const char* name : InstrumentedStore::kOperationNames) {
    EXPECT_EQ(errors("sqlite", name), 0.0) << name;
    EXPECT_EQ(timed("sqlite", name), 0u) << name;
  }
  EXPECT_EQ(timed("sqlite", "prepare"), std::nullopt) << "prepare is forwarded untimed";
}

TEST_F(InstrumentedStoreTest, ForwardsBackupsToTheStoreItWraps) {
  std::unique_ptr<Store> store = open_sqlite();
  ASSERT_TRUE(store->supports_backup());
  const auto copy = dir_.path() / "copy.db";
  Result<std::uint64_t> bytes = run(store->backup(copy.string()));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, std::filesystem::file_size(copy));
  EXPECT_EQ(timed("sqlite", "backup"), 1u);
}

TEST_F(InstrumentedStoreTest, ADomainAnswerIsTimedButIsNoError) {
  std::unique_ptr<Store> store = open_sqlite();
  EXPECT_TRUE(fails_with(run(store->find_account("nobody")), Error::not_found));
  EXPECT_EQ(timed("sqlite", "find_account"), 1u);
  EXPECT_EQ(errors("sqlite", "find_account"), 0.0);

  const Account a = make_account("id-1", "a@example.com");
  ASSERT_TRUE(run(store->create_account(a, {})));
  Account same_email = make_account("id-2", "a@example.com");
  EXPECT_TRUE(fails_with(run(store->create_account(same_email, {})), Error::email_taken));
  EXPECT_TRUE(fails_with(run(store->create_account(a, {})), Error::id_taken));
  EXPECT_EQ(timed("sqlite", "create_account"), 3u);
  EXPECT_EQ(errors("sqlite", "create_account"), 0.0);

  // The base's helper counts as the operation it calls.
  EXPECT_TRUE(fails_with(run(store->find_account_by_session("no-such-digest", kT0)), Error::not_found));
  EXPECT_EQ(timed("sqlite", "find_session"), 1u);
  EXPECT_EQ(errors("sqlite", "find_session"), 0.0);
  EXPECT_EQ(timed("sqlite", "find_account"), 1u) << "other operations untouched";

  Result<Account> found = run(store->find_account("id-1"));
  ASSERT_TRUE(found);
  expect_same_account(*found, a);
  EXPECT_EQ(store->connected(), std::nullopt) << "SQLite keeps no connection";
}

TEST_F(InstrumentedStoreTest, AStoreThatFailsCountsAnErrorForThatOperation) {
  // Nothing listens on the port: every operation fails with Error::unavailable.
  const unsigned short port = testing::free_loopback_port();
  std::unique_ptr<Store> store = open("redis://127.0.0.1:" + std::to_string(port) + "/0", "redis");
  EXPECT_TRUE(fails_with(run(store->find_account("id-1")), Error::unavailable));
  EXPECT_TRUE(fails_with(run(store->ping()), Error::unavailable));
  EXPECT_EQ(timed("redis", "find_account"), 1u);
  EXPECT_EQ(errors("redis", "find_account"), 1.0);
  EXPECT_EQ(errors("redis", "ping"), 1.0);
  EXPECT_EQ(errors("redis", "find_session"), 0.0);
  EXPECT_EQ(store->connected(), false) << "forwarded to the Redis store";
}

TEST_F(InstrumentedStoreTest, WithoutMetricsTheStoreIsLeftAsItIs) {
  OpenOptions options;
  options.executor = io_.get_executor();
  std::unique_ptr<Store> plain = open_store("sqlite:" + (dir_.path() / "plain.db").string(), options).value();
  Store* const raw = plain.get();
  std::unique_ptr<Store> same = instrument(std::move(plain), static_cast<metrics::StoreMetrics*>(nullptr));
  EXPECT_EQ(same.get(), raw);
  EXPECT_EQ(dynamic_cast<InstrumentedStore*>(same.get()), nullptr);
}

}  // namespace
}  // namespace vestibule::store
