// The import run shared by `vestibule import` and `vestibule import-seed`: users come from a
// Source, go to POST /admin/v1/users over `concurrency` keep-alive connections (one worker
// thread each, so that several requests are in flight), and end as imported, skipped (already
// there) or rejected. Transient failures (5xx, 429, a lost connection) are retried with backoff.
// The run stops early on a 401 (the token is wrong, nothing can succeed) and when the server
// stays unreachable. Progress lines go to a stream while it runs.
// run_import() is called from one thread; it starts and joins its workers itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "import/admin_client.h"
#include "import/import_item.h"

namespace vestibule::import {

// Where the users come from. next() is called by one worker at a time (the run serialises the
// calls), so a source needs no locking of its own.
class Source {
 public:
  virtual ~Source() = default;
  // The next user, or nullopt at the end. A source that fails midway (file or Redis error)
  // returns nullopt and says why in error().
  virtual std::optional<ImportItem> next() = 0;
  virtual std::optional<std::string> error() const = 0;
};

struct ImportOptions {
  std::size_t concurrency = 8;  // --concurrency: connections, hence requests in flight
  // Attempts of one user on a transient failure, and the wait before the first retry (doubled
  // each time: 0.2 s, 0.4 s, 0.8 s).
  int attempts = 4;
  std::chrono::milliseconds first_backoff{200};
  // A progress line every this many users, and at least once a second while users go by.
  std::size_t progress_every = 1000;
  std::chrono::milliseconds progress_interval{1000};
  ClientOptions client;
};

struct Rejection {
  std::string where;   // "line 12", "user 0123..."
  std::string reason;  // never a hash
};

struct Summary {
  std::size_t imported = 0;
  std::size_t skipped = 0;
  std::vector<Rejection> rejected;  // in the order they were decided
  // Set when the run stopped before the end: a 401, an unreachable server, a source that
  // failed. The exit status is then 2.
  std::optional<std::string> fatal;
  double seconds = 0;
};

// Checks the server and the token with GET /admin/v1/users?limit=1 before anything is read;
// nullopt when it answers 200, else what is wrong (for the exit status 2).
std::optional<std::string> check_admin_api(const AdminEndpoint& endpoint, const std::string& token,
                                           const ClientOptions& options);

Summary run_import(Source& source, const AdminEndpoint& endpoint, const std::string& token,
                   const ImportOptions& options, std::ostream& progress);

// The summary as the commands print it: the counts, then each rejected user on its own line.
void print_summary(const Summary& summary, std::ostream& out);

// 0 if nothing was rejected, 1 if something was, 2 if the run stopped early.
int exit_status(const Summary& summary);

}  // namespace vestibule::import
