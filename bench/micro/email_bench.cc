// How long validate_email takes on the inputs registration and login see: a plain ASCII address,
// internationalised ones (Unicode local part, IDN domain), malformed ones that should be refused
// early, and over-long input. Measures; asserts nothing (a wrong outcome skips the benchmark so a
// number never describes the wrong path).
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "security/email.h"

namespace {

using vestibule::security::validate_email;

// `accepted` says which way the input must go: a benchmark of the accepting path that was in
// fact refused (or the reverse) would measure something else than its name says.
void validate(benchmark::State& state, std::string input, bool accepted) {
  const auto outcome = validate_email(input);
  if (static_cast<bool>(outcome) != accepted) {
    state.SkipWithError(accepted ? "input was refused" : "input was accepted");
    return;
  }
  state.SetLabel(outcome ? "accepted" : outcome.error().code);
  for (auto _ : state) {
    auto result = validate_email(input);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(input.size()));
}

// The common case: lower-case ASCII, two-label domain.
BENCHMARK_CAPTURE(validate, ascii_typical, std::string("ada.lovelace@example.com"), true);
// Mixed case: the normalised address differs from the input (the domain is lower-cased).
BENCHMARK_CAPTURE(validate, ascii_mixed_case, std::string("Ada.Lovelace@Example.COM"), true);
// Unicode local part (NFC, category checks) and an IDN domain (libidn2 lookup and register).
BENCHMARK_CAPTURE(validate, idn_latin, std::string("josé.müller@bücher.de"), true);
BENCHMARK_CAPTURE(validate, idn_cyrillic, std::string("пользователь@пример.рф"), true);
BENCHMARK_CAPTURE(validate, idn_cjk, std::string("用户@例え.テスト.jp"), true);
// Malformed input refused before any Unicode or IDNA work.
BENCHMARK_CAPTURE(validate, invalid_no_at_sign, std::string("ada.lovelace.example.com"), false);
BENCHMARK_CAPTURE(validate, invalid_double_dot, std::string("ada..lovelace@example.com"), false);
// Refused only after IDNA: the domain is special-use.
BENCHMARK_CAPTURE(validate, invalid_special_use, std::string("ada@example.test"), false);
// A 64 KiB body field: refused on length before anything reads it.
BENCHMARK_CAPTURE(validate, over_long_64k, std::string(64 * 1024, 'a') + "@example.com", false);
// Just past 254 octets: goes through every check and is refused on the whole-address length.
BENCHMARK_CAPTURE(validate, over_long_255, std::string(64, 'a') + "@" + std::string(60, 'b') + "." +
                                               std::string(60, 'c') + "." + std::string(60, 'd') + ".example.com",
                  false);

}  // namespace
