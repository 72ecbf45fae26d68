// The import run against a stand-in admin API (fake_admin_api.h): outcomes per user, retries,
// the stops on 401 and on an unreachable server, kept-alive connections, progress lines.
#include "import/importer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <deque>
#include <mutex>
#include <sstream>

#include "fake_admin_api.h"
#include "support/redis_server.h"

namespace vestibule::import {
namespace {

using testing::Answer;
using testing::FakeAdminApi;
using testing::Request;

class ListSource : public Source {
 public:
  explicit ListSource(std::vector<ImportItem> items) : items_(items.begin(), items.end()) {}
  std::optional<ImportItem> next() override {
    if (items_.empty()) return std::nullopt;
    ImportItem item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  std::optional<std::string> error() const override { return std::nullopt; }

 private:
  std::deque<ImportItem> items_;
};

std::vector<ImportItem> users(std::size_t n) {
  std::vector<ImportItem> out;
  for (std::size_t i = 1; i <= n; ++i) {
    out.push_back(parse_line(R"({"name":"u)" + std::to_string(i) + R"(","email":"u)" + std::to_string(i) +
                                 R"(@example.com","password_hash":"$2b$04$x"})",
                             i));
  }
  return out;
}

std::string name_of(const Request& req) {
  return std::string(boost::json::parse(req.body()).as_object().at("name").as_string());
}

ImportOptions fast_options(std::size_t concurrency = 4) {
  ImportOptions o;
  o.concurrency = concurrency;
  o.first_backoff = std::chrono::milliseconds(1);
  o.client.connect_timeout = std::chrono::seconds(5);
  o.client.request_timeout = std::chrono::seconds(5);
  return o;
}

// result<T, std::string> has no value() (no exception for a string error): the tests unwrap it.
AdminEndpoint endpoint(const std::string& url) {
  auto e = parse_admin_url(url);
  if (!e) throw std::runtime_error(e.error());
  return *e;
}

AdminEndpoint endpoint_of(const FakeAdminApi& api) { return endpoint(api.url()); }

Answer problem(unsigned status, std::string_view code) {
  return {status, R"({"status":)" + std::to_string(status) + R"(,"code":")" + std::string(code) + R"("})"};
}

TEST(ImporterTest, ImportsEveryUserOverKeptAliveConnections) {
  std::mutex m;
  std::vector<std::string> authorizations;
  FakeAdminApi api([&](const Request& req) {
    std::lock_guard lock(m);
    authorizations.emplace_back(req[boost::beast::http::field::authorization]);
    EXPECT_EQ(req.target(), "/admin/v1/users");
    EXPECT_EQ(req[boost::beast::http::field::content_type], "application/json");
    return Answer{201, "{}"};
  });
  ListSource source(users(200));
  std::ostringstream progress;
  const Summary s = run_import(source, endpoint_of(api), "tok3n", fast_options(4), progress);
  EXPECT_EQ(s.imported, 200u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_TRUE(s.rejected.empty());
  EXPECT_EQ(s.fatal, std::nullopt);
  EXPECT_EQ(exit_status(s), 0);
  EXPECT_EQ(api.requests(), 200);
  EXPECT_LE(api.connections(), 4);  // one per worker, kept alive
  ASSERT_EQ(authorizations.size(), 200u);
  EXPECT_EQ(authorizations.front(), "Bearer tok3n");
}

TEST(ImporterTest, EachAnswerDecidesItsUserAndRejectionsComeInLineOrder) {
  FakeAdminApi api([](const Request& req) {
    const std::string name = name_of(req);
    if (name == "u2") return problem(409, "id_taken");
    if (name == "u3") return problem(409, "email_taken");
    if (name == "u4") {
      return Answer{422, R"({"code":"validation_failed","errors":[{"field":"email","code":"invalid_email"}]})"};
    }
    if (name == "u5") return problem(400, "malformed_request");
    return Answer{201, "{}"};
  });
  std::vector<ImportItem> items = users(6);
  items.insert(items.begin() + 3, parse_line("{not json", 99));
  ListSource source(std::move(items));
  std::ostringstream progress;
  const Summary s = run_import(source, endpoint_of(api), "t", fast_options(3), progress);
  EXPECT_EQ(s.imported, 2u);  // u1, u6
  EXPECT_EQ(s.skipped, 2u);   // u2 (id taken), u3 (email taken, no id in the line)
  ASSERT_EQ(s.rejected.size(), 3u);
  EXPECT_EQ(s.rejected[0].where, "line 99");
  EXPECT_TRUE(s.rejected[0].reason.starts_with("malformed_json")) << s.rejected[0].reason;
  EXPECT_EQ(s.rejected[1].where, "line 4");
  EXPECT_EQ(s.rejected[1].reason, "422 validation_failed (email: invalid_email)");
  EXPECT_EQ(s.rejected[2].where, "line 5");
  EXPECT_EQ(s.rejected[2].reason, "400 malformed_request");
  EXPECT_EQ(exit_status(s), 1);
}

TEST(ImporterTest, ServerErrorsAreRetriedUntilTheUserGoesThrough) {
  int posts = 0;
  FakeAdminApi api([&](const Request&) { return ++posts <= 2 ? problem(503, "unavailable") : Answer{201, "{}"}; });
  ListSource source(users(1));
  std::ostringstream progress;
  const Summary s = run_import(source, endpoint_of(api), "t", fast_options(1), progress);
  EXPECT_EQ(s.imported, 1u);
  EXPECT_EQ(api.requests(), 3);
  EXPECT_EQ(exit_status(s), 0);
}

TEST(ImporterTest, AUserThatKeepsFailingIsRejectedAfterItsAttempts) {
  FakeAdminApi api([](const Request& req) { return name_of(req) == "u1" ? problem(500, "internal") : Answer{201, "{}"}; });
  ListSource source(users(3));
  std::ostringstream progress;
  const Summary s = run_import(source, endpoint_of(api), "t", fast_options(1), progress);
  EXPECT_EQ(s.imported, 2u);
  ASSERT_EQ(s.rejected.size(), 1u);
  EXPECT_EQ(s.rejected[0].where, "line 1");
  EXPECT_EQ(s.rejected[0].reason, "500 internal after 4 attempts");
  EXPECT_EQ(s.fatal, std::nullopt);
  EXPECT_EQ(api.requests(), 4 + 2);
  EXPECT_EQ(exit_status(s), 1);
}

TEST(ImporterTest, UnauthorizedStopsTheRunAtOnce) {
  FakeAdminApi api([](const Request&) { return problem(401, "invalid_token"); });
  ListSource source(users(50));
  std::ostringstream progress;
  const Summary s = run_import(source, endpoint_of(api), "wrong", fast_options(1), progress);
  EXPECT_EQ(api.requests(), 1);
  ASSERT_TRUE(s.fatal.has_value());
  EXPECT_EQ(*s.fatal, "the admin API refused the token (401 invalid_token); the run stopped");
  EXPECT_EQ(s.imported, 0u);
  EXPECT_EQ(exit_status(s), 2);
}

TEST(ImporterTest, AnUnreachableServerStopsTheRun) {
  AdminEndpoint nowhere = endpoint("http://127.0.0.1:" + std::to_string(vestibule::testing::free_loopback_port()));
  ListSource source(users(20));
  std::ostringstream progress;
  const Summary s = run_import(source, nowhere, "t", fast_options(1), progress);
  ASSERT_TRUE(s.fatal.has_value());
  EXPECT_TRUE(s.fatal->starts_with("lost the connection to the admin API: admin API unreachable (")) << *s.fatal;
  ASSERT_EQ(s.rejected.size(), 1u);  // the user it was sending; the rest were not tried
  EXPECT_EQ(s.rejected[0].where, "line 1");
  EXPECT_EQ(exit_status(s), 2);
}

TEST(ImporterTest, AServerThatNeverAnswersTimesOutAndStopsTheRun) {
  // Listening, so connections succeed (the kernel completes them), but nothing is ever read.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
  ListSource source(users(5));
  ImportOptions o = fast_options(1);
  o.attempts = 2;
  o.client.request_timeout = std::chrono::milliseconds(300);
  std::ostringstream progress;
  const auto started = std::chrono::steady_clock::now();
  const Summary s = run_import(source, endpoint("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port())),
                               "t", o, progress);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_EQ(s.rejected.size(), 1u);
  EXPECT_EQ(s.rejected[0].reason, "admin API unreachable (The socket was closed due to a timeout) after 2 attempts");
  ASSERT_TRUE(s.fatal.has_value());
  EXPECT_EQ(exit_status(s), 2);
}

TEST(ImporterTest, AnOversizedAnswerIsAFailureNotAnImport) {
  FakeAdminApi api([](const Request&) { return Answer{201, std::string(200 * 1024, 'x')}; });
  ListSource source(users(1));
  std::ostringstream progress;
  const Summary s = run_import(source, endpoint_of(api), "t", fast_options(1), progress);
  EXPECT_EQ(s.imported, 0u);
  ASSERT_EQ(s.rejected.size(), 1u);
  EXPECT_NE(s.rejected[0].reason.find("body limit exceeded"), std::string::npos) << s.rejected[0].reason;
}

TEST(ImporterTest, ProgressLinesComeEveryNUsers) {
  FakeAdminApi api([](const Request&) { return Answer{201, "{}"}; });
  ListSource source(users(25));
  ImportOptions o = fast_options(1);
  o.progress_every = 10;
  o.progress_interval = std::chrono::hours(1);
  std::ostringstream progress;
  run_import(source, endpoint_of(api), "t", o, progress);
  const std::string p = progress.str();
  EXPECT_EQ(p.find("import: 10 users done (10 imported, 0 skipped, 0 rejected), "), 0u) << p;
  EXPECT_NE(p.find("\nimport: 20 users done (20 imported, 0 skipped, 0 rejected), "), std::string::npos) << p;
  EXPECT_EQ(p.find("import: 25"), std::string::npos) << p;
}

TEST(ImporterTest, TheSummaryListsEveryRejectedUser) {
  Summary s;
  s.imported = 3;
  s.skipped = 2;
  s.rejected = {{"line 4", "422 validation_failed (email: invalid_email)"}, {"line 9", "malformed_json (x)"}};
  std::ostringstream out;
  print_summary(s, out);
  EXPECT_EQ(out.str(),
            "imported: 3\nskipped (already there): 2\nrejected: 2\n"
            "  line 4: 422 validation_failed (email: invalid_email)\n  line 9: malformed_json (x)\n");
}

TEST(ImporterTest, TheCheckBeforeARunNamesWhatIsWrong) {
  FakeAdminApi api([](const Request& req) {
    if (req[boost::beast::http::field::authorization] != "Bearer good") return problem(401, "invalid_token");
    if (req.target() == "/busy/admin/v1/users?limit=1") return problem(503, "store_unavailable");
    if (req.target() != "/admin/v1/users?limit=1") return problem(404, "not_found");
    return Answer{200, R"({"users":[],"next_cursor":null})"};
  });
  const ClientOptions options;
  EXPECT_EQ(check_admin_api(endpoint_of(api), "good", options), std::nullopt);
  EXPECT_EQ(check_admin_api(endpoint_of(api), "bad", options), "the admin API refused the token (401 invalid_token)");
  EXPECT_EQ(check_admin_api(endpoint(api.url() + "/prefix/"), "good", options),
            "unexpected answer from GET /admin/v1/users: 404 not_found (does --admin-url name the admin listener?)");
  EXPECT_EQ(check_admin_api(endpoint(api.url() + "/busy"), "good", options),
            "the admin API is not ready (503 store_unavailable)");
  const AdminEndpoint nowhere =
      endpoint("http://127.0.0.1:" + std::to_string(vestibule::testing::free_loopback_port()));
  EXPECT_EQ(check_admin_api(nowhere, "good", options), "cannot reach the admin API: Connection refused");
}

TEST(AdminUrlTest, NamesHostPortAndPath) {
  const AdminEndpoint e = endpoint("https://admin.example.com:9444/vestibule/");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "admin.example.com");
  EXPECT_EQ(e.port, "9444");
  EXPECT_EQ(e.host_field, "admin.example.com:9444");
  EXPECT_EQ(e.base_path, "/vestibule");
  const AdminEndpoint p = endpoint("http://[::1]");
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.host, "::1");
  EXPECT_EQ(p.port, "80");
  EXPECT_EQ(p.host_field, "[::1]");
}

TEST(AdminUrlTest, RefusesWhatIsNotAnAdminUrl) {
  EXPECT_EQ(parse_admin_url("127.0.0.1:9444").error(), "not an absolute URL");
  EXPECT_EQ(parse_admin_url("localhost:9444").error(), "the scheme must be http or https");
  EXPECT_EQ(parse_admin_url("ftp://h/").error(), "the scheme must be http or https");
  EXPECT_EQ(parse_admin_url("http://u:secret@h/").error(),
            "no user or password in the URL (the token goes in --admin-token-file)");
  EXPECT_EQ(parse_admin_url("http://h/?token=x").error(), "no query or fragment in the URL");
  EXPECT_EQ(parse_admin_url("not a url").error(), "not an absolute URL");
}

}  // namespace
}  // namespace vestibule::import
