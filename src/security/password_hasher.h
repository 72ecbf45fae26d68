// argon2id password hashing (libsodium's crypto_pwhash_str_alg, or libargon2: HashEngine), and
// verification of imported hashes in other formats (hash_formats.h, rehashed on login), on a
// dedicated, bounded pool of threads that its owner (the application) builds from HasherOptions
// and passes in, so a burst of logins can saturate only that pool, never the network threads, and
// the owner can watch and stop it. When the pool's queue is full, calls resume at once with
// Error::overloaded, which the API turns into 503 with Retry-After; so do calls still queued when
// the owner drops the pool's queue (util::WorkerPool::drop_queued, at shutdown). Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "security/hash_params.h"
#include "util/worker_pool.h"

namespace vestibule::metrics {
class HashMetrics;
}

namespace vestibule::security {

// The hashing settings: the parameters, and the sizing of the pool the hasher runs on (turned into
// the pool's options by hash_pool_options). Plain values.
struct HasherOptions {
  HashParams params;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());  // one per core
  // Hash jobs waiting; beyond that: overloaded. The pool's own default (worker_pool.h).
  std::size_t max_queued = util::WorkerPoolOptions{}.max_queued;
  // Added to the hashing threads' nice value. 19 (the lowest priority) lets request handling
  // preempt hashing at once on a shared core: with a login flood saturating the pool, other
  // requests keep their latency, while hashing still gets every otherwise idle cycle
  // (docs/performance.md, scenario 3, has the measurements behind this default).
  int nice = 19;
};

// The options of the pool that `options` sizes, its threads named "hash-N".
util::WorkerPoolOptions hash_pool_options(const HasherOptions& options);

enum class HashError { overloaded, failed };
[[noreturn]] void throw_exception_from_error(HashError e, const boost::source_location& loc);

class PasswordHasher {
 public:
  template <typename T>
  using Result = boost::system::result<T, HashError>;

  // Runs its jobs on `pool`, which must outlive every call into the hasher (a dedicated pool: its owner
  // watches it, queued()/active(), and stops it for good with drop_queued()). The jobs hold no reference to the hasher, so the pool
  // may also be destroyed (its last jobs run and its threads joined) after the hasher.
  //
  // With `metrics`, every job records how long it waited in the queue and how long its hash or
  // verification ran, and every call refused with Error::overloaded (queue full, or the pool
  // stopped) counts a rejection; without, nothing is recorded and no clock is read. The jobs
  // hold the pointer: the metrics must outlive the pool, not just the hasher.
  PasswordHasher(util::WorkerPool& pool, HashParams params, metrics::HashMetrics* metrics = nullptr);

  // A PHC string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") with a fresh random salt.
  boost::asio::awaitable<Result<std::string>> hash(std::string password);

  // Whether `password` matches `phc`: our argon2id (what parse_phc reads) computed by the
  // configured engine, an imported format (security/hash_formats.h) by its library. A malformed
  // or unknown string, or one asking for more than its format's cost bound, is simply no match
  // (at no cost). Comparison is constant-time.
  boost::asio::awaitable<Result<bool>> verify(std::string password, std::string phc);

  // A queue slot for one verification (util::WorkerPool::Reservation), or std::nullopt when the
  // queue is full: for callers that must know a verification will run before they count it as a
  // password guess. May outlive the hasher (it then holds nothing). A full queue counts as a
  // rejection in the metrics, as a refused hash() or verify() does: the caller answers 503.
  using Reservation = util::WorkerPool::Reservation;
  std::optional<Reservation> reserve();
  // verify() in a reserved slot: never overloaded for a full queue, only once the pool is stopped.
  boost::asio::awaitable<Result<bool>> verify(Reservation slot, std::string password, std::string phc);


  // Whether `stored` is a hash this service can verify: the argon2id it writes, or an imported
  // format (security/hash_formats.h) within its cost bounds. What an import is refused without.
  static bool can_verify(std::string_view stored);

  // True unless `phc` is argon2id exactly as this service writes it with the configured
  // parameters (v=19, one lane, 16-byte salt, 32-byte hash): so every imported format, argon2i/d
  // and argon2id with other parameters or several lanes are upgraded on the next login. Both
  // engines write the same strings, so switching engine never asks for a rehash.
  bool needs_rehash(std::string_view phc) const;

  // A valid hash of a random secret with the configured parameters: verified against when the
  // email is unknown, so such logins cost the same time as a wrong password.
  const std::string& dummy_hash() const { return dummy_hash_; }

  // Hashes and verifications run so far (monitoring, and tests proving that e.g. a login for an
  // unknown email still spends one verification).
  std::uint64_t hashes_run() const { return counters_->hashes.load(); }
  std::uint64_t verifications_run() const { return counters_->verifications.load(); }

  // Synchronous primitives, for the pool jobs and for benchmarks measuring the raw rate, with
  // params.engine / `engine` choosing the library (for our argon2id; imported formats have
  // theirs). hash_now throws std::runtime_error when the library fails (out of memory).
  // verify_now refuses (false) what neither parse_phc nor hash_formats.h accepts, before any
  // library allocates anything.
  static std::string hash_now(std::string_view password, const HashParams& params);
  static bool verify_now(std::string_view password, const std::string& phc, HashEngine engine = HashEngine::sodium);

 private:
  // The pool job of one verification.
  std::function<Result<bool>()> verification(std::string password, std::string phc);

  struct Counters {
    std::atomic<std::uint64_t> hashes{0};
    std::atomic<std::uint64_t> verifications{0};
  };

  util::WorkerPool& pool_;
  const HashParams params_;
  metrics::HashMetrics* const metrics_;  // may be null
  std::string dummy_hash_;
  // Shared with the jobs, which copy everything else they use: a job still running on the pool
  // after the hasher is gone touches nothing of the hasher's.
  const std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
};

}  // namespace vestibule::security
