// How long the JSON mapping takes on every request and response: a request body parsed and mapped
// to the account service's inputs (as the handlers do), and a domain result or a failure turned
// into a response with its serialised body. Measures; asserts nothing (an unexpected mapping
// failure skips the benchmark).
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "api/json_mapping.h"
#include "api/problem.h"

namespace {

namespace api = vestibule::api;
namespace accounts = vestibule::accounts;
namespace http = vestibule::http;
namespace beast_http = boost::beast::http;
using namespace std::chrono_literals;

http::Request json_request(beast_http::verb method, std::string target, std::string body) {
  http::Request req{method, target, 11};
  req.set(beast_http::field::content_type, "application/json; charset=utf-8");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// Parses and maps `req` as the handler does, with `map` one of the to_* functions.
template <typename Map>
void parse_and_map(benchmark::State& state, const http::Request& req, Map map) {
  auto first = api::parse_object(req);
  if (!first || !map(*first)) {
    state.SkipWithError("the body did not map");
    return;
  }
  for (auto _ : state) {
    auto object = api::parse_object(req);
    auto mapped = map(*object);
    benchmark::DoNotOptimize(mapped);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(req.body().size()));
}

// POST /v1/users.
void parse_registration(benchmark::State& state) {
  const http::Request req = json_request(
      beast_http::verb::post, "/v1/users",
      R"({"name":"Ada Lovelace","email":"ada.lovelace@example.com","password":"correct horse battery staple"})");
  parse_and_map(state, req, [](const boost::json::object& o) { return api::to_registration(o); });
}
BENCHMARK(parse_registration);

// POST /v1/sessions.
void parse_credentials(benchmark::State& state) {
  const http::Request req = json_request(beast_http::verb::post, "/v1/sessions",
                                         R"({"email":"ada.lovelace@example.com","password":"correct horse battery staple"})");
  parse_and_map(state, req, [](const boost::json::object& o) { return api::to_credentials(o); });
}
BENCHMARK(parse_credentials);

// PATCH /v1/users/me changing only the name, the most common partial update.
void parse_profile_changes(benchmark::State& state) {
  const http::Request req = json_request(beast_http::verb::patch, "/v1/users/me", R"({"name":"Ada King"})");
  parse_and_map(state, req, [](const boost::json::object& o) { return api::to_profile_changes(o); });
}
BENCHMARK(parse_profile_changes);

accounts::User sample_user() {
  const accounts::TimePoint created{1'764'268'200'123ms};
  return accounts::User{"3f2b8c1e-7a4d-4e6f-9b0a-1c2d3e4f5a6b", "Ada Lovelace", "ada.lovelace@example.com", created,
                        created + 86'400'000ms};
}

// GET /v1/users/me: the user view to a serialised 200 response.
void serialise_user(benchmark::State& state) {
  const accounts::User user = sample_user();
  for (auto _ : state) {
    http::Response res = api::json_response(http::Status::ok, api::to_json(user));
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(serialise_user);

// POST /v1/sessions: the login result (token, expiry, nested user) to a serialised 201 response.
void serialise_login(benchmark::State& state) {
  const accounts::Login login{"q8Yb1jLrV0m5cXwT2nHkPz4sDfGu7eA9oIiRtJ3lK6M", sample_user().created_at + 3'600'000ms,
                              3600s, sample_user()};
  for (auto _ : state) {
    http::Response res = api::json_response(http::Status::created, api::to_json(login));
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(serialise_login);

// rfc3339 alone: three of them go into every login response, two into every user view.
void format_rfc3339(benchmark::State& state) {
  const accounts::TimePoint t = sample_user().created_at;
  for (auto _ : state) {
    std::string text = api::rfc3339(t);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(format_rfc3339);

const http::Exchange kExchange{"01JD3V7Q8K2M4N6P8R0T2V4X6Z", false, "203.0.113.7"};

// A failure without field errors (e.g. a wrong password at login) to a problem response.
void problem_invalid_credentials(benchmark::State& state) {
  const accounts::Failure failure{accounts::Code::invalid_credentials, {}, 0s};
  for (auto _ : state) {
    http::Response res = api::failure_response(failure, kExchange);
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(problem_invalid_credentials);

// A registration refused on two fields: the 422 problem with its `errors` list.
void problem_validation_failed(benchmark::State& state) {
  const accounts::Failure failure{
      accounts::Code::validation_failed,
      {{"email", "invalid_email", "The email address must have exactly one @-sign."},
       {"password", "too_short", "The password must have at least 8 characters."}},
      0s};
  for (auto _ : state) {
    http::Response res = api::failure_response(failure, kExchange);
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(problem_validation_failed);

}  // namespace
