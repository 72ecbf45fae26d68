#include "mail/courier.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "mail/open.h"
#include "util/logfmt.h"
#include "metrics/mail_metrics.h"
#include "util/offload.h"

namespace vestibule::mail {

namespace net = boost::asio;

namespace {

// Names this courier's claims: 128 random bits, so two instances never share one.
std::string random_claim_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string("courier-") + hex;
}

util::WorkerPoolOptions pool_options(const MailOptions& options) {
  const std::size_t threads = std::max<std::size_t>(1, options.delivery_threads);
  // No more is ever queued than there are threads: the loop claims only for free slots.
  return util::WorkerPoolOptions{.threads = threads, .max_queued = threads, .nice_increment = 0, .name = "mail"};
}

}  // namespace

boost::system::result<std::unique_ptr<Courier>, std::string> Courier::create(net::io_context::executor_type executor,
                                                                             store::Store& store,
                                                                             const MailOptions& options,
                                                                             std::shared_ptr<spdlog::logger> logger,
                                                                             Now now) {
  auto transport = open_transport(options);
  if (!transport) return transport.error();
  auto composer = Composer::create(options);
  if (!composer) return composer.error();
  return std::make_unique<Courier>(std::move(executor), store, std::move(*transport), std::move(*composer), options,
                                   std::move(logger), std::move(now));
}

Courier::Courier(net::io_context::executor_type executor, store::Store& store, std::unique_ptr<Transport> transport,
                 Composer composer, MailOptions options, std::shared_ptr<spdlog::logger> logger, Now now)
    : strand_(net::make_strand(executor)),
      store_(store),
      transport_(std::move(transport)),
      composer_(std::move(composer)),
      options_(std::move(options)),
      log_(store::logger_or_null(std::move(logger))),
      now_(std::move(now)),
      claim_(random_claim_id()),
      wake_(strand_),
      settled_(strand_),
      pool_(pool_options(options_)) {}

Courier::~Courier() {
  // Sends still running end soon; queued ones are dropped. pool_ (destroyed first) then joins.
  transport_->cancel();
  pool_.drop_queued();
}

store::TimePoint Courier::now() const {
  if (now_) return now_();
  return std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now());
}

std::chrono::milliseconds Courier::backoff(std::uint32_t attempts) const {
  // initial * 2^(attempts-1), capped; the shift is bounded so it cannot overflow.
  auto wait = options_.backoff_initial;
  for (std::uint32_t i = 1; i < attempts && wait < options_.backoff_max; ++i) wait *= 2;
  return std::min(wait, options_.backoff_max);
}

void Courier::start() {
  net::dispatch(strand_, [this] {
    if (loop_running_ || stopped_) return;
    loop_running_ = true;
    net::co_spawn(strand_, loop(), net::detached);
  });
}

void Courier::nudge() {
  net::dispatch(strand_, [this] {
    nudged_ = true;
    wake_.cancel();
  });
}

void Courier::changed() {
  settled_.cancel();
  // A freed delivery slot may take the next due message at once.
  if (!stopped_) {
    nudged_ = true;
    wake_.cancel();
  }
}

net::awaitable<void> Courier::loop() {
  // Everything here runs on strand_, so the flags need no locks.
  while (!stopped_) {
    std::size_t wanted = 0;
    const std::size_t claimed = co_await claim_round(wanted);
    if (stopped_) break;
    // A full claim may have left more due messages behind: go on while there are free slots.
    if (claimed > 0 && claimed == wanted && in_flight_ < pool_.threads()) continue;
    if (nudged_) {
      nudged_ = false;
      continue;
    }
    log_->trace("event=mail.idle in_flight={}", in_flight_);
    wake_.expires_after(options_.poll_interval);
    co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    nudged_ = false;
  }
  loop_running_ = false;
  changed();
}

net::awaitable<std::size_t> Courier::claim_round(std::size_t& wanted) {
  const std::size_t free = pool_.threads() - std::min(in_flight_, pool_.threads());
  wanted = std::min(free, std::max<std::size_t>(1, options_.batch_size));
  if (wanted == 0) co_return 0;
  // A claim string of its own for every round: a delivery whose lease ran out under this same
  // courier (a slow store, a paused VM) cannot then settle the message another round claimed.
  const std::string claim = claim_ + "." + std::to_string(++rounds_);
  auto claimed = co_await store_.claim_mail(now(), options_.lease, wanted, claim);
  if (!claimed) {
    if (!store_down_) log_->warn("event=mail.store_unavailable op=claim error={}", store::to_string(claimed.error()));
    store_down_ = true;
    co_return 0;
  }
  if (store_down_) log_->info("event=mail.store_available");
  store_down_ = false;
  if (stopped_) {
    // Stopping: left to the lease, so that stop() need not wait for new sends.
    if (!claimed->empty()) log_->info("event=mail.claims_left count={}", claimed->size());
    co_return claimed->size();
  }
  for (store::OutboxMessage& message : *claimed) {
    ++in_flight_;
    net::co_spawn(strand_, deliver(std::move(message), claim), net::detached);
  }
  co_return claimed->size();
}

net::awaitable<void> Courier::deliver(store::OutboxMessage message, std::string claim) {
  log_->trace("event=mail.sending message_id={} kind={} attempt={}", message.id, message.kind, message.attempts + 1);
  try {
    const Composer& composer = composer_;
    Transport& transport = *transport_;
    const store::OutboxMessage& m = message;
    // Composing (templates, MIME) is cheap but runs with the send: nothing of it on the strand.
    auto job = [&composer, &transport, &m]() -> SendResult {
      auto composed = composer.compose(m);
      if (!composed) return SendResult{SendResult::Outcome::permanent, composed.error()};
      return transport.send(composed->envelope, composed->message);
    };
    SendResult refused{SendResult::Outcome::transient, "delivery threads stopped"};
    SendResult result = co_await util::offload<SendResult>(pool_, std::move(job), std::move(refused));
    co_await settle(message, claim, result);
  } catch (const std::exception& e) {
    log_->error("event=mail.error message_id={} what={}", message.id, util::logfmt_value(e.what()));
  }
  --in_flight_;
  changed();
}

net::awaitable<void> Courier::settle(const store::OutboxMessage& message, const std::string& claim,
                                     const SendResult& result) {
  const std::uint32_t attempts = message.attempts + 1;
  const store::TimePoint at = now();
  const char* op = "complete";
  bool giving_up = false;
  store::Result<bool> stored = false;
  if (result.outcome == SendResult::Outcome::sent) {
    stored = co_await store_.complete_mail(message.id, claim);
    if (stored && *stored) {
      log_->info("event=mail.sent message_id={} kind={} attempts={}", message.id, message.kind, attempts);
    }
  } else if (result.outcome == SendResult::Outcome::permanent || attempts >= options_.max_attempts) {
    op = "fail";
    giving_up = true;
    const auto keep_until = at + std::chrono::duration_cast<std::chrono::milliseconds>(options_.keep_failed);
    stored = co_await store_.fail_mail(message.id, claim, keep_until);
    if (stored && *stored) {
      log_->warn("event=mail.failed message_id={} kind={} attempts={} outcome={} reason={}", message.id,
                 message.kind, attempts, to_string(result.outcome), util::logfmt_value(result.reason));
    }
  } else {
    op = "retry";
    const auto wait = backoff(attempts);
    stored = co_await store_.retry_mail(message.id, claim, at + wait);
    if (stored && *stored) {
      log_->info("event=mail.retry message_id={} kind={} attempts={} retry_in_ms={} reason={}", message.id,
                 message.kind, attempts, wait.count(), util::logfmt_value(result.reason));
    }
  }
  count(result, giving_up, stored);
  if (!stored) {
    // The claim stays until its lease runs out, then the message is tried again (after a
    // delivery: sent twice, with the same Message-ID, so the duplicate is recognisable).
    log_->warn("event=mail.store_unavailable op={} message_id={} error={}", op, message.id,
               store::to_string(stored.error()));
  } else if (!*stored) {
    log_->warn("event=mail.claim_lost op={} message_id={} kind={}", op, message.id, message.kind);
  }
}

void Courier::count(const SendResult& result, bool giving_up, const store::Result<bool>& stored) const {
  if (!options_.metrics) return;
  if (result.outcome == SendResult::Outcome::sent) {
    // It went out, whatever the store then recorded (a lost completion sends it again later).
    options_.metrics->delivery(metrics::DeliveryResult::sent);
  } else if (giving_up && stored && *stored) {
    options_.metrics->delivery(metrics::DeliveryResult::given_up);
  } else {
    // A retry, or a giving up the store did not record (it failed, or the claim was lost): the
    // message is due again, here after its lease or with whoever holds it now.
    options_.metrics->delivery(metrics::DeliveryResult::retry);
  }
}

void record_outbox(metrics::MailMetrics& metrics, const store::OutboxStats& stats, store::TimePoint now) {
  std::chrono::seconds age{0};
  if (stats.oldest_queued && *stats.oldest_queued < now) {
    age = std::chrono::duration_cast<std::chrono::seconds>(now - *stats.oldest_queued);
  }
  metrics.set_outbox(stats.queued, age);
}

net::awaitable<void> Courier::wait_until_settled(std::chrono::steady_clock::time_point deadline) {
  while ((in_flight_ > 0 || loop_running_) && std::chrono::steady_clock::now() < deadline) {
    settled_.expires_at(deadline);
    co_await settled_.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<void> Courier::stop() { co_await net::co_spawn(strand_, stop_on_strand(), net::use_awaitable); }

net::awaitable<void> Courier::stop_on_strand() {
  stopped_ = true;
  wake_.cancel();
  co_await wait_until_settled(std::chrono::steady_clock::now() + options_.stop_timeout);
  if (in_flight_ == 0 && !loop_running_) co_return;
  // Cut off what is still talking to a slow server; curl notices within about a second.
  log_->warn("event=mail.stop_timeout in_flight={}", in_flight_);
  transport_->cancel();
  pool_.drop_queued();
  co_await wait_until_settled(std::chrono::steady_clock::now() + std::chrono::seconds(3));
}

net::awaitable<std::size_t> Courier::run_once() {
  co_return co_await net::co_spawn(strand_, run_once_on_strand(), net::use_awaitable);
}

net::awaitable<std::size_t> Courier::run_once_on_strand() {
  std::size_t wanted = 0;
  const std::size_t claimed = co_await claim_round(wanted);
  while (in_flight_ > 0) {
    settled_.expires_after(std::chrono::hours(1));  // changed() cancels it; sends are bounded
    co_await settled_.async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return claimed;
}

}  // namespace vestibule::mail
