// Router: exact-path and template matching (path parameters), 404 and 405 with the exact Allow list, HEAD served by the GET
// handler, the query string ignored, and the route template it reports for observers (never
// the raw target, so a metrics label keeps a bounded cardinality).
#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <string>

#include "http/observer.h"

namespace vestibule::http {
namespace {

namespace net = boost::asio;
using beast_http::verb;

Response render(const ErrorInfo& e, const Exchange&) {
  Response res{e.status, 11};
  res.body() = std::string(e.code);
  return res;
}

// A handler that answers 200 with its own name and the path parameters it got ("name a,b"), so a
// test sees which one ran with what.
Handler named(std::string name) {
  return [name](Request&, const Exchange& ex) -> net::awaitable<Response> {
    Response res{Status::ok, 11};
    res.body() = name;
    for (std::size_t i = 0; i < ex.path_params.size(); ++i) res.body() += (i == 0 ? " " : ",") + ex.path_params[i];
    co_return res;
  };
}

class RouterTest : public testing::Test {
 protected:
  RouterTest() : router_(render) {
    router_.add(verb::get, "/v1/users/me", named("get me"));
    router_.add(verb::patch, "/v1/users/me", named("patch me"));
    router_.add(verb::delete_, "/v1/users/me", named("delete me"));
    router_.add(verb::post, "/v1/users", named("register"));
    router_.add(verb::get, "/healthz", named("live"));
    router_.add(verb::delete_, "/v1/sessions/current", named("logout"));
    router_.add(verb::delete_, "/v1/sessions/{id}", named("revoke"));
    router_.add(verb::get, "/admin/v1/users/{id}", named("get user"));
    router_.add(verb::patch, "/admin/v1/users/{id}", named("patch user"));
    router_.add(verb::delete_, "/admin/v1/users/{id}/sessions", named("revoke all"));
  }

  // Routes `method target` to completion; `matched` receives the reported template.
  Response route(verb method, std::string_view target, std::string_view* matched = nullptr) {
    Request req{method, target, 11};
    const Exchange ex{"test-1"};
    net::io_context io;
    std::optional<Response> out;
    std::exception_ptr failure;
    net::co_spawn(io, router_.route(req, ex, matched), [&](std::exception_ptr e, Response res) {
      failure = e;
      out = std::move(res);
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*out);
  }

  Router router_;
};

TEST_F(RouterTest, AnExactPathAndMethodRunTheirHandler) {
  std::string_view matched;
  Response res = route(verb::patch, "/v1/users/me", &matched);
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.body(), "patch me");
  EXPECT_EQ(matched, "/v1/users/me");
  EXPECT_EQ(route(verb::post, "/v1/users").body(), "register");
}

TEST_F(RouterTest, AnUnknownPathIsNotFoundAndReportedAsUnmatched) {
  for (std::string_view target : {"/", "/v1/users/me/", "/v1/users/me/extra", "/V1/USERS/ME", "/healthz2"}) {
    std::string_view matched = "not set";
    Response res = route(verb::get, target, &matched);
    EXPECT_EQ(res.result(), Status::not_found) << target;
    EXPECT_EQ(res.body(), "not_found") << target;
    EXPECT_EQ(matched, kUnmatchedRoute) << target;
  }
}

TEST_F(RouterTest, AWrongMethodIsNotAllowedWithTheExactAllowList) {
  std::string_view matched;
  Response res = route(verb::put, "/v1/users/me", &matched);
  EXPECT_EQ(res.result(), Status::method_not_allowed);
  EXPECT_EQ(res.body(), "method_not_allowed");
  EXPECT_EQ(res[beast_http::field::allow], "GET, HEAD, PATCH, DELETE");
  EXPECT_EQ(matched, "/v1/users/me") << "a 405 is on a known resource: its template is reported";
  EXPECT_EQ(route(verb::get, "/v1/users")[beast_http::field::allow], "POST");
  EXPECT_EQ(route(verb::delete_, "/healthz")[beast_http::field::allow], "GET, HEAD");
}

TEST_F(RouterTest, HeadRunsTheGetHandler) {
  std::string_view matched;
  Response res = route(verb::head, "/healthz", &matched);
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.body(), "live") << "the server, not the router, drops the body";
  EXPECT_EQ(matched, "/healthz");
  EXPECT_EQ(route(verb::head, "/v1/users/me").body(), "get me");
}

TEST_F(RouterTest, HeadOnAResourceWithoutGetIsNotAllowed) {
  Response res = route(verb::head, "/v1/users");
  EXPECT_EQ(res.result(), Status::method_not_allowed);
  EXPECT_EQ(res[beast_http::field::allow], "POST");
}

TEST_F(RouterTest, TheQueryStringIsIgnoredAndNeverReported) {
  std::string_view matched;
  EXPECT_EQ(route(verb::get, "/v1/users/me?fields=all&x=1", &matched).body(), "get me");
  EXPECT_EQ(matched, "/v1/users/me");
  EXPECT_EQ(route(verb::get, "/nowhere?token=secret", &matched).result(), Status::not_found);
  EXPECT_EQ(matched, kUnmatchedRoute);
}

TEST_F(RouterTest, ATemplateHandsItsParametersToTheHandlerAndIsReportedAsTheTemplate) {
  std::string_view matched;
  EXPECT_EQ(route(verb::delete_, "/v1/sessions/abc-123", &matched).body(), "revoke abc-123");
  EXPECT_EQ(matched, "/v1/sessions/{id}");
  EXPECT_EQ(route(verb::get, "/admin/v1/users/u1?x=1", &matched).body(), "get user u1");
  EXPECT_EQ(matched, "/admin/v1/users/{id}");
  EXPECT_EQ(route(verb::delete_, "/admin/v1/users/u%2F1/sessions").body(), "revoke all u%2F1")
      << "a parameter is one segment as sent";
}

TEST_F(RouterTest, AnExactPathWinsOverATemplateThatAlsoMatches) {
  std::string_view matched;
  EXPECT_EQ(route(verb::delete_, "/v1/sessions/current", &matched).body(), "logout");
  EXPECT_EQ(matched, "/v1/sessions/current");
}

TEST_F(RouterTest, ATemplateMatchesWholeNonEmptySegmentsOnly) {
  for (std::string_view target : {"/v1/sessions/", "/v1/sessions", "/v1/sessions/a/b", "/admin/v1/users//sessions",
                                  "/admin/v1/users/u1/sessions/x", "/admin/v1/users/u1/session"}) {
    std::string_view matched = "not set";
    EXPECT_EQ(route(verb::delete_, target, &matched).result(), Status::not_found) << target;
    EXPECT_EQ(matched, kUnmatchedRoute) << target;
  }
}

TEST_F(RouterTest, ATemplateAnswersAWrongMethodWithItsOwnAllowList) {
  std::string_view matched;
  Response res = route(verb::post, "/admin/v1/users/u1", &matched);
  EXPECT_EQ(res.result(), Status::method_not_allowed);
  EXPECT_EQ(res[beast_http::field::allow], "GET, HEAD, PATCH");
  EXPECT_EQ(matched, "/admin/v1/users/{id}");
  EXPECT_EQ(route(verb::head, "/admin/v1/users/u1").body(), "get user u1");
}

TEST_F(RouterTest, TheTemplateIsOptional) {
  EXPECT_EQ(route(verb::get, "/healthz").body(), "live");
  EXPECT_EQ(route(verb::get, "/missing").result(), Status::not_found);
}

}  // namespace
}  // namespace vestibule::http
