// Seeds a store directly through the Store interface, not over HTTP: `users` accounts
// (userN@bench.example, one password, one argon2id hash shared by all so that seeding a million
// accounts costs one hash) and `sessions` bearer tokens for the first accounts. Many operations
// are kept in flight at once (the Redis client pipelines them; SQLite runs them on its pool).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vestibule::bench {

inline constexpr const char* kBenchPassword = "bench passphrase 7 unguessable";

struct SeedPlan {
  std::string store_url{};         // as for --store
  std::string redis_key_prefix{};  // as for --redis-key-prefix
  std::size_t users = 1000;
  std::size_t sessions = 1;        // tokens made for the first accounts
  std::string password_hash{};     // PHC string of kBenchPassword
};

struct Seeded {
  std::vector<std::string> tokens;
  double seconds = 0;  // wall time of the seeding
};

// Throws std::runtime_error if the store cannot be opened or refuses a write.
Seeded seed_store(const SeedPlan& plan);

// The address of seeded account n.
std::string seeded_email(std::size_t n);

}  // namespace vestibule::bench
