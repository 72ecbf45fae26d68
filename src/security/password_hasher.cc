#include "security/password_hasher.h"

#include <sodium.h>

#include <boost/throw_exception.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>

#include "metrics/hash_metrics.h"
#include "security/argon2_engine.h"
#include "security/hash_formats.h"
#include "security/phc_string.h"
#include "util/offload.h"

namespace vestibule::security {
namespace {

std::size_t memlimit_bytes(const HashParams& p) { return static_cast<std::size_t>(p.memory_kib) * 1024; }

std::optional<std::string> sodium_hash(std::string_view password, const HashParams& params) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.iterations, memlimit_bytes(params),
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  return std::string(out);
}

// sodium_init() is where libsodium picks its fastest argon2 code (AVX2 or AVX-512 here); without
// it the portable code runs, about 1.5x slower. Idempotent, thread-safe and cheap once done, so
// the static primitives call it themselves and no caller (benchmarks included) can forget it.
void initialise_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

using Steady = std::chrono::steady_clock;

// The timing of one pool job for HashMetrics: made as the job is queued; start() when a thread
// takes it (records the wait, returns the start), ran() when it is done. Reads no clock and
// records nothing without metrics. Copyable into the job (a pointer and a time).
class JobTiming {
 public:
  explicit JobTiming(metrics::HashMetrics* m) : metrics_(m), queued_(m ? Steady::now() : Steady::time_point{}) {}

  Steady::time_point start() const {
    if (!metrics_) return {};
    const auto now = Steady::now();
    metrics_->waited(now - queued_);
    return now;
  }
  void ran(metrics::HashOperation op, Steady::time_point started) const {
    if (metrics_) metrics_->ran(op, Steady::now() - started);
  }

 private:
  metrics::HashMetrics* metrics_;
  Steady::time_point queued_;
};

// The call's result, counting a refusal (queue full, pool stopped) as a rejection. Only used
// with metrics, so that a hasher without them adds no coroutine frame. Takes the awaitable, not
// a lambda, by value (STYLE.md 10).
template <typename T>
boost::asio::awaitable<PasswordHasher::Result<T>> counting_rejections(
    metrics::HashMetrics& m, boost::asio::awaitable<PasswordHasher::Result<T>> call) {
  PasswordHasher::Result<T> result = co_await std::move(call);
  if (!result && result.error() == HashError::overloaded) m.rejected();
  co_return result;
}

template <typename T>
boost::asio::awaitable<PasswordHasher::Result<T>> counted(metrics::HashMetrics* m,
                                                         boost::asio::awaitable<PasswordHasher::Result<T>> call) {
  if (!m) return call;
  return counting_rejections<T>(*m, std::move(call));
}

}  // namespace

void throw_exception_from_error(HashError e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e == HashError::overloaded ? "hash pool overloaded" : "hash failed"),
                         loc);
}

util::WorkerPoolOptions hash_pool_options(const HasherOptions& options) {
  return util::WorkerPoolOptions{.threads = options.threads,
                                 .max_queued = options.max_queued,
                                 // Hashing yields the CPU to request handling under load.
                                 .nice_increment = options.nice,
                                 .name = "hash"};
}

PasswordHasher::PasswordHasher(util::WorkerPool& pool, HashParams params, metrics::HashMetrics* metrics)
    : pool_(pool), params_(params), metrics_(metrics) {
  initialise_sodium();
  unsigned char secret[32];
  randombytes_buf(secret, sizeof secret);
  dummy_hash_ = hash_now(std::string_view(reinterpret_cast<const char*>(secret), sizeof secret), params_);
  sodium_memzero(secret, sizeof secret);
}

std::string PasswordHasher::hash_now(std::string_view password, const HashParams& params) {
  initialise_sodium();
  std::optional<std::string> phc = params.engine == HashEngine::argon2 ? argon2_hash(password, params)
                                                                        : sodium_hash(password, params);
  if (!phc) throw std::runtime_error("argon2id hashing failed (out of memory?)");
  return std::move(*phc);
}

bool PasswordHasher::verify_now(std::string_view password, const std::string& phc, HashEngine engine) {
  initialise_sodium();
  // Not argon2id as we write and read it: an imported format (hash_formats.h, each with its own
  // cost bound) or no match, before anything is allocated.
  if (!parse_phc(phc)) return verify_imported(password, phc);
  if (engine == HashEngine::argon2) return argon2_verify(password, phc);
  // libsodium runs whatever a string asks for (up to 4 TiB and 2^32-1 passes): a corrupt or
  // hostile hash (hash import) must be no match before it allocates, as with libargon2, hence
  // parse_phc's bounds above.
  return crypto_pwhash_str_verify(phc.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::can_verify(std::string_view stored) {
  return parse_phc(stored).has_value() || imported_format(stored).has_value();
}

bool PasswordHasher::needs_rehash(std::string_view phc) const {
  // What both engines write: argon2id v1.3, one lane, a 16-byte salt and a 32-byte hash. Anything
  // else is replaced on the next successful login: imported formats, argon2i and argon2d, version
  // 1.0, several lanes (passlib writes p=8), shorter hashes (passlib writes 16 bytes).
  constexpr std::size_t kOurSaltBytes = crypto_pwhash_SALTBYTES;
  constexpr std::size_t kOurHashBytes = 32;
  const std::optional<Argon2idPhc> ours = parse_phc(phc);
  if (!ours || ours->lanes != 1 || ours->salt.size() != kOurSaltBytes || ours->hash.size() != kOurHashBytes) {
    return true;
  }
  return ours->memory_kib != params_.memory_kib || ours->iterations != params_.iterations;
}

boost::asio::awaitable<PasswordHasher::Result<std::string>> PasswordHasher::hash(std::string password) {
  auto job = [counters = counters_, password = std::move(password), params = params_,
              timing = JobTiming(metrics_)]() -> Result<std::string> {
    const auto started = timing.start();
    ++counters->hashes;
    try {
      std::string phc = hash_now(password, params);
      timing.ran(metrics::HashOperation::hash, started);
      return phc;
    } catch (const std::runtime_error&) {
      return HashError::failed;
    }
  };
  return counted<std::string>(metrics_, util::offload<Result<std::string>>(pool_, std::move(job), HashError::overloaded));
}

std::function<PasswordHasher::Result<bool>()> PasswordHasher::verification(std::string password, std::string phc) {
  return [counters = counters_, password = std::move(password), phc = std::move(phc), engine = params_.engine,
          timing = JobTiming(metrics_)]() -> Result<bool> {
    const auto started = timing.start();
    ++counters->verifications;
    const bool match = verify_now(password, phc, engine);
    timing.ran(metrics::HashOperation::verify, started);
    return match;
  };
}

boost::asio::awaitable<PasswordHasher::Result<bool>> PasswordHasher::verify(std::string password, std::string phc) {
  return counted<bool>(metrics_, util::offload<Result<bool>>(pool_, verification(std::move(password), std::move(phc)),
                                                             HashError::overloaded));
}

boost::asio::awaitable<PasswordHasher::Result<bool>> PasswordHasher::verify(Reservation slot, std::string password,
                                                                            std::string phc) {
  return counted<bool>(metrics_, util::offload<Result<bool>>(pool_, std::move(slot),
                                                             verification(std::move(password), std::move(phc)),
                                                             HashError::overloaded));
}

std::optional<PasswordHasher::Reservation> PasswordHasher::reserve() {
  std::optional<Reservation> slot = pool_.try_reserve();
  if (!slot && metrics_) metrics_->rejected();
  return slot;
}

}  // namespace vestibule::security
