// Which store the end-to-end suite runs against. CTest registers the suite twice: once with
// VESTIBULE_E2E_STORE=sqlite (also the default when the variable is unset) and once with
// VESTIBULE_E2E_STORE=redis. In redis mode every server of the test process shares one private
// redis-server, started on first use on a free loopback port with an empty dataset; each data dir
// gets its own key prefix, so tests never see each other's accounts, while a restart on the same
// data dir sees the same data, as with a SQLite file. Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vestibule::e2e {

enum class StoreKind { sqlite, redis };

// The store this test process runs against. Throws std::runtime_error for an unknown value.
StoreKind store_under_test();

// The `--store` flag (and in redis mode `--redis-key-prefix`) for a server whose data lives in
// `data_dir`. In redis mode this starts the shared redis-server on first use and throws
// std::runtime_error if it cannot: a missing redis-server fails the run, it never skips it.
std::vector<std::string> store_args(const std::filesystem::path& data_dir);

}  // namespace vestibule::e2e
