#include "util/worker_pool.h"

#include "util/offload.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>

#include <atomic>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace vestibule::util {
namespace {

// Occupies a pool's only worker until released, so that later jobs stay queued. Released at the
// latest when it goes out of scope, so a failed assertion cannot leave the worker stuck.
class Blocker {
 public:
  // Posts the blocking job and returns once the worker has taken it off the queue.
  explicit Blocker(WorkerPool& pool) {
    auto state = state_;
    const bool posted = pool.try_post([state] {
      state->started.count_down();
      state->release.wait();
    });
    if (!posted) {
      ADD_FAILURE() << "the blocking job was refused";
      return;
    }
    state_->started.wait();
  }
  ~Blocker() { release(); }
  Blocker(const Blocker&) = delete;
  Blocker& operator=(const Blocker&) = delete;

  void release() {
    if (released_) return;
    released_ = true;
    state_->release.count_down();
  }

 private:
  struct State {
    std::latch started{1};
    std::latch release{1};
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  bool released_ = false;
};

TEST(WorkerPool, RunsEveryPostedJob) {
  constexpr int kJobs = 200;
  WorkerPool pool(WorkerPoolOptions{.threads = 4, .max_queued = kJobs});
  std::atomic<int> ran{0};
  std::latch done(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(pool.try_post([&ran, &done] {
      ran.fetch_add(1);
      done.count_down();
    }));
  }
  done.wait();
  EXPECT_EQ(ran.load(), kJobs);
}

TEST(WorkerPool, RunsJobsOnItsOwnThreads) {
  WorkerPool pool(WorkerPoolOptions{.threads = 2});
  EXPECT_EQ(pool.threads(), 2u);
  std::thread::id ran_on;
  std::latch done(1);
  ASSERT_TRUE(pool.try_post([&ran_on, &done] {
    ran_on = std::this_thread::get_id();
    done.count_down();
  }));
  done.wait();
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(WorkerPool, HasAtLeastOneThread) {
  WorkerPool pool(WorkerPoolOptions{.threads = 0});
  EXPECT_EQ(pool.threads(), 1u);
  std::latch done(1);
  ASSERT_TRUE(pool.try_post([&done] { done.count_down(); }));
  done.wait();
}

TEST(WorkerPool, TryPostRefusesWhenMaxQueuedJobsWait) {
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 3});
  Blocker blocker(pool);  // running, so not counted as waiting
  std::atomic<int> ran{0};
  std::atomic<bool> refused_job_ran{false};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pool.try_post([&ran] { ran.fetch_add(1); })) << "job " << i;
  EXPECT_FALSE(pool.try_post([&refused_job_ran] { refused_job_ran = true; }));
  EXPECT_FALSE(pool.try_post([&refused_job_ran] { refused_job_ran = true; }));

  // Once the worker is free the queue drains and accepts work again.
  blocker.release();
  std::latch done(1);
  while (!pool.try_post([&done] { done.count_down(); })) std::this_thread::yield();
  done.wait();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(refused_job_ran.load());
}

TEST(WorkerPool, ZeroMaxQueuedRefusesEveryJob) {
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 0});
  EXPECT_FALSE(pool.try_post([] {}));
}

TEST(WorkerPool, DestructorRunsQueuedJobsBeforeJoining) {
  constexpr int kQueued = 5;
  std::vector<int> order;
  std::mutex order_mutex;
  auto pool = std::make_unique<WorkerPool>(
      WorkerPoolOptions{.threads = 1, .max_queued = std::numeric_limits<std::size_t>::max()});
  Blocker blocker(*pool);
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_TRUE(pool->try_post([i, &order, &order_mutex] {
      std::lock_guard lock(order_mutex);
      order.push_back(i);
    }));
  }
  // Keep the worker blocked until the destructor has begun (try_post refuses from then on, and
  // the queue is never full), so the queued jobs are still waiting when it starts.
  WorkerPool* stopping = pool.get();
  std::thread releaser([stopping, &blocker] {
    while (stopping->try_post([] {})) std::this_thread::yield();
    blocker.release();
  });
  pool.reset();
  releaser.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(WorkerPool, AReservationHoldsAQueueSlotUntilItIsReleased) {
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 2});
  Blocker blocker(pool);
  std::optional<WorkerPool::Reservation> first = pool.try_reserve();
  ASSERT_TRUE(first);
  ASSERT_TRUE(pool.try_post([] {}));
  // One queued job and one reservation fill a queue of two.
  EXPECT_FALSE(pool.try_reserve());
  EXPECT_FALSE(pool.try_post([] {}));
  first.reset();  // unused: the slot comes back
  EXPECT_TRUE(pool.try_post([] {}));
}

TEST(WorkerPool, APostInAReservedSlotIsNotRefusedForAFullQueue) {
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 1});
  Blocker blocker(pool);
  std::optional<WorkerPool::Reservation> slot = pool.try_reserve();
  ASSERT_TRUE(slot);
  EXPECT_FALSE(pool.try_post([] {})) << "the reserved slot is not free for others";
  std::latch ran(1);
  ASSERT_TRUE(pool.post(std::move(*slot), [&ran] { ran.count_down(); }));
  EXPECT_EQ(pool.queued(), 1u);
  EXPECT_FALSE(pool.try_reserve()) << "the slot passed to the job";
  blocker.release();
  ran.wait();
}

TEST(WorkerPool, AMovedReservationHoldsOneSlot) {
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 1});
  Blocker blocker(pool);
  std::optional<WorkerPool::Reservation> slot = pool.try_reserve();
  ASSERT_TRUE(slot);
  WorkerPool::Reservation moved = std::move(*slot);
  slot.reset();  // the moved-from one releases nothing
  EXPECT_FALSE(pool.try_reserve());
  { WorkerPool::Reservation gone = std::move(moved); }
  EXPECT_TRUE(pool.try_reserve());
}

TEST(WorkerPool, AReservationMayOutliveItsPool) {
  // As a coroutine frame holding one may be destroyed after the pool, when the process exits.
  std::optional<WorkerPool::Reservation> slot;
  {
    WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 1});
    slot = pool.try_reserve();
    ASSERT_TRUE(slot);
  }
  slot.reset();  // touches only what it shares with the dead pool (ASan would catch otherwise)
}

TEST(WorkerPool, DropQueuedCancelsWaitingJobsLetsTheRunningOneFinishAndRefusesNewWork) {
  auto pool = std::make_unique<WorkerPool>(WorkerPoolOptions{.threads = 1, .max_queued = 8});
  std::atomic<bool> running_finished{false};
  std::latch started(1);
  std::latch release(1);
  ASSERT_TRUE(pool->try_post([&] {
    started.count_down();
    release.wait();
    running_finished = true;
  }));
  started.wait();
  std::optional<WorkerPool::Reservation> slot = pool->try_reserve();
  ASSERT_TRUE(slot);
  std::atomic<int> ran{0};
  std::atomic<int> dropped{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool->try_post([&ran] { ++ran; }, [&dropped] { ++dropped; }));
  }
  ASSERT_TRUE(pool->try_post([&ran] { ++ran; }));  // no on_drop: dropped silently
  EXPECT_EQ(pool->queued(), 4u);
  EXPECT_EQ(pool->active(), 1u);

  EXPECT_EQ(pool->drop_queued(), 4u);
  EXPECT_EQ(dropped.load(), 3);
  EXPECT_EQ(pool->queued(), 0u);
  EXPECT_FALSE(pool->try_post([&ran] { ++ran; }));
  EXPECT_FALSE(pool->try_reserve());
  EXPECT_FALSE(pool->post(std::move(*slot), [&ran] { ++ran; }, [&dropped] { ++dropped; }))
      << "a slot reserved before the stop is refused too";
  slot.reset();

  release.count_down();
  pool.reset();  // joins
  EXPECT_TRUE(running_finished.load());
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(dropped.load(), 3);
}

TEST(WorkerPool, DropQueuedRunsNoQueuedJobEvenAsThePoolIsDestroyed) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 8});
    Blocker blocker(pool);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.try_post([&ran] { ++ran; }));
    EXPECT_EQ(pool.drop_queued(), 3u);
    blocker.release();
  }  // joins: the blocker's job has finished
  EXPECT_EQ(ran.load(), 0);
}

TEST(WorkerPool, ActiveCountsRunningJobs) {
  WorkerPool pool(WorkerPoolOptions{.threads = 2, .max_queued = 8});
  EXPECT_EQ(pool.active(), 0u);
  EXPECT_EQ(pool.queued(), 0u);
  {
    Blocker first(pool);
    Blocker second(pool);  // each returns once its job runs
    EXPECT_EQ(pool.active(), 2u);
    ASSERT_TRUE(pool.try_post([] {}));
    EXPECT_EQ(pool.queued(), 1u);
  }
  // Drained: a job posted now runs once the others are done, and afterwards nothing is active.
  std::latch done(1);
  ASSERT_TRUE(pool.try_post([&done] { done.count_down(); }));
  done.wait();
  // active() drops just after a job returns; wait for it, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.active() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(pool.active(), 0u);
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(Offload, ResumesWithTheRefusalWhenItsQueuedJobIsDropped) {
  boost::asio::io_context io;  // outlives the pool
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 4});
  Blocker blocker(pool);
  std::atomic<bool> job_ran{false};
  auto task = [&]() -> boost::asio::awaitable<int> {
    co_return co_await offload<int>(
        pool,
        [&job_ran] {
          job_ran = true;
          return 1;
        },
        -1);
  };
  std::future<int> result = boost::asio::co_spawn(io, task(), boost::asio::use_future);
  // Run the coroutine until its job is queued (a real condition, bounded).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.queued() == 0 && std::chrono::steady_clock::now() < deadline) io.poll();
  ASSERT_EQ(pool.queued(), 1u);

  EXPECT_EQ(pool.drop_queued(), 1u);
  io.restart();
  io.run_for(std::chrono::seconds(10));  // returns once the resumed coroutine is done
  ASSERT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(result.get(), -1);
  blocker.release();
  EXPECT_FALSE(job_ran.load());
}

TEST(Offload, RunsInAReservedSlotWhenTheQueueIsOtherwiseFull) {
  boost::asio::io_context io;
  WorkerPool pool(WorkerPoolOptions{.threads = 1, .max_queued = 1});
  std::optional<WorkerPool::Reservation> slot = pool.try_reserve();
  ASSERT_TRUE(slot);
  auto refused = [&]() -> boost::asio::awaitable<int> { co_return co_await offload<int>(pool, [] { return 1; }, -1); };
  std::future<int> without = boost::asio::co_spawn(io, refused(), boost::asio::use_future);
  io.run_for(std::chrono::seconds(10));
  ASSERT_EQ(without.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(without.get(), -1) << "the only slot is reserved";

  WorkerPool::Reservation held = std::move(*slot);
  auto reserved = [&]() -> boost::asio::awaitable<int> {
    co_return co_await offload<int>(pool, std::move(held), [] { return 1; }, -1);
  };
  std::future<int> with = boost::asio::co_spawn(io, reserved(), boost::asio::use_future);
  io.restart();
  io.run_for(std::chrono::seconds(10));
  ASSERT_EQ(with.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(with.get(), 1);
}

}  // namespace
}  // namespace vestibule::util
