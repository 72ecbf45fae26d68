// The periodic jobs of a running service (expired-session purge, access-log flush, and later
// the mail courier): each one a coroutine on the io_context that awaits its work every interval
// until stop(). One mechanism, so every background job starts and stops the same way.
// Jobs run on one strand. every() before the io_context runs (or from its threads); stop() from
// any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <string>

namespace vestibule::app {

class Background {
 public:
  using Work = std::function<boost::asio::awaitable<void>()>;

  explicit Background(boost::asio::any_io_executor executor) : strand_(boost::asio::make_strand(executor)) {}
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // Runs `work` every `interval`, the first time one interval from now. Its runs never overlap.
  void every(std::chrono::milliseconds interval, Work work);

  // Cancels every job's wait; a run in progress finishes, none starts after. Idempotent;
  // takes effect on the jobs' strand, so it returns before that.
  void stop();

 private:
  struct Job {
    std::chrono::milliseconds interval;
    Work work;
    boost::asio::steady_timer timer;
  };
  boost::asio::awaitable<void> loop(Job& job);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::list<Job> jobs_;  // stable addresses: each loop holds a reference to its job
  bool stopped_ = false;  // on the strand
};

}  // namespace vestibule::app
