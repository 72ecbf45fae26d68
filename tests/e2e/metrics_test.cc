// GET /metrics on --metrics-listen against the real binary: a real scrape passes
// `promtool check metrics`, counters move by exactly the requests made, refusals and 404s count
// under their own routes, no label carries an email, id, token or address, build info is there,
// and the scrape is on its own listener only (404 on the public and admin ones). Not part of the
// contract run: /metrics is not in docs/openapi.yaml, and every request here goes to the server.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <utility>
#include <vector>

#include "api_helpers.h"
#include "server_process.h"
#include "store_under_test.h"
#include "support/command.h"
#include "support/exposition.h"

namespace vestibule::e2e {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";  // Debian's prometheus package
constexpr std::chrono::seconds kSettle{5};

using testing::duration_count;
using testing::requests;

class MetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    start_error_.clear();
    try {
      ServerConfig config;
      config.metrics = true;
      config.admin = true;
      config.through_contract_proxy = false;  // every request here is the server's own
      server_ = ServerProcess::start(config);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  // The server must exit 0 like one a test stops itself (a sanitizer report at shutdown fails).
  static void TearDownTestSuite() {
    if (server_) stop_expecting_clean_exit(*server_);
    server_.reset();
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "vestibule did not start: " << start_error_;
    ASSERT_TRUE(server_->running()) << server_->exit_description() << "; its log:\n" << server_->log();
    ASSERT_NE(server_->metrics_port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  Response scrape_response() { return HttpClient(server_->metrics_port()).get("/metrics"); }

  // The current scrape as series text -> value; fails the test unless it is a 200.
  std::map<std::string, double> scrape() {
    Response res = scrape_response();
    EXPECT_EQ(res.result_int(), 200u) << describe(res);
    return testing::series_values(res.body());
  }

  using Deltas = std::vector<std::pair<std::string, double>>;

  // The server counts an exchange right after writing its response, so the client may read the
  // answer a moment before it is counted: scrape again until every positive delta of `expected`
  // is reached (or kSettle passes), then check each delta exactly, zeros included.
  void expect_deltas(const std::map<std::string, double>& before, const Deltas& expected) {
    const auto until = std::chrono::steady_clock::now() + kSettle;
    std::map<std::string, double> after;
    for (;;) {
      after = scrape();
      bool reached = true;
      for (const auto& [series, d] : expected) {
        if (d > 0 && (!after.contains(series) || !before.contains(series) || after.at(series) - before.at(series) < d)) {
          reached = false;
        }
      }
      if (reached || std::chrono::steady_clock::now() >= until || ::testing::Test::HasFailure()) break;
    }
    for (const auto& [series, d] : expected) EXPECT_EQ(delta(before, after, series), d) << series;
  }

  static double delta(const std::map<std::string, double>& before, const std::map<std::string, double>& after,
                      const std::string& series) {
    EXPECT_TRUE(before.contains(series)) << "no series " << series << " before";
    EXPECT_TRUE(after.contains(series)) << "no series " << series << " after";
    if (!before.contains(series) || !after.contains(series)) return -1;
    return after.at(series) - before.at(series);
  }

  HttpClient& client() { return *client_; }

  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::string start_error_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MetricsTest, TheScrapeIsTheTextFormatAndPassesPromtool) {
  ASSERT_TRUE(std::filesystem::exists(kPromtool))
      << kPromtool << " is missing: install Debian's prometheus package (scripts/setup.sh --test)";
  register_account(client(), "promtool");  // some series with values other than zero
  EXPECT_EQ(client().get("/nowhere").result_int(), 404u);
  Response res = scrape_response();
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const testing::CommandResult check = testing::run_command({kPromtool, "check", "metrics"}, res.body());
  EXPECT_EQ(check.exit_status, 0) << "promtool check metrics:\n" << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "") << "promtool's lint findings";
}

// The store, the hashing pool and the outbox record into the same scrape: a registration is one
// hash and one create_account, a login one verify and one create_session, a token check one
// find_session; the gauges read off their sources are there (and Redis reads as connected).
TEST_F(MetricsTest, StoreHashingAndOutboxSeriesFollowTheRequests) {
  const std::string backend = store_under_test() == StoreKind::redis ? "redis" : "sqlite";
  auto store_op = [&](std::string_view op) {
    return "vestibule_store_operation_duration_seconds_count{backend=\"" + backend + "\",operation=\"" +
           std::string(op) + "\"}";
  };
  const auto before = scrape();
  Account ann = register_account(client(), "instrumented");
  const std::string token = login(client(), ann);
  ASSERT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
  expect_deltas(before, {{"vestibule_hash_duration_seconds_count{operation=\"hash\"}", 1},
                         {"vestibule_hash_duration_seconds_count{operation=\"verify\"}", 1},
                         {"vestibule_hash_wait_seconds_count", 2},
                         {"vestibule_hash_rejections_total", 0},
                         {store_op("create_account"), 1},
                         {store_op("create_session"), 1},
                         {store_op("find_session"), 1},
                         {"vestibule_store_errors_total{backend=\"" + backend + "\",operation=\"find_session\"}", 0}});
  const auto after = scrape();
  for (const char* gauge : {"vestibule_hash_queue_depth", "vestibule_hash_active", "vestibule_mail_outbox_depth",
                            "vestibule_mail_outbox_oldest_age_seconds"}) {
    EXPECT_TRUE(after.contains(gauge)) << gauge;
  }
  if (backend == "redis") {
    EXPECT_EQ(after.at("vestibule_redis_connected"), 1.0);
  } else {
    EXPECT_FALSE(after.contains("vestibule_redis_connected")) << "no Redis, no such gauge";
  }
}

TEST_F(MetricsTest, CountersMoveByExactlyTheRequestsMade) {
  const auto before = scrape();
  Account a = register_account(client(), "counters");
  const std::string token = login(client(), a);
  Response wrong = client().post("/v1/sessions", {{"email", a.email}, {"password", "not the password at all"}});
  EXPECT_EQ(wrong.result_int(), 401u) << describe(wrong);
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
  EXPECT_EQ(client().get("/v1/users/me").result_int(), 401u);
  EXPECT_EQ(client().get("/no/such/thing").result_int(), 404u);
  expect_deltas(before, {{requests("/v1/users", "2xx"), 1},
                         {requests("/v1/sessions", "2xx"), 1},
                         {requests("/v1/sessions", "4xx"), 1},
                         {requests("/v1/users/me", "2xx"), 2},
                         {requests("/v1/users/me", "4xx"), 1},
                         {requests("/v1/users/me", "5xx"), 0},
                         {requests("unmatched", "4xx"), 1},
                         {requests("other", "4xx"), 0},
                         {duration_count("/v1/users/me"), 3},
                         {duration_count("/v1/sessions"), 2}});
  const auto after = scrape();
  // At least this test's client (the closes of earlier tests' clients may not be seen yet; the
  // gauge's exact moves are unit-tested).
  EXPECT_GE(after.at(R"(vestibule_http_open_connections{listener="public"})"), 1);
}

// The account rules count what they decided: registrations and logins by outcome, and the
// throttling refusal by its limit (the 11th wrong password of one account within the default
// --login-account-limit of 10).
TEST_F(MetricsTest, LoginsRegistrationsAndThrottlingCountByOutcome) {
  auto logins = [](std::string_view outcome) {
    return "vestibule_logins_total{outcome=\"" + std::string(outcome) + "\"}";
  };
  auto registrations = [](std::string_view outcome) {
    return "vestibule_registrations_total{outcome=\"" + std::string(outcome) + "\"}";
  };
  const auto before = scrape();
  Account a = register_account(client(), "outcomes");
  EXPECT_EQ(client().post("/v1/users", {{"name", "Again"}, {"email", a.email}, {"password", kPassword}}).result_int(),
            409u);
  EXPECT_EQ(client().post("/v1/users", {{"name", "No"}, {"email", "not an address"}, {"password", kPassword}})
                .result_int(),
            422u);
  EXPECT_FALSE(login(client(), a).empty());
  EXPECT_EQ(client().post("/v1/sessions", {{"email", a.email}}).result_int(), 422u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(client().post("/v1/sessions", {{"email", a.email}, {"password", "wrong password number x"}}).result_int(),
              401u)
        << i;
  }
  EXPECT_EQ(client().post("/v1/sessions", {{"email", a.email}, {"password", "wrong password number x"}}).result_int(),
            429u);
  expect_deltas(before, {{registrations("created"), 1},
                         {registrations("email_taken"), 1},
                         {registrations("invalid"), 1},
                         {registrations("throttled"), 0},
                         {logins("success"), 1},
                         {logins("invalid_request"), 1},
                         {logins("invalid_credentials"), 10},
                         {logins("throttled"), 1},
                         {logins("unavailable"), 0},
                         {"vestibule_throttle_rejections_total{limit=\"failed_logins_per_account\"}", 1},
                         {"vestibule_throttle_rejections_total{limit=\"failed_logins_per_client\"}", 0}});
}

TEST_F(MetricsTest, RefusedRequestsCountUnderTheRefusedRoute) {
  const auto before = scrape();
  // No Host: framing the server refuses itself (400), then a body over the limit (413).
  EXPECT_EQ(HttpClient(server_->port()).send_raw("GET /healthz HTTP/1.1\r\n\r\n").result_int(), 400u);
  EXPECT_EQ(HttpClient(server_->port())
                .send_raw("POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n")
                .result_int(),
            413u);
  expect_deltas(before, {{requests("refused", "4xx"), 2},
                         {requests("/healthz", "4xx"), 0},
                         {requests("/v1/users", "4xx"), 0}});
}

TEST_F(MetricsTest, TheAdminListenerCountsUnderItsOwnLabel) {
  const auto before = scrape();
  HttpClient admin(server_->admin_port());
  EXPECT_EQ(admin.get("/admin/v1/users", server_->admin_token()).result_int(), 200u);
  EXPECT_EQ(admin.get("/healthz").result_int(), 200u);
  expect_deltas(before, {{requests("/admin/v1/users", "2xx", "admin"), 1},
                         {requests("/healthz", "2xx", "admin"), 1},
                         {requests("/healthz", "2xx", "public"), 0}});
  EXPECT_FALSE(before.contains(requests("/admin/v1/users", "2xx", "public")));
}

TEST_F(MetricsTest, NoLabelCarriesAnEmailAnIdATokenOrAnAddress) {
  Account a = register_account(client(), "labels");
  const std::string token = login(client(), a);
  EXPECT_EQ(client().get("/v1/users/me", token).result_int(), 200u);
  EXPECT_EQ(client().get("/v1/users/" + a.email).result_int(), 404u);
  EXPECT_EQ(client().del("/v1/sessions/00000000-0000-4000-8000-000000000000", token).result_int(), 404u);
  Response res = scrape_response();
  ASSERT_EQ(res.result_int(), 200u);
  const std::vector<testing::Sample> samples = testing::parse_exposition(res.body());
  ASSERT_GT(samples.size(), 100u);
  static const std::regex kUuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  for (const testing::Sample& s : samples) {
    for (const auto& [key, value] : s.labels) {
      SCOPED_TRACE(s.series);
      EXPECT_EQ(value.find('@'), std::string::npos) << "an email in " << key;
      EXPECT_FALSE(std::regex_search(value, kUuid)) << "an id in " << key;
      EXPECT_FALSE(is_token(value)) << "a token in " << key;
      boost::system::error_code ec;
      boost::asio::ip::make_address(value, ec);
      EXPECT_TRUE(ec.failed()) << "an address in " << key;
      EXPECT_EQ(value.find("127.0.0.1"), std::string::npos) << key;
      for (const std::string& secret : {a.email, a.id, token}) {
        EXPECT_EQ(value.find(secret), std::string::npos) << key;
      }
    }
  }
  EXPECT_EQ(res.body().find(a.email), std::string::npos);
  EXPECT_EQ(res.body().find(token), std::string::npos);
}

TEST_F(MetricsTest, BuildInfoNamesTheVersionStoreAndEngine) {
  Response res = scrape_response();
  ASSERT_EQ(res.result_int(), 200u);
  std::vector<testing::Sample> info;
  for (testing::Sample& s : testing::parse_exposition(res.body())) {
    if (s.name == "vestibule_build_info") info.push_back(std::move(s));
  }
  ASSERT_EQ(info.size(), 1u) << res.body();
  EXPECT_EQ(info[0].value, 1);
  std::map<std::string, std::string> labels(info[0].labels.begin(), info[0].labels.end());
  EXPECT_EQ(labels.size(), 3u);
  EXPECT_TRUE(std::regex_match(labels["version"], std::regex("[0-9]+\\.[0-9]+\\.[0-9]+.*"))) << labels["version"];
  EXPECT_EQ(labels["store"], store_under_test() == StoreKind::redis ? "redis" : "sqlite");
  EXPECT_EQ(labels["hash_engine"], "sodium");
}

TEST_F(MetricsTest, TheScrapeIsOnlyOnTheMetricsListener) {
  EXPECT_TRUE(is_problem(client().get("/metrics"), 404, "not_found")) << "never on the public listener";
  EXPECT_TRUE(is_problem(HttpClient(server_->admin_port()).get("/metrics"), 404, "not_found"))
      << "nor on the admin one";
  HttpClient scraper(server_->metrics_port());
  EXPECT_TRUE(is_problem(scraper.get("/healthz"), 404, "not_found")) << "and the listener serves nothing else";
  EXPECT_TRUE(is_problem(scraper.get("/v1/users/me"), 404, "not_found"));
  Request head{http::verb::head, "/metrics", 11};
  Response headed = scraper.send(head);
  EXPECT_EQ(headed.result_int(), 200u);
  EXPECT_EQ(headed[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(headed.body().empty());
  Response posted = scraper.post("/metrics", boost::json::object{});
  EXPECT_EQ(posted.result_int(), 405u) << describe(posted);
}

TEST(MetricsConnectionsTest, OpenAndRefusedConnectionsAreCounted) {
  ServerConfig config;
  config.metrics = true;
  config.through_contract_proxy = false;
  // The cap applies to the metrics listener too: its one scraper connection is kept open.
  config.extra_args = {"--max-connections-per-client", "1"};
  auto server = ServerProcess::start(config);
  HttpClient scraper(server->metrics_port());
  const auto scrape = [&] {
    Response res = scraper.get("/metrics");
    EXPECT_EQ(res.result_int(), 200u) << describe(res);
    return testing::series_values(res.body());
  };
  const std::string open = R"(vestibule_http_open_connections{listener="public"})";
  const std::string refused = R"(vestibule_http_connections_refused_total{listener="public"})";
  HttpClient held(server->port());
  ASSERT_EQ(held.get("/healthz").result_int(), 200u);
  HttpClient second(server->port(), std::chrono::seconds(5));
  Response res = second.receive();
  ASSERT_TRUE(is_problem(res, 503, "overloaded")) << describe(res);
  // The refusal is counted as it is decided, before its answer is written; the open gauge as
  // the held connection was admitted, before it was served.
  const auto s = scrape();
  EXPECT_EQ(s.at(open), 1);
  EXPECT_EQ(s.at(refused), 1);
}

// A free loopback port now (bound and released): for a flag that must name a fixed one.
unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

TEST(MetricsListenTest, TheListenAddressIsRefusedWithAClearError) {
  ServerConfig config;
  config.listen = "127.0.0.1:" + std::to_string(free_port());
  config.extra_args = {"--metrics-listen", config.listen};
  config.through_contract_proxy = false;
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("cannot listen on " + config.listen + " (--metrics-listen)"), std::string::npos) << exit.log;
  EXPECT_NE(exit.log.find("it is the address of --listen or --admin-listen"), std::string::npos) << exit.log;
}

TEST(MetricsListenTest, PlainHttpOffLoopbackIsRefused) {
  ServerConfig config;
  config.extra_args = {"--metrics-listen", "0.0.0.0:0"};
  config.through_contract_proxy = false;
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("refusing plain HTTP on non-loopback address 0.0.0.0:0 (--metrics-listen)"),
            std::string::npos)
      << exit.log;
}

TEST(MetricsListenTest, AMalformedAddressIsRefused) {
  ServerConfig config;
  config.extra_args = {"--metrics-listen", "localhost"};
  config.through_contract_proxy = false;
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(20));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("--metrics-listen must be ADDRESS:PORT"), std::string::npos) << exit.log;
}

TEST(MetricsListenTest, WithoutTheFlagThereIsNoMetricsListener) {
  ServerConfig config;
  config.through_contract_proxy = false;
  auto server = ServerProcess::start(config);
  EXPECT_EQ(server->log().find("listening.metrics"), std::string::npos) << server->log();
  EXPECT_TRUE(is_problem(HttpClient(server->port()).get("/metrics"), 404, "not_found"));
}

}  // namespace
}  // namespace vestibule::e2e
