// The metrics module over a real prometheus-cpp registry: which series exist from the start,
// with exactly which names and labels; that recording moves them; that an unknown route counts
// as "other"; and the shape of the text a scrape returns.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/exposition.h"

namespace vestibule::metrics {
namespace {

using testing::duration_count;
using testing::requests;
using testing::series_values;
using namespace std::chrono_literals;

BuildInfo build() { return BuildInfo{.version = "1.2.3", .store = "sqlite", .hash_engine = "sodium"}; }

TEST(MetricsTest, BuildInfoIsOneSeriesOfValueOne) {
  Metrics m(build());
  const auto s = series_values(m.scrape());
  EXPECT_EQ(s.at(R"(vestibule_build_info{hash_engine="sodium",store="sqlite",version="1.2.3"})"), 1);
}

TEST(MetricsTest, EveryRouteHasItsSeriesBeforeAnyRequest) {
  Metrics m(build());
  m.http("public", {"/v1/users/me", "/v1/sessions/{id}"});
  const auto s = series_values(m.scrape());
  for (const char* route : {"/v1/users/me", "/v1/sessions/{id}", "unmatched", "refused", "other"}) {
    for (const char* cls : {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
      ASSERT_TRUE(s.contains(requests(route, cls))) << requests(route, cls);
      EXPECT_EQ(s.at(requests(route, cls)), 0);
    }
    EXPECT_EQ(s.at(duration_count(route)), 0) << route;
  }
  EXPECT_EQ(s.at(R"(vestibule_http_open_connections{listener="public"})"), 0);
  EXPECT_EQ(s.at(R"(vestibule_http_connections_refused_total{listener="public"})"), 0);
}

TEST(MetricsTest, ARequestCountsUnderItsRouteAndStatusClass) {
  Metrics m(build());
  HttpMetrics& http = m.http("public", {"/v1/users/me"});
  http.request("/v1/users/me", 200, 300us);
  http.request("/v1/users/me", 200, 300us);
  http.request("/v1/users/me", 401, 300us);
  http.request("unmatched", 404, 50us);
  const auto s = series_values(m.scrape());
  EXPECT_EQ(s.at(requests("/v1/users/me", "2xx")), 2);
  EXPECT_EQ(s.at(requests("/v1/users/me", "4xx")), 1);
  EXPECT_EQ(s.at(requests("/v1/users/me", "5xx")), 0);
  EXPECT_EQ(s.at(requests("unmatched", "4xx")), 1);
  EXPECT_EQ(s.at(duration_count("/v1/users/me")), 3);
  EXPECT_DOUBLE_EQ(s.at("vestibule_http_request_duration_seconds_sum{listener=\"public\",route=\"/v1/users/me\"}"),
                   0.0009);
  // 300 µs falls in the 0.0005 s bucket, not in the 0.00025 s one.
  EXPECT_EQ(s.at(R"(vestibule_http_request_duration_seconds_bucket{listener="public",route="/v1/users/me",le="0.00025"})"),
            0);
  EXPECT_EQ(s.at(R"(vestibule_http_request_duration_seconds_bucket{listener="public",route="/v1/users/me",le="0.0005"})"),
            3);
  EXPECT_EQ(s.at(R"(vestibule_http_request_duration_seconds_bucket{listener="public",route="/v1/users/me",le="+Inf"})"),
            3);
}

TEST(MetricsTest, AnUnknownRouteCountsAsOtherAndMakesNoSeries) {
  Metrics m(build());
  HttpMetrics& http = m.http("public", {"/v1/users/me"});
  const std::size_t before = testing::parse_exposition(m.scrape()).size();
  http.request("/v1/users/alice@example.com", 200, 10us);
  const std::string text = m.scrape();
  const auto s = series_values(text);
  EXPECT_EQ(s.at(requests("other", "2xx")), 1);
  EXPECT_EQ(testing::parse_exposition(text).size(), before) << "no series made at request time";
  EXPECT_EQ(text.find("alice"), std::string::npos);
}

TEST(MetricsTest, AStatusOutsideTheClassesCountsOnlyItsLatency) {
  Metrics m(build());
  HttpMetrics& http = m.http("public", {"/healthz"});
  http.request("/healthz", 0, 10us);
  http.request("/healthz", 600, 10us);
  const auto s = series_values(m.scrape());
  for (const char* cls : {"1xx", "2xx", "3xx", "4xx", "5xx"}) EXPECT_EQ(s.at(requests("/healthz", cls)), 0) << cls;
  EXPECT_EQ(s.at(duration_count("/healthz")), 2);
}

TEST(MetricsTest, ListenersKeepSeparateSeries) {
  Metrics m(build());
  HttpMetrics& pub = m.http("public", {"/healthz"});
  HttpMetrics& admin = m.http("admin", {"/healthz", "/admin/v1/users"});
  pub.request("/healthz", 200, 10us);
  admin.request("/healthz", 200, 10us);
  admin.request("/healthz", 200, 10us);
  admin.connection_opened();
  const auto s = series_values(m.scrape());
  EXPECT_EQ(s.at(requests("/healthz", "2xx", "public")), 1);
  EXPECT_EQ(s.at(requests("/healthz", "2xx", "admin")), 2);
  EXPECT_TRUE(s.contains(requests("/admin/v1/users", "2xx", "admin")));
  EXPECT_FALSE(s.contains(requests("/admin/v1/users", "2xx", "public")));
  EXPECT_EQ(s.at(R"(vestibule_http_open_connections{listener="admin"})"), 1);
  EXPECT_EQ(s.at(R"(vestibule_http_open_connections{listener="public"})"), 0);
}

TEST(MetricsTest, AThrottlingRefusalCountsUnderItsLimitsNameAndAnUnknownNameNowhere) {
  Metrics m(build());
  m.accounts().throttled("failed_logins_per_account");
  m.accounts().throttled("failed_logins_per_account");
  m.accounts().throttled("mail_per_account_long");
  m.accounts().throttled("someone@example.com");
  const auto s = series_values(m.scrape());
  EXPECT_EQ(s.at(R"(vestibule_throttle_rejections_total{limit="failed_logins_per_account"})"), 2);
  EXPECT_EQ(s.at(R"(vestibule_throttle_rejections_total{limit="mail_per_account_long"})"), 1);
  std::size_t series = 0;
  for (const auto& [name, value] : s) series += name.starts_with("vestibule_throttle_rejections_total{");
  EXPECT_EQ(series, kLimits);
}

TEST(MetricsTest, TheOtherAreasStartAtZeroWithTheirFixedLabels) {
  Metrics m(build());
  m.store("redis").operation("find_by_email");
  const auto s = series_values(m.scrape());
  for (const char* outcome : {"success", "invalid_credentials", "throttled", "disabled", "unverified",
                              "invalid_request", "unavailable", "mfa_required", "invalid_code"}) {
    EXPECT_EQ(s.at("vestibule_logins_total{outcome=\"" + std::string(outcome) + "\"}"), 0) << outcome;
  }
  for (const char* outcome : {"created", "accepted", "email_taken", "invalid", "throttled", "unavailable"}) {
    EXPECT_EQ(s.at("vestibule_registrations_total{outcome=\"" + std::string(outcome) + "\"}"), 0) << outcome;
  }
  EXPECT_EQ(s.at(R"(vestibule_throttle_rejections_total{limit="failed_logins_per_client"})"), 0);
  EXPECT_EQ(s.at("vestibule_hash_queue_depth"), 0);
  EXPECT_EQ(s.at("vestibule_hash_active"), 0);
  EXPECT_EQ(s.at("vestibule_hash_wait_seconds_count"), 0);
  EXPECT_EQ(s.at(R"(vestibule_hash_duration_seconds_count{operation="verify"})"), 0);
  EXPECT_EQ(s.at("vestibule_hash_rejections_total"), 0);
  EXPECT_EQ(s.at("vestibule_mail_outbox_depth"), 0);
  EXPECT_EQ(s.at("vestibule_mail_outbox_oldest_age_seconds"), 0);
  EXPECT_EQ(s.at(R"(vestibule_mail_deliveries_total{result="given_up"})"), 0);
  EXPECT_EQ(s.at(R"(vestibule_store_operation_duration_seconds_count{backend="redis",operation="find_by_email"})"), 0);
  EXPECT_EQ(s.at(R"(vestibule_store_errors_total{backend="redis",operation="find_by_email"})"), 0);
  EXPECT_EQ(s.at("vestibule_redis_connected"), 0);
}

TEST(MetricsTest, RefreshersRunAtEveryScrape) {
  Metrics m(build());
  int runs = 0;
  m.on_scrape([&] { m.hashing().set_queue(static_cast<std::size_t>(++runs), 1); });
  EXPECT_EQ(series_values(m.scrape()).at("vestibule_hash_queue_depth"), 1);
  EXPECT_EQ(series_values(m.scrape()).at("vestibule_hash_queue_depth"), 2);
  EXPECT_EQ(runs, 2);
}

TEST(MetricsTest, TheTextHasHelpAndTypeBeforeEachFamily) {
  Metrics m(build());
  m.http("public", {"/healthz"});
  const std::string text = m.scrape();
  EXPECT_NE(text.find("# HELP vestibule_http_requests_total "), std::string::npos);
  EXPECT_NE(text.find("# TYPE vestibule_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE vestibule_http_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE vestibule_http_open_connections gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE vestibule_build_info gauge\n"), std::string::npos);
  EXPECT_LT(text.find("# TYPE vestibule_http_requests_total counter"), text.find(requests("/healthz", "2xx")));
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::string(kExpositionContentType), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace vestibule::metrics
