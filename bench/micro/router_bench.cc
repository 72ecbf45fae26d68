// How long Router::route takes to pick a handler for a request, or to answer 404 or 405 itself
// (those include rendering the problem body, as in production). The route table is the API's
// (api/routes.cc) with handlers that answer at once, so only routing is measured.
// Measures; asserts nothing.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <string>

#include "api/problem.h"
#include "http/router.h"

namespace {

namespace api = vestibule::api;
namespace http = vestibule::http;
using boost::beast::http::verb;

boost::asio::awaitable<http::Response> answer_ok(http::Request&, const http::Exchange&) {
  co_return http::Response{http::Status::ok, 11};
}

// The same methods and paths as api::add_routes, which needs the real handlers and therefore an
// account service, a store and a hashing pool.
http::Router api_router() {
  http::Router router(api::render_error);
  for (auto [method, path] : {std::pair{verb::post, "/v1/users"}, {verb::get, "/v1/users/me"},
                              {verb::patch, "/v1/users/me"}, {verb::delete_, "/v1/users/me"},
                              {verb::post, "/v1/sessions"}, {verb::delete_, "/v1/sessions"},
                              {verb::delete_, "/v1/sessions/current"}, {verb::get, "/healthz"},
                              {verb::get, "/readyz"}}) {
    router.add(method, path, answer_ok);
  }
  return router;
}

// The timed loop runs inside one coroutine on one io_context, as the server's session loop calls
// route(), so a co_spawn per iteration is not counted.
void route(benchmark::State& state, verb method, std::string target, http::Status expected) {
  const http::Router router = api_router();
  http::Request request{method, target, 11};
  const http::Exchange exchange{"01JD3V7Q8K2M4N6P8R0T2V4X6Z", false, "203.0.113.7"};
  boost::asio::io_context io;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        if ((co_await router.route(request, exchange)).result() != expected) {
          state.SkipWithError("unexpected status");
          co_return;
        }
        for (auto _ : state) {
          http::Response res = co_await router.route(request, exchange);
          benchmark::DoNotOptimize(res);
        }
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  state.SetLabel(std::to_string(static_cast<unsigned>(expected)));
}

BENCHMARK_CAPTURE(route, get_users_me, verb::get, std::string("/v1/users/me"), http::Status::ok);
BENCHMARK_CAPTURE(route, post_sessions, verb::post, std::string("/v1/sessions"), http::Status::ok);
// The query string is cut off before the lookup.
BENCHMARK_CAPTURE(route, get_healthz_query, verb::get, std::string("/healthz?probe=1"), http::Status::ok);
BENCHMARK_CAPTURE(route, unknown_path_404, verb::get, std::string("/v1/admin/users"), http::Status::not_found);
BENCHMARK_CAPTURE(route, wrong_method_405, verb::put, std::string("/v1/users/me"), http::Status::method_not_allowed);

}  // namespace
