// The HTTP metrics observer: what the server reports of a finished exchange, and of a
// connection's life, lands in the listener's series.
#include "http/request_metrics.h"

#include <gtest/gtest.h>

#include "metrics/metrics.h"
#include "support/exposition.h"

namespace vestibule::http {
namespace {

using namespace std::chrono_literals;

class RequestMetricsTest : public ::testing::Test {
 protected:
  metrics::Metrics metrics_{metrics::BuildInfo{.version = "0", .store = "sqlite", .hash_engine = "sodium"}};
  RequestMetrics observer_{metrics_.http("public", {"/v1/users/me", "/v1/sessions/{id}"})};

  double value(const std::string& series) { return testing::series_values(metrics_.scrape()).at(series); }

  void finish(std::string_view route, unsigned status, std::string_view path) {
    observer_.on_request(RequestRecord{.request_id = "r-1", .method = "GET", .route = route, .path = path,
                                       .status = status, .duration = 1200us});
  }
};

TEST_F(RequestMetricsTest, ARequestCountsUnderItsTemplateNotItsPath) {
  finish("/v1/sessions/{id}", 204, "/v1/sessions/5f0c6a1e-aaaa-4bbb-8ccc-000000000000");
  EXPECT_EQ(value(R"(vestibule_http_requests_total{listener="public",route="/v1/sessions/{id}",status_class="2xx"})"), 1);
  EXPECT_EQ(value(R"(vestibule_http_request_duration_seconds_count{listener="public",route="/v1/sessions/{id}"})"), 1);
  EXPECT_DOUBLE_EQ(value(R"(vestibule_http_request_duration_seconds_sum{listener="public",route="/v1/sessions/{id}"})"),
                   0.0012);
  EXPECT_EQ(metrics_.scrape().find("5f0c6a1e"), std::string::npos);
}

TEST_F(RequestMetricsTest, UnmatchedAndRefusedRequestsHaveTheirOwnRoutes) {
  finish(kUnmatchedRoute, 404, "/nowhere");
  finish(kRefusedRoute, 400, "-");
  finish(kRefusedRoute, 413, "-");
  EXPECT_EQ(value(R"(vestibule_http_requests_total{listener="public",route="unmatched",status_class="4xx"})"), 1);
  EXPECT_EQ(value(R"(vestibule_http_requests_total{listener="public",route="refused",status_class="4xx"})"), 2);
  EXPECT_EQ(value(R"(vestibule_http_requests_total{listener="public",route="other",status_class="4xx"})"), 0);
}

TEST_F(RequestMetricsTest, ConnectionsMoveTheGaugeAndRefusalsTheCounter) {
  observer_.on_connection(ConnectionEvent::opened);
  observer_.on_connection(ConnectionEvent::opened);
  observer_.on_connection(ConnectionEvent::closed);
  observer_.on_connection(ConnectionEvent::refused);
  EXPECT_EQ(value(R"(vestibule_http_open_connections{listener="public"})"), 1);
  EXPECT_EQ(value(R"(vestibule_http_connections_refused_total{listener="public"})"), 1);
}

}  // namespace
}  // namespace vestibule::http
