#include "timing.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "http_client.h"

namespace vestibule::bench {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double timed_failed_login(e2e::HttpClient& client, const std::string& email, const std::string& password) {
  const auto start = Clock::now();
  const e2e::Response res = client.post("/v1/sessions", {{"email", email}, {"password", password}});
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (res.result_int() != 401) throw std::runtime_error("login timing: expected 401, got " + std::to_string(res.result_int()));
  return ms;
}

}  // namespace

LoginTiming measure_login_timing(unsigned short port, const std::string& email, int rounds) {
  e2e::HttpClient client(port);
  timed_failed_login(client, email, "warm-up wrong password");
  std::vector<double> unknown, wrong;
  for (int i = 0; i < rounds; ++i) {  // alternated, so drift in machine load hits both alike
    unknown.push_back(timed_failed_login(client, "nobody-" + std::to_string(i) + "@bench.example", "some password"));
    wrong.push_back(timed_failed_login(client, email, "wrong password " + std::to_string(i)));
  }
  return {.unknown_ms = median(unknown), .wrong_ms = median(wrong), .rounds = rounds};
}

}  // namespace vestibule::bench
