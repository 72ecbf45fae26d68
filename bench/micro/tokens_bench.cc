// How long the bearer-token functions take: issuing a token (CSPRNG, base64url, SHA-256), the
// digest every authenticated request computes, the early refusal of a malformed token, and
// account ids. Measures; asserts nothing.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <string>

#include "security/tokens.h"

namespace {

namespace security = vestibule::security;

// The server initialises libsodium once at start-up (PasswordHasher); do the same so the first
// timed call does not pay for it. sodium_init is idempotent.
bool sodium_ready(benchmark::State& state) {
  if (sodium_init() < 0) {
    state.SkipWithError("libsodium failed to initialise");
    return false;
  }
  return true;
}

void issue_token(benchmark::State& state) {
  if (!sodium_ready(state)) return;
  for (auto _ : state) {
    security::IssuedToken t = security::issue_token();
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(issue_token);

// Every request with a bearer token: decode the 43 characters, SHA-256, hex.
void token_digest(benchmark::State& state) {
  if (!sodium_ready(state)) return;
  const std::string token = security::issue_token().token;
  for (auto _ : state) {
    auto digest = security::token_digest(token);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(token_digest);

// A token of the right length that is not base64url: refused without hashing.
void token_digest_malformed(benchmark::State& state) {
  if (!sodium_ready(state)) return;
  const std::string token(security::kTokenChars, '!');
  for (auto _ : state) {
    auto digest = security::token_digest(token);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(token_digest_malformed);

void new_uuid(benchmark::State& state) {
  if (!sodium_ready(state)) return;
  for (auto _ : state) {
    std::string id = security::new_uuid();
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(new_uuid);

}  // namespace
