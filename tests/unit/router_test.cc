// Router: exact-path matching, 404 and 405 with the exact Allow list, HEAD served by the GET
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

// A handler that answers 200 with its own name, so a test sees which one ran.
Handler named(std::string name) {
  return [name](Request&, const Exchange&) -> net::awaitable<Response> {
    Response res{Status::ok, 11};
    res.body() = name;
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

TEST_F(RouterTest, TheTemplateIsOptional) {
  EXPECT_EQ(route(verb::get, "/healthz").body(), "live");
  EXPECT_EQ(route(verb::get, "/missing").result(), Status::not_found);
}

}  // namespace
}  // namespace vestibule::http
