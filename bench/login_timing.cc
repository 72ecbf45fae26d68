// Login timing: does a login for an unknown email take the same time as one with a wrong
// password? (If not, response times tell attackers which addresses have accounts.) Starts its
// own vestibule with the production hashing defaults, alternates the two kinds of failed login,
// and prints the medians and their ratio. Measures; asserts nothing.
//
//   build/test/bench/login_timing [rounds]      (default 40 rounds of each kind)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "http_client.h"
#include "server_process.h"

using namespace vestibule::e2e;
using Clock = std::chrono::steady_clock;

namespace {

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double timed_login(HttpClient& client, const std::string& email, const std::string& password) {
  const auto start = Clock::now();
  Response res = client.post("/v1/sessions", {{"email", email}, {"password", password}});
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (res.result_int() != 401) {
    std::fprintf(stderr, "unexpected status %u\n", res.result_int());
    std::exit(1);
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 40;
  ServerConfig config;
  config.hash_args = {};  // production argon2id parameters (19 MiB, 2 passes)
  // Throttling would answer most of these 429 before any hash: measure the hashing path.
  config.extra_args = {"--login-account-limit", "0", "--login-client-limit", "0"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  const Account account = register_account(client, "timing");
  timed_login(client, account.email, "warm-up wrong password");

  std::vector<double> unknown, wrong;
  for (int i = 0; i < rounds; ++i) {  // alternated, so drift in machine load hits both alike
    unknown.push_back(timed_login(client, unique_email("nobody"), "some password " + std::to_string(i)));
    wrong.push_back(timed_login(client, account.email, "wrong password " + std::to_string(i)));
  }
  const double u = median_ms(unknown), w = median_ms(wrong);
  std::printf("login timing, %d rounds each, argon2id m=19456 KiB t=2\n", rounds);
  std::printf("%-28s %10s\n", "case", "median ms");
  std::printf("%-28s %10.2f\n", "unknown email", u);
  std::printf("%-28s %10.2f\n", "known email, wrong password", w);
  std::printf("ratio unknown/wrong: %.3f (target 0.9-1.1)\n", u / w);
  return 0;
}
