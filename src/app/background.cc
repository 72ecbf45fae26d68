#include "app/background.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vestibule::app {

namespace net = boost::asio;

void Background::every(std::chrono::milliseconds interval, Work work) {
  Job& job = jobs_.emplace_back(Job{interval, std::move(work), net::steady_timer(strand_)});
  net::co_spawn(strand_, loop(job), net::detached);
}

net::awaitable<void> Background::loop(Job& job) {
  // The flag is read and the timer armed on the strand, between stop()'s steps never: a stop
  // during a run is seen before the next wait.
  while (!stopped_) {
    job.timer.expires_after(job.interval);
    auto [ec] = co_await job.timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec || stopped_) co_return;
    co_await job.work();
  }
}

void Background::stop() {
  net::dispatch(strand_, [this] {
    stopped_ = true;
    for (Job& job : jobs_) job.timer.cancel();
  });
}

}  // namespace vestibule::app
