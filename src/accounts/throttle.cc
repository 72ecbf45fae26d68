#include "accounts/throttle.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vestibule::accounts {
namespace {

// Counter keys, kept as they were before this component so that windows open in a shared store
// carry over a rolling upgrade.
std::string account_key(const std::string& email_key) { return "login:account:" + email_key; }
std::string client_key(const std::string& client) { return "login:client:" + client; }

Failure from_store(store::Error) { return Failure{Code::store_unavailable, {}}; }

// The limits' names in Failure::limit and the audit lines: Throttling's fields.
constexpr std::string_view kLoginAccount = "failed_logins_per_account";
constexpr std::string_view kLoginClient = "failed_logins_per_client";

}  // namespace

Throttle::Throttle(store::Store& store, security::PasswordHasher& hasher, Throttling limits, ClockFn clock,
                   metrics::AccountMetrics* metrics)
    : store_(store), hasher_(hasher), limits_(limits), clock_(std::move(clock)), metrics_(metrics) {}

Failure Throttle::throttled(const store::Attempts& window, std::string_view name) const {
  if (metrics_) metrics_->throttled(name);
  const auto left = std::chrono::ceil<std::chrono::seconds>(window.window_ends - clock_());
  return Failure{Code::too_many_attempts, {}, std::max(left, std::chrono::seconds(1)), name};
}

Task<Result<void>> Throttle::check_limit(const Limit& limit, std::string_view name, std::string key) {
  if (limit.max == 0) co_return Result<void>{};
  auto window = co_await store_.attempts(std::move(key), clock_());
  if (!window) co_return from_store(window.error());
  if (window->count < limit.max) co_return Result<void>{};
  co_return throttled(*window, name);
}

Task<Result<void>> Throttle::take_attempt(const Limit& limit, std::string_view name, std::string key) {
  if (limit.max == 0) co_return Result<void>{};
  auto window = co_await store_.add_attempt(std::move(key), clock_(), limit.window);
  if (!window) co_return from_store(window.error());
  if (window->count <= limit.max) co_return Result<void>{};
  co_return throttled(*window, name);
}

Task<Result<bool>> Throttle::check_password(PasswordCheck check) {
  const Limit& per_account = limits_.failed_logins_per_account;
  const Limit& per_client = limits_.failed_logins_per_client;
  const bool by_client = !check.client.empty();
  if (by_client) {
    auto allowed = co_await check_limit(per_client, kLoginClient, client_key(check.client));
    if (!allowed) co_return allowed.error();
  }
  auto open = co_await check_limit(per_account, kLoginAccount, account_key(check.email_key));
  if (!open) co_return open.error();

  // The slot first: an attempt is counted only once it is sure to be verified.
  std::optional<security::PasswordHasher::Reservation> slot = hasher_.reserve();
  if (!slot) co_return Failure{Code::overloaded, {}};
  auto taken = co_await take_attempt(per_account, kLoginAccount, account_key(check.email_key));
  if (!taken) co_return taken.error();  // the slot is released with `slot`

  auto match = co_await hasher_.verify(std::move(*slot), std::move(check.password), std::move(check.hash));
  // A failed hash is out of memory for argon2's buffer, or a shutdown: transient either way.
  if (!match) co_return Failure{Code::overloaded, {}};
  if (!*match) {
    if (by_client && per_client.max != 0) {
      auto counted = co_await store_.add_attempt(client_key(check.client), clock_(), per_client.window);
      if (!counted) co_return from_store(counted.error());
    }
    co_return false;
  }
  if (per_account.max != 0 && check.forget_on_match) {
    auto cleared = co_await store_.clear_attempts(account_key(check.email_key));
    if (!cleared) co_return from_store(cleared.error());
  }
  co_return true;
}

Task<Result<void>> Throttle::admit_client(const Limit& limit, std::string_view name, std::string key) {
  // A client already over its limit is refused by a read, like a password guess: its refusals
  // cost no store write (with SQLite, a durable transaction each).
  auto open = co_await check_limit(limit, name, key);
  if (!open) co_return open.error();
  co_return co_await take_attempt(limit, name, std::move(key));
}

Task<Result<void>> Throttle::admit_registration(std::string client) {
  if (client.empty()) co_return Result<void>{};
  co_return co_await admit_client(limits_.registrations_per_client, "registrations_per_client", "register:client:" + client);
}

Task<Result<void>> Throttle::admit_mail_request(std::string client) {
  if (client.empty()) co_return Result<void>{};
  co_return co_await admit_client(limits_.mail_requests_per_client, "mail_requests_per_client", "mail:client:" + client);
}

Task<Result<bool>> Throttle::admit_mail(const std::string& recipient, std::string_view group) {
  const std::string key = "mail:" + std::string(group) + ":" + recipient;
  // The short window first: a burst refused there does not use up the long window's budget.
  // A named array, not a braced list in the loop: g++ 12 mishandles temporaries across co_await.
  struct Window {
    const Limit* limit;
    const char* suffix;
    const char* name;  // Throttling's field, for the metrics
  };
  const std::array<Window, 2> windows{{{&limits_.mail_per_account_short, ":short", "mail_per_account_short"},
                                       {&limits_.mail_per_account_long, ":long", "mail_per_account_long"}}};
  for (const Window& w : windows) {
    if (w.limit->max == 0) continue;
    auto window = co_await store_.add_attempt(key + w.suffix, clock_(), w.limit->window);
    if (!window) co_return from_store(window.error());
    if (window->count > w.limit->max) {
      if (metrics_) metrics_->throttled(w.name);
      co_return false;
    }
  }
  co_return true;
}

Task<Result<void>> Throttle::admit_code(const std::string& email_key, const std::string& client,
                                        const std::string& token_digest, std::chrono::seconds token_ttl) {
  const Limit& per_account = limits_.failed_logins_per_account;
  if (!client.empty()) {
    auto allowed = co_await check_limit(limits_.failed_logins_per_client, kLoginClient, client_key(client));
    if (!allowed) co_return allowed.error();
  }
  auto open = co_await check_limit(per_account, kLoginAccount, account_key(email_key));
  if (!open) co_return open.error();
  auto taken = co_await take_attempt(per_account, kLoginAccount, account_key(email_key));
  if (!taken) co_return taken.error();
  // The token's own budget, over its whole life (a window as long as the token lasts).
  auto used = co_await store_.add_attempt("mfa:token:" + token_digest, clock_(), token_ttl);
  if (!used) co_return from_store(used.error());
  if (used->count > kCodesPerMfaToken) co_return Failure{Code::invalid_mfa_token, {}};
  co_return Result<void>{};
}

Task<Result<void>> Throttle::code_failed(const std::string& client) {
  const Limit& per_client = limits_.failed_logins_per_client;
  if (client.empty() || per_client.max == 0) co_return Result<void>{};
  auto counted = co_await store_.add_attempt(client_key(client), clock_(), per_client.window);
  if (!counted) co_return from_store(counted.error());
  co_return Result<void>{};
}

Task<Result<void>> Throttle::forget_failures(std::string email_key) {
  auto cleared = co_await store_.clear_attempts(account_key(email_key));
  if (!cleared) co_return from_store(cleared.error());
  co_return Result<void>{};
}

}  // namespace vestibule::accounts
