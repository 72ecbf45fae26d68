#include "hash_rate.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "cpu_sets.h"

namespace vestibule::bench {

HashRate measure_hash_rate(const security::HashParams& params, std::size_t threads, const std::vector<int>& cpus,
                           std::chrono::milliseconds duration) {
  using Clock = std::chrono::steady_clock;
  std::atomic<std::size_t> hashes{0};
  std::mutex mutex;
  std::exception_ptr failure;
  const auto start = Clock::now();
  const auto deadline = start + duration;
  {
    std::vector<std::jthread> workers;
    for (std::size_t i = 0; i < threads; ++i) {
      workers.emplace_back([&] {
        try {
          pin_this_thread(cpus);
          // Counts whole hashes only; the last one may end a little after the deadline, which
          // the elapsed time below includes.
          while (Clock::now() < deadline) {
            security::PasswordHasher::hash_now("bench passphrase", params);
            ++hashes;
          }
        } catch (...) {
          std::lock_guard lock(mutex);
          failure = std::current_exception();
        }
      });
    }
  }
  if (failure) std::rethrow_exception(failure);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  HashRate rate;
  rate.hashes = hashes.load();
  rate.per_second = static_cast<double>(rate.hashes) / seconds;
  rate.ms_per_hash = 1000.0 * seconds * static_cast<double>(threads) / static_cast<double>(rate.hashes);
  return rate;
}

}  // namespace vestibule::bench
