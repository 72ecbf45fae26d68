#include "timing.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include <boost/json/object.hpp>

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

// One request that must answer `status`; its time in ms.
double timed(e2e::HttpClient& client, const std::string& path, const boost::json::object& body, unsigned status) {
  const auto start = Clock::now();
  const e2e::Response res = client.post(path, body);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (res.result_int() != status) {
    throw std::runtime_error(path + " timing: expected " + std::to_string(status) + ", got " +
                             std::to_string(res.result_int()));
  }
  return ms;
}

// Round i of a comparison whose requests leave work running after their answer (a known
// address's mail): A then B in even rounds, B then A in odd ones, so that each kind follows each
// kind equally often. In plain A B turns every A followed a B, and paid for the B's work still
// running: on SQLite unknown addresses read 1.27 times known ones over 200 rounds.
template <typename A, typename B>
void in_turns(int round, A a, B b) {
  if (round % 2 == 0) {
    a();
    b();
  } else {
    b();
    a();
  }
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

PairTiming measure_reset_timing(unsigned short port, const std::vector<std::string>& known, int rounds) {
  if (known.size() < static_cast<std::size_t>(rounds) + 1) throw std::invalid_argument("reset timing: too few addresses");
  e2e::HttpClient client(port);
  timed(client, "/v1/password-resets", {{"email", known[0]}}, 202);
  std::vector<double> absent, present;
  for (int i = 0; i < rounds; ++i) {
    const std::string unknown = "nobody-" + std::to_string(i) + "@bench.example";
    const std::string& real = known[static_cast<std::size_t>(i) + 1];
    in_turns(i, [&] { absent.push_back(timed(client, "/v1/password-resets", {{"email", unknown}}, 202)); },
             [&] { present.push_back(timed(client, "/v1/password-resets", {{"email", real}}, 202)); });
  }
  return {.absent_ms = median(absent), .present_ms = median(present), .rounds = rounds};
}

PairTiming measure_registration_timing(unsigned short port, const std::vector<std::string>& known,
                                       const std::string& password, int rounds) {
  if (known.size() < static_cast<std::size_t>(rounds) + 1) throw std::invalid_argument("registration timing: too few addresses");
  e2e::HttpClient client(port);
  auto registration = [&](const std::string& address) {
    return boost::json::object{{"name", "Timing Probe"}, {"email", address}, {"password", password}};
  };
  const std::string run = std::to_string(Clock::now().time_since_epoch().count());
  timed(client, "/v1/users", registration(known[0]), 202);
  std::vector<double> absent, present;
  for (int i = 0; i < rounds; ++i) {
    const std::string fresh = "new-" + run + "-" + std::to_string(i) + "@bench.example";
    const std::string& taken = known[static_cast<std::size_t>(i) + 1];
    in_turns(i, [&] { absent.push_back(timed(client, "/v1/users", registration(fresh), 202)); },
             [&] { present.push_back(timed(client, "/v1/users", registration(taken), 202)); });
  }
  return {.absent_ms = median(absent), .present_ms = median(present), .rounds = rounds};
}

}  // namespace vestibule::bench
