// A fixed set of threads running blocking jobs (argon2id hashing, SQLite calls) from a bounded
// queue, so that blocking work never runs on the network threads and an overload turns into a
// fast refusal instead of an ever-growing backlog. Thread-safe. The destructor runs the jobs
// already queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vestibule::util {

struct WorkerPoolOptions {
  std::size_t threads = 1;
  // Jobs waiting beyond those running; try_post refuses past it.
  std::size_t max_queued = 64;
  // Added to the threads' nice value (Linux: per thread). Positive values keep background work
  // such as hashing from competing with the network threads for a core.
  int nice_increment = 0;
  std::string name = "worker";  // thread name prefix, for ps/top/perf
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` unless max_queued jobs are already waiting; false means refused (not run).
  bool try_post(std::function<void()> job);

  std::size_t threads() const { return workers_.size(); }

 private:
  void run(std::size_t index);

  const WorkerPoolOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace vestibule::util
