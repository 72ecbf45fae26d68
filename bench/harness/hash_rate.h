// The raw argon2id rate, measured in this process: as many threads as the server hashes on, each
// pinned to the server's cores, hashing back to back with the server's parameters for a bounded
// time. Logins and registrations per second are compared with it.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "security/password_hasher.h"

namespace vestibule::bench {

struct HashRate {
  double per_second = 0;
  std::size_t hashes = 0;
  double ms_per_hash = 0;  // per thread
};

HashRate measure_hash_rate(const security::HashParams& params, std::size_t threads, const std::vector<int>& cpus,
                           std::chrono::milliseconds duration);

}  // namespace vestibule::bench
