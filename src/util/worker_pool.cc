#include "util/worker_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace vestibule::util {

WorkerPool::Reservation& WorkerPool::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    shared_ = std::move(other.shared_);
    other.shared_.reset();
  }
  return *this;
}

void WorkerPool::Reservation::release() {
  if (!shared_) return;
  {
    std::lock_guard lock(shared_->mutex);
    --shared_->reserved;
  }
  shared_.reset();
}

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(std::move(options)) {
  const std::size_t n = std::max<std::size_t>(1, options_.threads);
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this, i] { run(i); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(shared_->mutex);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

bool WorkerPool::has_room() const {
  return !stopping_ && queue_.size() + shared_->reserved < options_.max_queued;
}

bool WorkerPool::try_post(std::function<void()> job, std::function<void()> on_drop) {
  {
    std::lock_guard lock(shared_->mutex);
    if (!has_room()) return false;
    queue_.push_back(Job{std::move(job), std::move(on_drop)});
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }
  wake_.notify_one();
  return true;
}

std::optional<WorkerPool::Reservation> WorkerPool::try_reserve() {
  std::lock_guard lock(shared_->mutex);
  if (!has_room()) return std::nullopt;
  ++shared_->reserved;
  return Reservation(shared_);
}

bool WorkerPool::post(Reservation reservation, std::function<void()> job, std::function<void()> on_drop) {
  {
    std::lock_guard lock(shared_->mutex);
    if (reservation.shared_ == shared_) {
      // The slot passes from the reservation to the job, under the same lock.
      --shared_->reserved;
      reservation.shared_.reset();
    } else if (!has_room()) {
      return false;  // an empty (moved-from or foreign) reservation holds no slot
    }
    if (stopping_) return false;
    queue_.push_back(Job{std::move(job), std::move(on_drop)});
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }
  wake_.notify_one();
  return true;
}

std::size_t WorkerPool::drop_queued() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(shared_->mutex);
    stopping_ = true;
    dropped.swap(queue_);
    queued_.store(0, std::memory_order_relaxed);
  }
  wake_.notify_all();
  // Outside the lock: a cancellation may post back to its caller's executor, or even (wrongly
  // but harmlessly) try to queue more work, which is refused.
  for (Job& job : dropped) {
    if (job.on_drop) job.on_drop();
  }
  return dropped.size();
}

void WorkerPool::run(std::size_t index) {
  const std::string name = (options_.name + "-" + std::to_string(index)).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
  if (options_.nice_increment != 0) {
    // On Linux, PRIO_PROCESS with a thread id sets that thread's nice value only. Best effort:
    // lowering priority needs no privilege, and a failure merely keeps the default.
    const id_t tid = static_cast<id_t>(gettid());
    const int current = getpriority(PRIO_PROCESS, tid);
    (void)setpriority(PRIO_PROCESS, tid, current + options_.nice_increment);
  }
  for (;;) {
    Job job;
    {
      std::unique_lock lock(shared_->mutex);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_relaxed);
      active_.fetch_add(1, std::memory_order_relaxed);
    }
    job.run();
    active_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace vestibule::util
