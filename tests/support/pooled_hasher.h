// A PasswordHasher on a hash pool of its own, built from HasherOptions as the application builds
// the pair (app/app.cc): for tests that need a hasher and nothing else of the pool. The pool is
// constructed first and destroyed last (it is a base), after the hasher; the hasher's jobs copy
// what they use, so that order is safe. Thread-safe as PasswordHasher is. Header-only.
#pragma once

#include "security/password_hasher.h"
#include "util/worker_pool.h"

namespace vestibule::testing {

namespace detail {
// Holds the pool so that it is built before the PasswordHasher base that uses it.
struct HashPoolHolder {
  explicit HashPoolHolder(const security::HasherOptions& options) : hash_pool(security::hash_pool_options(options)) {}
  util::WorkerPool hash_pool;
};
}  // namespace detail

class PooledHasher : private detail::HashPoolHolder, public security::PasswordHasher {
 public:
  explicit PooledHasher(const security::HasherOptions& options)
      : detail::HashPoolHolder(options), security::PasswordHasher(hash_pool, options.params) {}
  // The pool, as the application's App::hash_pool(): to stop or watch it.
  util::WorkerPool& pool() { return hash_pool; }
};

}  // namespace vestibule::testing
