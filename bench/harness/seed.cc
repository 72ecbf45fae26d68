#include "seed.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <stdexcept>

#include "security/tokens.h"
#include "store/open.h"
#include "support/run_awaitable.h"

namespace vestibule::bench {
namespace {

namespace net = boost::asio;
using store::Store;

constexpr std::size_t kInFlight = 64;

store::TimePoint now() { return std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()); }

struct Progress {
  std::size_t running = 0;
  std::string failure;
  net::steady_timer* all_done = nullptr;
};

// Accounts first, first + kInFlight, ... with a session for those below plan.sessions.
net::awaitable<void> seed_stride(Store& store, const SeedPlan& plan, std::size_t first, std::vector<std::string>& tokens,
                                 Progress& progress) {
  const store::TimePoint created = now();
  for (std::size_t n = first; n < plan.users && progress.failure.empty(); n += kInFlight) {
    const std::string email = seeded_email(n);
    store::Account account{.id = security::new_uuid(),
                           .name = "Bench User " + std::to_string(n),
                           .email = email,
                           .email_key = email,
                           .password_hash = plan.password_hash,
                           .created_at = created,
                           .updated_at = created};
    const std::string id = account.id;
    store::Effects effects;  // a seeded account queues no mail
    auto made = co_await store.create_account(std::move(account), std::move(effects));
    if (!made) {
      progress.failure = std::string("create_account: ") + store::to_string(made.error());
      break;
    }
    if (n < plan.sessions) {
      security::IssuedToken issued = security::issue_token();
      store::Session session{.token_digest = issued.digest,
                             .account_id = id,
                             .created_at = created,
                             .expires_at = created + std::chrono::hours(24)};
      auto stored = co_await store.create_session(std::move(session));
      if (!stored) {
        progress.failure = std::string("create_session: ") + store::to_string(stored.error());
        break;
      }
      tokens[n] = std::move(issued.token);
    }
  }
}

// One stride, counted as done exactly once however it ends (a detached coroutine's exception
// would otherwise vanish and leave seed_all waiting for ever).
net::awaitable<void> seed_part(Store& store, const SeedPlan& plan, std::size_t first, std::vector<std::string>& tokens,
                               Progress& progress) {
  try {
    co_await seed_stride(store, plan, first, tokens, progress);
  } catch (const std::exception& e) {
    if (progress.failure.empty()) progress.failure = e.what();
  }
  if (--progress.running == 0) progress.all_done->cancel();
}

net::awaitable<void> seed_all(Store& store, const SeedPlan& plan, std::vector<std::string>& tokens) {
  net::steady_timer all_done(co_await net::this_coro::executor, net::steady_timer::time_point::max());
  Progress progress{.running = kInFlight, .failure = {}, .all_done = &all_done};
  for (std::size_t first = 0; first < kInFlight; ++first) {
    net::co_spawn(all_done.get_executor(), seed_part(store, plan, first, tokens, progress), net::detached);
  }
  boost::system::error_code ignored;
  co_await all_done.async_wait(net::redirect_error(net::use_awaitable, ignored));
  if (!progress.failure.empty()) throw std::runtime_error("seeding failed: " + progress.failure);
}

}  // namespace

std::string seeded_email(std::size_t n) { return "user" + std::to_string(n) + "@bench.example"; }

Seeded seed_store(const SeedPlan& plan) {
  const auto start = std::chrono::steady_clock::now();
  net::io_context io;  // before the store: its pool completes work onto it
  auto opened = store::open_store(plan.store_url, {.threads = 2,
                                                   .executor = io.get_executor(),
                                                   .redis_key_prefix = plan.redis_key_prefix,
                                                   .durable = false});  // a throw-away database
  if (!opened) throw std::runtime_error("cannot open " + plan.store_url + ": " + opened.error().message);
  // Writes the data version into a fresh Redis keyspace, as the server would on first start.
  auto prepared = testing::run_awaitable(io, (*opened)->prepare());
  if (!prepared) throw std::runtime_error("cannot open " + plan.store_url + ": " + prepared.error().message);
  Seeded seeded;
  seeded.tokens.resize(std::min(plan.sessions, plan.users));
  testing::run_awaitable(io, seed_all(**opened, plan, seeded.tokens));
  opened->reset();
  seeded.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return seeded;
}

}  // namespace vestibule::bench
