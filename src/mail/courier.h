// Delivers the store's outbox in the background. A loop on the io_context (one strand) claims
// due messages for a lease, as many as there are free delivery threads; each message is composed
// and sent on the courier's own small thread pool (blocking SMTP never runs on a network
// thread), then completed (it leaves the store), retried with exponential backoff, or failed
// (kept without its params for MailOptions::keep_failed) after max_attempts or on a permanent
// refusal. Sends run side by side, so one slow or refused message never holds up the others.
// Claims are named by a random id per courier and a number per claim round, so instances
// sharing a store never deliver one message twice while their leases hold, nor one delivery
// settle a message a later round claimed; a crashed instance's claims are taken up again once
// their lease runs out. An unreachable store is tried again at the next poll.
//
// Logs event=mail.sent / mail.retry / mail.failed with message_id, kind, attempts (and reason):
// never a recipient, a link, a token or a body. With MailOptions::metrics, counts each settled
// attempt as sent (the server accepted it), given_up (the store recorded the giving up: a
// permanent refusal or the last attempt) or retry (anything else: it will be tried again).
//
// Thread-safety: start(), nudge(), stop() and run_once() may be called from any thread. Destroy
// the courier after stop() has completed, or once its io_context no longer runs.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "mail/composer.h"
#include "mail/options.h"
#include "mail/transport.h"
#include "store/store.h"
#include "util/worker_pool.h"

namespace spdlog {
class logger;
}

namespace vestibule::mail {

class Courier {
 public:
  using Now = std::function<store::TimePoint()>;  // the clock of due times (tests control it)

  // The transport from options.url, the composer from options.from/templates_dir/public_url.
  // Errors (for startup) say which setting is wrong.
  // `executor` is the server's io_context's (io.get_executor()): a strand of it fits inside an
  // any_io_executor, so no reference-counted executor copies travel to the pool threads.
  static boost::system::result<std::unique_ptr<Courier>, std::string> create(
      boost::asio::io_context::executor_type executor, store::Store& store, const MailOptions& options,
      std::shared_ptr<spdlog::logger> logger, Now now = {});

  Courier(boost::asio::io_context::executor_type executor, store::Store& store, std::unique_ptr<Transport> transport,
          Composer composer, MailOptions options, std::shared_ptr<spdlog::logger> logger, Now now = {});
  ~Courier();
  Courier(const Courier&) = delete;
  Courier& operator=(const Courier&) = delete;

  // Starts the loop: polls every options.poll_interval (the first time at once). Once only.
  void start();
  // Looks for due messages now instead of at the next poll (the API calls it after queueing).
  void nudge();
  // Claims nothing more; waits up to options.stop_timeout for the sends in flight and their
  // store updates, then cuts off any send still running (it is retried after the lease).
  boost::asio::awaitable<void> stop();

  // Without start(): claims what is due now, delivers it and returns once each message is
  // settled, with how many were claimed. For tests (with a controlled clock) and tools.
  boost::asio::awaitable<std::size_t> run_once();

  // This courier's random id; each claim round claims under it plus "." and the round's number.
  const std::string& claim_id() const { return claim_; }

  // The delivery threads: for monitoring (queued(), active(): sends running now). Deliveries
  // are claimed only for free threads, so the queue stays empty but for a moment.
  const util::WorkerPool& pool() const { return pool_; }

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> stop_on_strand();
  boost::asio::awaitable<std::size_t> run_once_on_strand();
  // Claims up to the free delivery slots and spawns one delivery each; how many it claimed.
  boost::asio::awaitable<std::size_t> claim_round(std::size_t& wanted);
  boost::asio::awaitable<void> deliver(store::OutboxMessage message, std::string claim);
  boost::asio::awaitable<void> settle(const store::OutboxMessage& message, const std::string& claim,
                                      const SendResult& result);
  // Counts the settled attempt in options_.metrics (if any): `giving_up` if settle called
  // fail_mail, `stored` what that store call answered.
  void count(const SendResult& result, bool giving_up, const store::Result<bool>& stored) const;
  boost::asio::awaitable<void> wait_until_settled(std::chrono::steady_clock::time_point deadline);
  std::chrono::milliseconds backoff(std::uint32_t attempts) const;
  store::TimePoint now() const;
  void changed();  // on the strand: in_flight_ or loop_running_ changed

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  store::Store& store_;
  std::unique_ptr<Transport> transport_;
  const Composer composer_;
  const MailOptions options_;
  const std::shared_ptr<spdlog::logger> log_;
  const Now now_;
  const std::string claim_;
  boost::asio::steady_timer wake_;     // the loop's wait between polls; nudge() cancels it
  boost::asio::steady_timer settled_;  // waits for in_flight_ to drop; changed() cancels it
  // On the strand:
  std::size_t in_flight_ = 0;
  bool nudged_ = false;
  bool stopped_ = false;
  bool loop_running_ = false;
  bool store_down_ = false;
  std::uint64_t rounds_ = 0;  // claim rounds so far: each claims under claim_ + "." + its number  // the last claim failed: logged once per outage, not every poll
  // Last, so it is destroyed first: its threads use the members above until joined.
  util::WorkerPool pool_;
};

// Sets the outbox gauges (vestibule_mail_outbox_depth, vestibule_mail_outbox_oldest_age_seconds)
// from Store::outbox_stats(): depth is the queued count, age is `now` minus the oldest queued
// message's created_at in whole seconds (0 when nothing is queued or that time is ahead of
// `now`). For the metrics scrape.
void record_outbox(metrics::MailMetrics& metrics, const store::OutboxStats& stats, store::TimePoint now);

}  // namespace vestibule::mail
