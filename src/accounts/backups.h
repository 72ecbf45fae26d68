// Online backups of the store for the admin API (POST /admin/v1/backups): a consistent copy of
// the whole store, taken while it serves, written as a new file into the backup directory and
// named by its time (vestibule-20261202T061500.123Z.db), so that backups never overwrite one
// another and sort by age. Only stores whose data is one file can (SQLite); Redis keeps its own
// persistence (AOF, RDB), and answers backup_unsupported. One backup at a time: a copy keeps one
// of the store's worker connections busy for as long as it takes, so two at once (a cron job and
// an operator) would hold back every write. Thread-safe.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "accounts/failure.h"
#include "accounts/types.h"
#include "store/store.h"

namespace vestibule::accounts {

struct BackupInfo {
  std::string file;  // the name within the backup directory
  std::uint64_t bytes = 0;
  TimePoint created_at{};
};

class Backups {
 public:
  using ClockFn = std::function<TimePoint()>;

  // `directory` is created (mode 0700) at the first backup if missing.
  Backups(store::Store& store, std::string directory, ClockFn clock, std::shared_ptr<spdlog::logger> audit)
      : store_(store), directory_(std::move(directory)), clock_(std::move(clock)), audit_(std::move(audit)) {}

  // backup_unsupported (Redis); backup_in_progress while another one is written; store_unavailable
  // when the copy cannot be written (directory not creatable, disk full, a name taken: retry).
  Task<Result<BackupInfo>> create(RequestContext request = {});

  const std::string& directory() const { return directory_; }

 private:
  store::Store& store_;
  const std::string directory_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
  std::atomic<bool> running_{false};
};

// "vestibule-20261202T061500.123Z.db" for that instant (UTC).
std::string backup_file_name(TimePoint t);

}  // namespace vestibule::accounts
