// Awaiting blocking work that runs on a WorkerPool: the coroutine suspends, the job runs on a
// pool thread, and the coroutine resumes on its own executor with the job's value (or its
// exception). If the pool refuses the job (queue full, or stopped), or drops it before it ran
// (WorkerPool::drop_queued at shutdown), the coroutine resumes with `if_refused` instead.
// The caller's io_context must outlive the pool's jobs (create it before the pool's owner).
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "util/worker_pool.h"

namespace vestibule::util {

namespace detail {

// Not a coroutine itself: closures passed by value into g++ 12 coroutines can be relocated
// bitwise (a short std::string inside then points into a dead frame), so the work travels
// through asio's initiation machinery instead. `reservation` (possibly empty) is shared, not
// moved, through that machinery for the same reason; an empty one means try_post.
template <typename R, typename Work>
boost::asio::awaitable<R> offload(WorkerPool& pool, std::shared_ptr<WorkerPool::Reservation> reservation, Work work,
                                  R if_refused) {
  namespace net = boost::asio;
  using Signature = void(std::exception_ptr, R);
  return net::async_initiate<const net::use_awaitable_t<>&, Signature>(
      [&pool](auto handler, std::shared_ptr<WorkerPool::Reservation> reservation, Work work, R if_refused) {
        // Keeps the caller's executor alive while the job is away on another thread.
        auto guard = net::make_work_guard(net::get_associated_executor(handler));
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        auto complete = [shared_handler, guard](std::exception_ptr e, std::optional<R> value) mutable {
          auto ex = guard.get_executor();
          // The guard travels with the completion and is released on the caller's thread, after
          // the handler ran: releasing it here could touch an io_context already destroyed.
          net::post(ex, [shared_handler, e, value = std::move(value), guard = std::move(guard)]() mutable {
            (*shared_handler)(e, std::move(*value));
            guard.reset();
          });
        };
        auto refused = std::make_shared<R>(std::move(if_refused));
        auto job = [work = std::move(work), complete, refused]() mutable {
          try {
            complete(nullptr, std::optional<R>(work()));
          } catch (...) {
            complete(std::current_exception(), std::optional<R>(std::move(*refused)));
          }
        };
        // The pool calls exactly one of job and dropped, so `refused` is moved from once.
        auto dropped = [complete, refused]() mutable { complete(nullptr, std::optional<R>(std::move(*refused))); };
        const bool queued = reservation ? pool.post(std::move(*reservation), std::move(job), dropped)
                                        : pool.try_post(std::move(job), dropped);
        if (!queued) complete(nullptr, std::optional<R>(std::move(*refused)));
      },
      net::use_awaitable, std::move(reservation), std::move(work), std::move(if_refused));
}

}  // namespace detail

template <typename R, typename Work>
boost::asio::awaitable<R> offload(WorkerPool& pool, Work work, R if_refused) {
  return detail::offload<R>(pool, nullptr, std::move(work), std::move(if_refused));
}

// The same in a slot reserved before (WorkerPool::try_reserve): refused only if the pool was
// stopped since.
template <typename R, typename Work>
boost::asio::awaitable<R> offload(WorkerPool& pool, WorkerPool::Reservation reservation, Work work, R if_refused) {
  return detail::offload<R>(pool, std::make_shared<WorkerPool::Reservation>(std::move(reservation)), std::move(work),
                            std::move(if_refused));
}

}  // namespace vestibule::util
