#include "util/worker_pool.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vestibule::util
