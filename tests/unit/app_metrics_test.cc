// App::build's metrics wiring: at each scrape the queue gauges of the SQLite store's worker
// threads and of the courier's delivery threads are read off those pools, as the hashing pool's
// are (a SQLite store in a temporary directory, mail to a loopback server that never answers).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "support/exposition.h"
#include "support/smtp_server.h"
#include "support/temp_dir.h"

namespace vestibule::app {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kStoreQueued = R"(vestibule_store_queue_depth{backend="sqlite"})";
constexpr const char* kStoreActive = R"(vestibule_store_active{backend="sqlite"})";
constexpr const char* kMailQueued = "vestibule_mail_delivery_queue_depth";
constexpr const char* kMailActive = "vestibule_mail_delivery_active";

// This test's own connection to the store's file, to hold its write lock (same process: the
// exclusive file lock does not keep it out).
class Blocker {
 public:
  explicit Blocker(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, "unix-excl") != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
  }
  ~Blocker() { sqlite3_close_v2(db_); }
  Blocker(const Blocker&) = delete;
  Blocker& operator=(const Blocker&) = delete;
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sql);
  }

 private:
  sqlite3* db_ = nullptr;
};

class AppMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Settings s;
    s.store_url = "sqlite:" + db_path();
    s.common_passwords = "";
    s.metrics_listen = "127.0.0.1:0";  // metrics on; App::build listens nowhere itself
    s.io_threads = 1;
    s.store.threads = 1;
    s.hasher.threads = 1;
    s.mail.url = "smtp://127.0.0.1:" + std::to_string(smtp_.port());
    s.mail.delivery_threads = 1;
    s.mail.poll_interval = 20ms;
    s.mail.connect_timeout = 30s;
    s.mail.send_timeout = 30s;
    s.mail.stop_timeout = 200ms;
    auto built = App::build(s, io_.get_executor(), loggers_);
    ASSERT_TRUE(built) << built.error().message;
    app_ = std::move(*built);
    ASSERT_NE(app_->metrics(), nullptr);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (app_) call(app_->courier().stop());
    app_.reset();
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
  }

  std::string db_path() const { return (dir_.path() / "vestibule.db").string(); }

  template <typename T>
  T call(net::awaitable<T> task) {
    auto done = net::co_spawn(io_, std::move(task), net::use_future);
    if (done.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "a call took more than 20 s";
      std::abort();  // the task still references the test's objects
    }
    return done.get();
  }

  std::map<std::string, double> scrape() { return ::vestibule::testing::series_values(app_->metrics()->scrape()); }

  // Scrapes until `ready(values)` or `timeout` passes; the last scrape.
  std::map<std::string, double> scrape_until(const std::function<bool(const std::map<std::string, double>&)>& ready,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto values = scrape();
    while (!ready(values) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);  // polling a real condition under a deadline
      values = scrape();
    }
    return values;
  }

  support::TempDir dir_{"app-metrics"};
  ::vestibule::testing::SilentListener smtp_;
  net::io_context io_;  // before the app: outlives it
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  Loggers loggers_{"off"};
  std::unique_ptr<App> app_;
  std::thread io_thread_;
};

TEST_F(AppMetricsTest, TheScrapeShowsTheStoreWorkersQueue) {
  auto idle = scrape();
  EXPECT_EQ(idle.at(kStoreQueued), 0);
  EXPECT_EQ(idle.at(kStoreActive), 0);

  // The one store thread waits for the lock with the first write; two more wait for the thread.
  Blocker blocker(db_path());
  blocker.exec("BEGIN IMMEDIATE");
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now());
  std::vector<std::future<store::Result<store::Attempts>>> writes;
  for (int i = 0; i < 3; ++i) {
    writes.push_back(net::co_spawn(io_, app_->store().add_attempt("k" + std::to_string(i), now, 60s), net::use_future));
  }
  const auto busy = scrape_until([](const auto& v) { return v.at(kStoreActive) == 1 && v.at(kStoreQueued) == 2; },
                                 4s);  // within the store's 5 s busy timeout
  EXPECT_EQ(busy.at(kStoreActive), 1);
  EXPECT_EQ(busy.at(kStoreQueued), 2);

  blocker.exec("COMMIT");
  for (auto& w : writes) {
    ASSERT_EQ(w.wait_for(10s), std::future_status::ready) << "a write never completed";
    EXPECT_TRUE(w.get());
  }
  const auto after = scrape_until([](const auto& v) { return v.at(kStoreActive) == 0; }, 5s);
  EXPECT_EQ(after.at(kStoreActive), 0);
  EXPECT_EQ(after.at(kStoreQueued), 0);
}

TEST_F(AppMetricsTest, TheScrapeShowsTheCouriersSendsRunning) {
  auto idle = scrape();
  EXPECT_EQ(idle.at(kMailQueued), 0);
  EXPECT_EQ(idle.at(kMailActive), 0);

  // One message, queued as the effect of a new account, to a server that never answers.
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now());
  store::Effects effects;
  store::OutboxMessage m;
  m.id = "msg-1";
  m.kind = "reset_password";
  m.recipient = "ann@example.com";
  m.params = {{"name", "Ann"}, {"token", "TOKEN"}, {"expires_in", "3600"}};
  m.created_at = now;
  effects.mail.push_back(std::move(m));
  store::Account account{"acct-1", "Ann", "ann@example.com", "ann@example.com",
                         "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", now, now};
  ASSERT_TRUE(call(app_->store().create_account(std::move(account), std::move(effects))));
  app_->courier().start();

  const auto sending = scrape_until([](const auto& v) { return v.at(kMailActive) == 1; }, 10s);
  EXPECT_EQ(sending.at(kMailActive), 1);
  EXPECT_EQ(sending.at(kMailQueued), 0);
}

}  // namespace
}  // namespace vestibule::app
