// libFuzzer harness: the account messages (accounts/messages.h) composed into RFC 5322 text
// (mail/composer.h) from arbitrary names, addresses and template values, which come from
// users. Composing may refuse (a bad recipient), but what it writes must never crash and must
// keep its header block to exactly the headers Vestibule writes: no CR or LF from a value may
// start a line of its own, and no line may pass RFC 5322's 998 characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/messages.h"
#include "mail/composer.h"

namespace {

using namespace std::chrono_literals;
namespace messages = vestibule::accounts::messages;

// The input as up to four NUL-separated fields: recipient, name, new address, template kind.
std::vector<std::string> fields(std::string_view input) {
  std::vector<std::string> out;
  while (out.size() < 3) {
    const std::size_t nul = input.find('\0');
    out.emplace_back(input.substr(0, nul));
    if (nul == std::string_view::npos) {
      input = {};
      break;
    }
    input.remove_prefix(nul + 1);
  }
  out.emplace_back(input);
  while (out.size() < 4) out.emplace_back();
  return out;
}

void check(const std::string& message) {
  static const std::set<std::string> kHeaders{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                                              "Auto-Submitted", "Content-Type"};
  const std::size_t end = message.find("\r\n\r\n");
  if (end == std::string::npos) std::abort();
  std::set<std::string> seen;
  std::size_t at = 0;
  while (at < end + 2) {
    const std::size_t eol = message.find("\r\n", at);
    const std::string_view line(message.data() + at, eol - at);
    if (line.size() > 998 || line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos) {
      std::abort();
    }
    if (line.empty()) std::abort();
    if (line.front() != ' ' && line.front() != '\t') {
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) std::abort();
      const std::string name(line.substr(0, colon));
      if (!kHeaders.count(name) || !seen.insert(name).second) std::abort();  // unknown or repeated
    }
    at = eol + 2;
  }
  if (seen.size() != kHeaders.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vestibule::mail::Composer composer = [] {
    vestibule::mail::MailOptions options;
    options.from = "Vestibule Accounts <no-reply@accounts.example.com>";
    auto created = vestibule::mail::Composer::create(options);
    if (!created) std::abort();
    return std::move(*created);
  }();
  const std::vector<std::string> f = fields(std::string_view(reinterpret_cast<const char*>(data), size));
  const vestibule::store::TimePoint now{1'800'000'000'000ms};
  std::vector<vestibule::store::OutboxMessage> all{
      messages::verify_email(f[0], f[1], f[2], 24h, now),
      messages::reset_password(f[0], f[1], f[2], 1h, now),
      messages::password_changed(f[0], f[1], now),
      messages::email_change_notice(f[0], f[1], f[2], now),
      messages::registration_attempt(f[0], f[1], now),
  };
  // A stored message of any kind, with the fields as its params.
  vestibule::store::OutboxMessage odd = all[0];
  odd.kind = f[3];
  all.push_back(odd);
  for (const auto& m : all) {
    auto composed = composer.compose(m);
    if (composed) check(composed->message);
  }
  return 0;
}
