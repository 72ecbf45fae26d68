// The account page as the server sends it (issue 13): where it is served, its security headers,
// that it is self-contained and small, and that --no-ui turns it off. What it does in a browser
// is tests/browser/account_page.mjs (Playwright and Debian's chromium).
// These requests go straight to the server, never through the contract proxy: the document
// lists the page's paths and headers (tag `page`), but what it checks is the JSON API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

using testing::HasSubstr;
using testing::Not;

const std::vector<std::string> kPagePaths = {"/", "/reset-password", "/verify-email"};
const std::vector<std::string> kAssetPaths = {"/ui/app.js", "/ui/app.css", "/ui/icon.svg"};

std::vector<std::string> every_path() {
  std::vector<std::string> all = kPagePaths;
  all.insert(all.end(), kAssetPaths.begin(), kAssetPaths.end());
  return all;
}

// Every occurrence of `pattern`'s first group in `text`.
std::set<std::string> matches(const std::string& text, const std::string& pattern) {
  std::set<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

class UiTest : public SharedServerTest {};

TEST_F(UiTest, ThePageIsServedAtTheRootAndAtTheMailedLinksPaths) {
  Response root = direct_client().get("/");
  ASSERT_EQ(root.result_int(), 200u) << describe(root);
  EXPECT_EQ(root[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_THAT(root.body(), HasSubstr(R"(<script src="/ui/app.js" defer></script>)"));
  for (const std::string path : {"/reset-password", "/verify-email"}) {
    Response res = direct_client().get(path);
    ASSERT_EQ(res.result_int(), 200u) << path << ": " << describe(res);
    EXPECT_EQ(res.body(), root.body()) << path;
  }
  // The query string does not matter; a fragment never reaches a server.
  EXPECT_EQ(direct_client().get("/verify-email?from=mail").body(), root.body());
}

TEST_F(UiTest, TheAssetsHaveTheirContentTypes) {
  const std::map<std::string, std::string> expected = {{"/ui/app.js", "text/javascript; charset=utf-8"},
                                                       {"/ui/app.css", "text/css; charset=utf-8"},
                                                       {"/ui/icon.svg", "image/svg+xml"}};
  for (const auto& [path, type] : expected) {
    Response res = direct_client().get(path);
    ASSERT_EQ(res.result_int(), 200u) << path << ": " << describe(res);
    EXPECT_EQ(res[http::field::content_type], type) << path;
    EXPECT_FALSE(res.body().empty()) << path;
  }
}

TEST_F(UiTest, EveryAnswerCarriesAStrictContentSecurityPolicyAndTheOtherSecurityHeaders) {
  for (const std::string& path : every_path()) {
    Response res = direct_client().get(path);
    ASSERT_EQ(res.result_int(), 200u) << path;
    const std::string csp(res["Content-Security-Policy"]);
    EXPECT_THAT(csp, HasSubstr("default-src 'self'")) << path;
    EXPECT_THAT(csp, HasSubstr("script-src 'self';")) << path;
    EXPECT_THAT(csp, HasSubstr("style-src 'self';")) << path;
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'")) << path;
    EXPECT_THAT(csp, HasSubstr("form-action 'none'")) << path;
    EXPECT_THAT(csp, HasSubstr("object-src 'none'")) << path;
    EXPECT_THAT(csp, HasSubstr("base-uri 'none'")) << path;
    EXPECT_THAT(csp, Not(HasSubstr("unsafe"))) << path;  // no 'unsafe-inline', 'unsafe-eval'
    EXPECT_THAT(csp, Not(HasSubstr("*"))) << path;
    EXPECT_THAT(csp, Not(HasSubstr("http"))) << path;  // no other origin
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer") << path;
    EXPECT_EQ(res["X-Frame-Options"], "DENY") << path;
    EXPECT_TRUE(has_standard_headers(res)) << path;  // Cache-Control: no-store, nosniff, request id
  }
}

TEST_F(UiTest, HeadAnswersTheHeadersWithoutTheBody) {
  for (const std::string& path : every_path()) {
    Response got = direct_client().get(path);
    Request head{http::verb::head, path, 11};
    Response headed = direct_client().send(std::move(head));
    ASSERT_EQ(headed.result_int(), 200u) << path;
    EXPECT_TRUE(headed.body().empty()) << path;
    EXPECT_EQ(headed[http::field::content_length], std::to_string(got.body().size())) << path;
    EXPECT_EQ(headed["Content-Security-Policy"], got["Content-Security-Policy"]) << path;
  }
}

TEST_F(UiTest, OtherMethodsAndUnknownFilesAreRefused) {
  Response posted = direct_client().post("/", boost::json::object{});
  EXPECT_TRUE(is_problem(posted, 405, "method_not_allowed")) << describe(posted);
  EXPECT_EQ(posted[http::field::allow], "GET, HEAD");
  for (const std::string path : {"/ui/", "/ui/missing.js", "/ui/../index.html", "/index.html", "/ui/app.js/x"}) {
    Response res = direct_client().get(path);
    EXPECT_TRUE(is_problem(res, 404, "not_found")) << path << ": " << describe(res);
  }
}

// Self-contained: nothing from another origin, no inline script or style (the policy would
// block them, so they would be bugs), and under the issue's size target.
TEST_F(UiTest, ThePageIsSelfContainedAndSmall) {
  // What a visit transfers: the document once (the three page paths serve the same one) and
  // each asset.
  std::size_t total = 0;
  std::string all;
  for (const std::string& path : every_path()) {
    Response res = direct_client().get(path);
    ASSERT_EQ(res.result_int(), 200u) << path;
    if (path == "/reset-password" || path == "/verify-email") continue;
    total += res.body().size();
    all += res.body();
  }
  EXPECT_LT(total, 50u * 1024) << "the page, its script, style and icon, uncompressed";
  // The only absolute URL is the SVG namespace name, which nothing fetches.
  EXPECT_EQ(matches(all, R"((https?://[^"' )]*))"), std::set<std::string>{"http://www.w3.org/2000/svg"});
  EXPECT_THAT(all, Not(HasSubstr("@import")));
  EXPECT_THAT(all, Not(HasSubstr("url(")));

  const std::string html = direct_client().get("/").body();
  EXPECT_EQ(matches(html, R"(<script([^>]*)>)"), std::set<std::string>{R"( src="/ui/app.js" defer)"});
  EXPECT_THAT(html, Not(HasSubstr("<style")));
  EXPECT_TRUE(matches(html, R"(\s(style|on[a-z]+)=)").empty()) << "inline style or event handler";
}

// Every input has a label (the browser test checks the rest with axe-core).
TEST_F(UiTest, EveryInputHasALabel) {
  const std::string html = direct_client().get("/").body();
  const std::set<std::string> inputs = matches(html, R"re(<input id="([^"]+)")re");
  const std::set<std::string> labels = matches(html, R"re(<label for="([^"]+)")re");
  EXPECT_FALSE(inputs.empty());
  EXPECT_EQ(inputs, labels);
  // The page's buttons and labels use the words people expect.
  for (const std::string words : {">Sign up<", ">Sign in<", ">Name<", ">Email<", ">Password<", ">Forgot password?<",
                                  ">Save<", ">Sign out<", ">Sign out everywhere<", ">Delete account<"}) {
    EXPECT_THAT(html, HasSubstr(words));
  }
}

TEST(UiOffTest, NoUiTurnsEveryPagePathOff) {
  ServerConfig config;
  config.through_contract_proxy = false;
  config.extra_args = {"--no-ui"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  for (const std::string& path : every_path()) {
    Response res = client.get(path);
    EXPECT_TRUE(is_problem(res, 404, "not_found")) << path << ": " << describe(res);
  }
  EXPECT_EQ(client.get("/healthz").result_int(), 200u);
}

}  // namespace
}  // namespace vestibule::e2e
