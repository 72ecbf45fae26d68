// Runs a coroutine to completion from plain (non-coroutine) test code and returns its value (or
// rethrows its exception). Header-only.
//
// The io_context must outlive every worker pool that completes work onto it (store, password
// hasher): a pool thread still releases its hold on the io_context just after the coroutine has
// been resumed. So create it before those objects, as main does, e.g. as the first member of a
// fixture, and reuse it for every call.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <utility>

namespace vestibule::testing {

// Runs `task` on `io` on the calling thread, handler by handler, until the task is done. Other
// work on `io` (e.g. a network store's connection) may stay pending; it runs again on the next
// call. No other thread may run `io` meanwhile.
template <typename T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto done = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.restart();  // in case an earlier run ended for lack of work or by stop()
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (io.run_one() == 0 && done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      throw std::logic_error("run_awaitable: the io_context ran out of work before the coroutine finished");
    }
  }
  return done.get();
}

}  // namespace vestibule::testing
