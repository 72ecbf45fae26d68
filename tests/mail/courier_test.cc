// The courier against a real SQLite store and a real SMTP server (aiosmtpd on loopback): every
// queued message delivered once, an outage ridden out, a refused recipient not holding up the
// others, backoff and giving up under a controlled clock, two couriers on one store.
#include "mail/courier.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sodium.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <set>
#include <thread>

#include "flaky_store.h"
#include "metrics/mail_metrics.h"
#include "store/open.h"
#include "support/metric_value.h"
#include "support/redis_server.h"
#include "support/smtp_server.h"
#include "support/temp_dir.h"

namespace vestibule::mail {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using testing::SmtpServer;
using testing::SmtpServerOptions;

class CourierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SmtpServer::available()) GTEST_SKIP() << "needs /usr/bin/python3 with aiosmtpd (Debian: python3-aiosmtpd)";
    store::OpenOptions options;
    options.executor = io_.get_executor();
    store_ = store::open_store("sqlite:" + (dir_.path() / "vestibule.db").string(), options).value();
    logger_->set_level(spdlog::level::trace);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    // Stopped before they go (also when a test failed half-way): the io_context still runs.
    for (auto& c : couriers_) call(c->stop());
    couriers_.clear();
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // Runs `task` on the io thread; fails the test instead of waiting more than 20 s.
  template <typename T>
  T call(net::awaitable<T> task) {
    auto done = net::co_spawn(io_, std::move(task), net::use_future);
    if (done.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "a store or courier call took more than 20 s";
      std::abort();  // the task still references the test's objects: no way to go on safely
    }
    return done.get();
  }

  MailOptions options(const std::string& url) {
    MailOptions o;
    o.url = url;
    o.public_url = "http://127.0.0.1:9443";
    o.poll_interval = 20ms;
    o.backoff_initial = 50ms;
    o.backoff_max = 200ms;
    o.max_attempts = 1000;
    o.connect_timeout = 2s;
    o.send_timeout = 5s;
    o.stop_timeout = 5s;
    return o;
  }

  Courier& courier(const MailOptions& o, Courier::Now now = {}, store::Store* through = nullptr) {
    auto made = Courier::create(io_.get_executor(), through ? *through : *store_, o, logger_, std::move(now));
    EXPECT_TRUE(made) << made.error();
    couriers_.push_back(std::move(*made));
    return *couriers_.back();
  }

  // Queues one message per recipient (kind reset_password) as the effects of a new account.
  std::vector<std::string> queue(const std::vector<std::string>& recipients, std::string kind = "reset_password") {
    std::vector<std::string> ids;
    store::Effects effects;
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now());
    for (const std::string& r : recipients) {
      store::OutboxMessage m;
      m.id = "msg-" + std::to_string(next_++);
      m.kind = kind;
      m.recipient = r;
      m.params = {{"name", "Ann"}, {"token", "TOKEN-" + m.id}, {"expires_in", "3600"}};
      m.created_at = now;
      ids.push_back(m.id);
      effects.mail.push_back(std::move(m));
    }
    const std::string n = std::to_string(next_++);
    store::Account account{"acct-" + n,
                           "Ann",
                           "ann" + n + "@example.com",
                           "ann" + n + "@example.com",
                           "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
                           now,
                           now};
    auto created = call(store_->create_account(std::move(account), std::move(effects)));
    EXPECT_TRUE(created) << store::to_string(created.error());
    return ids;
  }

  store::OutboxStats stats() { return call(store_->outbox_stats()).value(); }

  // Waits (bounded) until the outbox holds no queued message: everything sent or failed.
  void wait_until_outbox_settled(std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (stats().queued > 0) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "messages still queued after the deadline";
      std::this_thread::sleep_for(10ms);  // polling a real condition under a deadline
    }
  }

  // Waits (bounded) until the courier has logged `needle`: a real condition, polled.
  ::testing::AssertionResult logged(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (logs().find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return ::testing::AssertionFailure() << "never logged: " << needle << "\n" << logs();
      }
      std::this_thread::sleep_for(5ms);
    }
    return ::testing::AssertionSuccess();
  }

  std::string logs() {
    std::string out;
    for (const std::string& line : ring_->last_formatted()) out += line;
    return out;
  }

  // Log lines must never name a recipient, a token or a link.
  void expect_logs_hold_no_secrets() {
    const std::string text = logs();
    EXPECT_EQ(text.find("@example.com"), std::string::npos) << text;
    EXPECT_EQ(text.find("TOKEN-"), std::string::npos) << text;
    EXPECT_EQ(text.find("reset-password"), std::string::npos) << text;
  }

  static std::set<std::string> message_ids(const std::vector<testing::ReceivedMessage>& got) {
    std::set<std::string> ids;
    for (const auto& m : got) {
      const std::size_t at = m.content.find("Message-ID: <");
      ids.insert(m.content.substr(at + 13, m.content.find('@', at) - at - 13));
    }
    return ids;
  }

  support::TempDir dir_{"courier"};
  net::io_context io_;  // before the store and the couriers: outlives them
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> ring_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000);
  std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>("mail", ring_);
  std::vector<std::unique_ptr<Courier>> couriers_;
  std::thread io_thread_;
  int next_ = 1;
};

TEST_F(CourierTest, CreateNamesTheBadSetting) {
  MailOptions bad_url = options("smtp://u:hunter2@127.0.0.1");
  auto a = Courier::create(io_.get_executor(), *store_, bad_url, logger_);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("--mail-url"), std::string::npos) << a.error();
  EXPECT_EQ(a.error().find("hunter2"), std::string::npos) << a.error();
  MailOptions bad_from = options("file:/tmp/unused");
  bad_from.from = "Vestibule <nobody>";
  auto b = Courier::create(io_.get_executor(), *store_, bad_from, logger_);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().find("--mail-from"), std::string::npos) << b.error();
  MailOptions bad_templates = options("file:/tmp/unused");
  bad_templates.templates_dir = "/nonexistent/vestibule-templates";
  auto c = Courier::create(io_.get_executor(), *store_, bad_templates, logger_);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("--mail-templates"), std::string::npos) << c.error();
}

TEST_F(CourierTest, DeliversEveryQueuedMessageOnce) {
  SmtpServer server;
  const auto ids = queue({"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"});
  Courier& c = courier(options(server.url()));
  c.start();
  auto got = server.wait_for_messages(ids.size(), 20s);
  wait_until_outbox_settled();
  call(c.stop());
  got = server.received();
  ASSERT_EQ(got.size(), ids.size());
  EXPECT_EQ(message_ids(got), std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(stats().failed, 0u);
  // The link with its token reached the recipient, and only there.
  const auto& first = got.front();
  const std::size_t body = first.content.find("base64\r\n\r\n") + 10;
  const std::string b64 = first.content.substr(body, first.content.find("\r\n--", body) - body);
  std::string text(b64.size(), '\0');
  std::size_t len = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(text.data()), text.size(), b64.data(), b64.size(),
                              "\r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  text.resize(len);
  EXPECT_NE(text.find("http://127.0.0.1:9443/reset-password#token=TOKEN-msg-"), std::string::npos) << text;
  EXPECT_NE(logs().find("event=mail.sent message_id=msg-1 kind=reset_password attempts=1"), std::string::npos)
      << logs();
  expect_logs_hold_no_secrets();
}

TEST_F(CourierTest, RidesOutAnSmtpOutageAndDeliversEachMessageOnce) {
  const unsigned short port = testing::free_loopback_port();  // nothing listens yet
  const auto ids = queue({"a@example.com", "b@example.com", "c@example.com", "d@example.com"});
  Courier& c = courier(options("smtp://127.0.0.1:" + std::to_string(port)));
  c.start();
  // Some attempts fail first (logged as retries), then the server comes up on that port.
  ASSERT_TRUE(logged("event=mail.retry", 20s));
  SmtpServer server(SmtpServerOptions{.port = port});
  server.wait_for_messages(ids.size(), 20s);
  wait_until_outbox_settled();
  call(c.stop());
  const auto got = server.received();
  EXPECT_EQ(got.size(), ids.size());
  EXPECT_EQ(message_ids(got), std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(stats().failed, 0u);
  expect_logs_hold_no_secrets();
}

TEST_F(CourierTest, AnSmtpServerKilledAndRestartedGetsEveryMessageOnce) {
  SmtpServer server;
  Courier& c = courier(options(server.url()));
  c.start();
  auto ids = queue({"a@example.com", "b@example.com"});
  c.nudge();
  server.wait_for_messages(2, 20s);
  wait_until_outbox_settled();
  server.kill();  // SIGKILL: no goodbye, connections refused from now on
  const auto more = queue({"c@example.com", "d@example.com", "e@example.com"});
  ids.insert(ids.end(), more.begin(), more.end());
  c.nudge();
  ASSERT_TRUE(logged("event=mail.retry", 20s));
  server.start();  // same port
  server.wait_for_messages(ids.size(), 20s);
  wait_until_outbox_settled();
  call(c.stop());
  const auto got = server.received();
  EXPECT_EQ(got.size(), ids.size());
  EXPECT_EQ(message_ids(got), std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(stats().failed, 0u);
}

TEST_F(CourierTest, APermanentlyRefusedRecipientDoesNotStopTheOthers) {
  SmtpServer server(SmtpServerOptions{.reject = "^gone@"});
  const auto refused = queue({"gone@example.com"});
  const auto ids = queue({"a@example.com", "b@example.com", "c@example.com"});
  Courier& c = courier(options(server.url()));
  c.start();
  server.wait_for_messages(ids.size(), 20s);
  wait_until_outbox_settled();
  call(c.stop());
  EXPECT_EQ(message_ids(server.received()), std::set<std::string>(ids.begin(), ids.end()));
  const store::OutboxStats s = stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_NE(logs().find("event=mail.failed message_id=" + refused[0] +
                        " kind=reset_password attempts=1 outcome=permanent reason=\"smtp 550"),
            std::string::npos)
      << logs();
  expect_logs_hold_no_secrets();
}

TEST_F(CourierTest, BacksOffExponentiallyAndGivesUpAfterMaxAttempts) {
  const unsigned short port = testing::free_loopback_port();  // down for the whole test
  MailOptions o = options("smtp://127.0.0.1:" + std::to_string(port));
  o.backoff_initial = 30s;
  o.backoff_max = 60s;
  o.max_attempts = 4;
  const store::TimePoint t0 = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()) + 1s;
  std::atomic<std::int64_t> offset_ms{0};
  Courier& c = courier(o, [&] { return t0 + std::chrono::milliseconds(offset_ms.load()); });
  const auto ids = queue({"a@example.com"});
  auto at = [&](std::chrono::milliseconds t) {
    offset_ms = t.count();
    return call(c.run_once());
  };
  EXPECT_EQ(at(0ms), 1u);  // attempt 1 fails: due again 30 s later
  EXPECT_EQ(at(29'999ms), 0u);
  EXPECT_EQ(at(30'000ms), 1u);  // attempt 2: 60 s
  EXPECT_EQ(at(89'999ms), 0u);
  EXPECT_EQ(at(90'000ms), 1u);  // attempt 3: 120 s, capped at 60 s
  EXPECT_EQ(at(149'999ms), 0u);
  EXPECT_EQ(at(150'000ms), 1u);  // attempt 4 of 4: given up
  EXPECT_EQ(at(100h), 0u);
  const store::OutboxStats s = stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.failed, 1u);
  const std::string text = logs();
  EXPECT_NE(text.find("event=mail.retry message_id=" + ids[0] + " kind=reset_password attempts=1 retry_in_ms=30000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("attempts=2 retry_in_ms=60000"), std::string::npos) << text;
  EXPECT_NE(text.find("attempts=3 retry_in_ms=60000"), std::string::npos) << text;
  EXPECT_NE(text.find("event=mail.failed message_id=" + ids[0] + " kind=reset_password attempts=4 outcome=transient"),
            std::string::npos)
      << text;
  expect_logs_hold_no_secrets();
}

TEST_F(CourierTest, AMessageThatCannotBeComposedFailsAtOnce) {
  support::TempDir out("courier-files");
  Courier& c = courier(options("file:" + out.path().string()));
  const auto unknown = queue({"a@example.com"}, "newsletter");
  const auto bad_address = queue({"jürgen@example.com"});
  EXPECT_EQ(call(c.run_once()), 2u);
  const store::OutboxStats s = stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.failed, 2u);
  EXPECT_NE(logs().find("event=mail.failed message_id=" + unknown[0] +
                        " kind=newsletter attempts=1 outcome=permanent reason=unknown_kind"),
            std::string::npos)
      << logs();
  EXPECT_NE(logs().find("message_id=" + bad_address[0] +
                        " kind=reset_password attempts=1 outcome=permanent "
                        "reason=\"invalid_recipient: a non-ASCII local part needs SMTPUTF8"),
            std::string::npos)
      << logs();
  EXPECT_TRUE(std::filesystem::is_empty(out.path()));
}

TEST_F(CourierTest, WritesFilesWithTheFileTransport) {
  support::TempDir out("courier-files");
  Courier& c = courier(options("file:" + out.path().string()));
  const auto ids = queue({"a@example.com", "b@example.com"});
  EXPECT_EQ(call(c.run_once()), 2u);
  EXPECT_TRUE(std::filesystem::exists(out.path() / (ids[0] + ".eml")));
  EXPECT_TRUE(std::filesystem::exists(out.path() / (ids[1] + ".eml")));
  EXPECT_EQ(stats().queued, 0u);
}

TEST_F(CourierTest, TwoCouriersOnOneStoreNeverSendAMessageTwice) {
  SmtpServer server;
  std::vector<std::string> recipients;
  for (int i = 0; i < 12; ++i) recipients.push_back(std::string("r").append(std::to_string(i)).append("@example.com"));
  const auto ids = queue(recipients);
  Courier& a = courier(options(server.url()));
  Courier& b = courier(options(server.url()));
  EXPECT_NE(a.claim_id(), b.claim_id());
  a.start();
  b.start();
  server.wait_for_messages(ids.size(), 20s);
  wait_until_outbox_settled();
  call(a.stop());
  call(b.stop());
  const auto got = server.received();
  EXPECT_EQ(got.size(), ids.size());
  EXPECT_EQ(message_ids(got), std::set<std::string>(ids.begin(), ids.end()));
}

TEST_F(CourierTest, StopCutsOffASendThatHangsAndKeepsTheMessage) {
  testing::SilentListener hanging;
  MailOptions o = options("smtp://127.0.0.1:" + std::to_string(hanging.port()));
  o.connect_timeout = 30s;
  o.send_timeout = 30s;
  o.stop_timeout = 200ms;
  Courier& c = courier(o);
  const auto ids = queue({"a@example.com"});
  c.start();
  ASSERT_TRUE(logged("event=mail.sending message_id=" + ids[0], 10s));
  const auto stopping = std::chrono::steady_clock::now();
  call(c.stop());
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);  // not the 30 s of the send timeout
  EXPECT_NE(logs().find("event=mail.stop_timeout in_flight=1"), std::string::npos) << logs();
  EXPECT_EQ(stats().queued, 1u);  // the cut-off send counts as a failed attempt; retried later
}

// What the metrics show (vestibule_mail_delivery_active, _queue_depth): two sends hanging on a
// server that never answers hold both delivery threads, and nothing waits behind them (the
// courier claims only for free threads).
TEST_F(CourierTest, ItsPoolShowsTheSendsRunning) {
  testing::SilentListener hanging;
  MailOptions o = options("smtp://127.0.0.1:" + std::to_string(hanging.port()));
  o.delivery_threads = 2;
  o.connect_timeout = 30s;
  o.send_timeout = 30s;
  o.stop_timeout = 200ms;
  Courier& c = courier(o);
  EXPECT_EQ(c.pool().threads(), 2u);
  EXPECT_EQ(c.pool().active(), 0u);
  queue({"a@example.com", "b@example.com", "c@example.com"});
  c.start();
  // Each send is logged just before its job is posted: polled, under a deadline.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (c.pool().active() != 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(c.pool().active(), 2u);
  EXPECT_EQ(c.pool().queued(), 0u);
  const std::string text = logs();
  std::size_t sending = 0;
  for (std::size_t at = text.find("event=mail.sending"); at != std::string::npos; at = text.find("event=mail.sending", at + 1)) {
    ++sending;
  }
  EXPECT_EQ(sending, 2u) << "a third send at once:\n" << text;
  call(c.stop());
}

TEST_F(CourierTest, AnUnreachableStoreIsTriedAgainAtTheNextPollAndLoggedOnce) {
  SmtpServer server;
  FlakyStore flaky(*store_);
  flaky.claims_fail = true;
  Courier& c = courier(options(server.url()), {}, &flaky);
  const auto ids = queue({"a@example.com"});
  c.start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (flaky.claim_calls < 4) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the courier stopped polling";
    std::this_thread::sleep_for(5ms);  // polling a real condition under a deadline
  }
  flaky.claims_fail = false;
  EXPECT_EQ(server.wait_for_messages(1, 10s).size(), 1u);
  wait_until_outbox_settled();
  call(c.stop());
  const std::string text = logs();
  const std::size_t first = text.find("event=mail.store_unavailable op=claim error=unavailable");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("event=mail.store_unavailable", first + 1), std::string::npos) << "logged more than once";
  EXPECT_NE(text.find("event=mail.store_available"), std::string::npos) << text;
}

// A delivery the store could not record is sent again once its lease has run out: the same
// bytes, so the recipient's mail program can tell it is the same message.
TEST_F(CourierTest, ADeliveryTheStoreCouldNotRecordIsSentAgainAfterTheLease) {
  SmtpServer server;
  FlakyStore flaky(*store_);
  flaky.completions_fail = true;
  MailOptions o = options(server.url());
  o.lease = 1s;
  o.send_timeout = 500ms;
  o.connect_timeout = 500ms;
  Courier& c = courier(o, {}, &flaky);
  const auto ids = queue({"a@example.com"});
  c.start();
  server.wait_for_messages(1, 10s);
  ASSERT_TRUE(logged("event=mail.store_unavailable op=complete message_id=" + ids[0], 10s));
  flaky.completions_fail = false;
  const auto got = server.wait_for_messages(2, 10s);
  wait_until_outbox_settled();
  call(c.stop());
  ASSERT_EQ(server.received().size(), 2u);
  EXPECT_EQ(got[0].content, got[1].content);
}

TEST_F(CourierTest, NudgeDeliversWithoutWaitingForThePoll) {
  SmtpServer server;
  MailOptions o = options(server.url());
  o.poll_interval = 1h;
  Courier& c = courier(o);
  c.start();  // its first look finds nothing; the next poll would be an hour away
  ASSERT_TRUE(logged("event=mail.idle", 10s));
  queue({"a@example.com"});
  c.nudge();
  EXPECT_EQ(server.wait_for_messages(1, 10s).size(), 1u);
  call(c.stop());
}

// vestibule_mail_deliveries_total{result} as MailMetrics counts it.
double deliveries(const prometheus::Registry& registry, const std::string& result) {
  return testing::metric_value(registry, "vestibule_mail_deliveries_total", {{"result", result}}).value();
}

TEST_F(CourierTest, CountsEachDeliveredMessageAsSent) {
  prometheus::Registry registry;
  metrics::MailMetrics metrics(registry);
  support::TempDir out("courier-files");
  MailOptions o = options("file:" + out.path().string());
  o.metrics = &metrics;
  Courier& c = courier(o);
  queue({"a@example.com", "b@example.com"});
  EXPECT_EQ(call(c.run_once()), 2u);
  EXPECT_EQ(deliveries(registry, "sent"), 2.0);
  EXPECT_EQ(deliveries(registry, "retry"), 0.0);
  EXPECT_EQ(deliveries(registry, "given_up"), 0.0);
}

TEST_F(CourierTest, CountsAFailedAttemptAsARetryAndTheLastAsGivenUp) {
  prometheus::Registry registry;
  metrics::MailMetrics metrics(registry);
  const unsigned short port = testing::free_loopback_port();  // down for the whole test
  MailOptions o = options("smtp://127.0.0.1:" + std::to_string(port));
  o.backoff_initial = 30s;
  o.max_attempts = 2;
  o.metrics = &metrics;
  const store::TimePoint t0 = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()) + 1s;
  std::atomic<std::int64_t> offset_ms{0};
  Courier& c = courier(o, [&] { return t0 + std::chrono::milliseconds(offset_ms.load()); });
  queue({"a@example.com"});
  EXPECT_EQ(call(c.run_once()), 1u);  // attempt 1 of 2 fails
  EXPECT_EQ(deliveries(registry, "retry"), 1.0);
  EXPECT_EQ(deliveries(registry, "given_up"), 0.0);
  offset_ms = 30'000;
  EXPECT_EQ(call(c.run_once()), 1u);  // attempt 2 of 2: given up
  EXPECT_EQ(deliveries(registry, "retry"), 1.0);
  EXPECT_EQ(deliveries(registry, "given_up"), 1.0);
  EXPECT_EQ(deliveries(registry, "sent"), 0.0);
  EXPECT_EQ(stats().failed, 1u);
}

TEST_F(CourierTest, CountsAPermanentFailureAsGivenUpAtOnce) {
  prometheus::Registry registry;
  metrics::MailMetrics metrics(registry);
  support::TempDir out("courier-files");
  MailOptions o = options("file:" + out.path().string());
  o.metrics = &metrics;
  Courier& c = courier(o);
  queue({"a@example.com"}, "newsletter");  // no such template: permanent
  EXPECT_EQ(call(c.run_once()), 1u);
  EXPECT_EQ(deliveries(registry, "given_up"), 1.0);
  EXPECT_EQ(deliveries(registry, "retry"), 0.0);
}

TEST(RecordOutbox, SetsTheDepthAndTheOldestQueuedMessagesAgeInSeconds) {
  prometheus::Registry registry;
  metrics::MailMetrics metrics(registry);
  const store::TimePoint now{std::chrono::milliseconds(4'102'444'800'123)};
  auto gauge = [&](const std::string& name) { return testing::metric_value(registry, name).value(); };

  record_outbox(metrics, store::OutboxStats{.queued = 3, .failed = 5, .oldest_queued = now - 90'500ms}, now);
  EXPECT_EQ(gauge("vestibule_mail_outbox_depth"), 3.0) << "failed messages are not waiting";
  EXPECT_EQ(gauge("vestibule_mail_outbox_oldest_age_seconds"), 90.0);

  record_outbox(metrics, store::OutboxStats{.queued = 1, .failed = 0, .oldest_queued = now + 5s}, now);
  EXPECT_EQ(gauge("vestibule_mail_outbox_oldest_age_seconds"), 0.0) << "a clock behind: never negative";

  record_outbox(metrics, store::OutboxStats{}, now);
  EXPECT_EQ(gauge("vestibule_mail_outbox_depth"), 0.0);
  EXPECT_EQ(gauge("vestibule_mail_outbox_oldest_age_seconds"), 0.0);
}

}  // namespace
}  // namespace vestibule::mail
