// A fixed set of threads running blocking jobs (argon2id hashing, SQLite calls) from a bounded
// queue, so that blocking work never runs on the network threads and an overload turns into a
// fast refusal instead of an ever-growing backlog. Thread-safe. The destructor runs the jobs
// still queued, then joins; drop_queued() first makes shutdown a hard bound instead.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vestibule::util {

struct WorkerPoolOptions {
  std::size_t threads = 1;
  // Jobs waiting (or reserved, see try_reserve) beyond those running; try_post refuses past it.
  std::size_t max_queued = 64;
  // Added to the threads' nice value (Linux: per thread). Positive values keep background work
  // such as hashing from competing with the network threads for a core.
  int nice_increment = 0;
  std::string name = "worker";  // thread name prefix, for ps/top/perf
};

class WorkerPool {
  // What a pool shares with its reservations: the lock over the queue, and the slots reserved.
  struct Shared {
    std::mutex mutex;
    std::size_t reserved = 0;  // under mutex
  };

 public:
  // A queue slot held for a job not posted yet: while it exists, post(reservation, ...) cannot
  // be refused for a full queue. Lets a caller learn that its job will fit before it does
  // something it must not undo (counting a password guess), and give up without posting
  // (destroying an unused reservation frees its slot). May outlive its pool (a coroutine frame
  // holding one can be destroyed after the pool at exit): it shares only the slot count with it.
  // Move-only; not thread-safe itself (one owner).
  class Reservation {
   public:
    Reservation(Reservation&& other) noexcept : shared_(std::move(other.shared_)) { other.shared_.reset(); }
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation() { release(); }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

   private:
    friend class WorkerPool;
    explicit Reservation(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    void release();
    std::shared_ptr<Shared> shared_;  // empty once used, released or moved from
  };

  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` unless max_queued jobs are already waiting or reserved, or the pool was
  // stopped by drop_queued(); false means refused (neither `job` nor `on_drop` is called). If
  // drop_queued() takes the job off the queue before a worker does, `on_drop` (when given) is
  // called instead of `job`, on the thread calling drop_queued(): exactly one of them runs.
  bool try_post(std::function<void()> job, std::function<void()> on_drop = {});

  // A slot for one later post(), or std::nullopt when max_queued jobs are already waiting or
  // reserved, or the pool was stopped.
  std::optional<Reservation> try_reserve();

  // Queues `job` in the reserved slot. False only when the pool was stopped by drop_queued()
  // since the reservation (then nothing is called, as with a refused try_post).
  bool post(Reservation reservation, std::function<void()> job, std::function<void()> on_drop = {});

  // Stops the pool for good: from now on every try_post, try_reserve and post is refused, and
  // the jobs still waiting are taken off the queue and their `on_drop` called (so their callers
  // learn of the cancellation) instead of being run. Jobs already running finish. Returns how
  // many jobs were dropped. For shutdown, so that a deadline bounds the work left.
  std::size_t drop_queued();

  std::size_t threads() const { return workers_.size(); }
  // Monitoring: jobs waiting in the queue, and jobs running now. Cheap (no lock); a snapshot.
  std::size_t queued() const { return queued_.load(std::memory_order_relaxed); }
  std::size_t active() const { return active_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    std::function<void()> run;
    std::function<void()> on_drop;
  };

  void run(std::size_t index);
  // Under shared_->mutex: whether another job or reservation fits.
  bool has_room() const;

  const WorkerPoolOptions options_;
  const std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::condition_variable wake_;
  std::deque<Job> queue_;  // under shared_->mutex, as is:
  bool stopping_ = false;  // refuse new work (destructor or drop_queued)
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> active_{0};
  std::vector<std::thread> workers_;
};

}  // namespace vestibule::util
