#include "accounts/backups.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "util/logfmt.h"
#include "util/timestamps.h"

namespace vestibule::accounts {

std::string backup_file_name(TimePoint t) {
  const util::UtcTime u = util::utc_time(t);
  return fmt::format("vestibule-{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z.db", u.year, u.month, u.day, u.hour, u.minute,
                     u.second, u.millis);
}

Task<Result<BackupInfo>> Backups::create(RequestContext request) {
  if (!store_.supports_backup()) co_return fail(Code::backup_unsupported);
  if (running_.exchange(true)) co_return fail(Code::backup_in_progress);
  struct Done {
    std::atomic<bool>& running;
    ~Done() { running = false; }
  } done{running_};
  namespace fs = std::filesystem;
  std::error_code ec;
  // Private when made here; a directory the operator made keeps the mode they gave it (a backup
  // agent's group, say): the files in it are 0600 either way.
  const bool made = fs::create_directories(directory_, ec);
  if (!ec && made) fs::permissions(directory_, fs::perms::owner_all, ec);
  if (ec) {
    audit_->warn("event=admin.backup.failed request_id={} reason={}", request.logged_id(),
                 util::logfmt_value("backup directory: " + ec.message()));
    co_return fail(Code::store_unavailable);
  }
  BackupInfo info;
  info.created_at = clock_();
  info.file = backup_file_name(info.created_at);
  std::string path = (fs::path(directory_) / info.file).string();
  auto written = co_await store_.backup(std::move(path));
  if (!written) {
    audit_->warn("event=admin.backup.failed request_id={} file={} reason=store_unavailable", request.logged_id(),
                 info.file);
    co_return fail(Code::store_unavailable);
  }
  info.bytes = *written;
  audit_->info("event=admin.backup.created file={} bytes={} request_id={}", info.file, info.bytes,
               request.logged_id());
  co_return info;
}

}  // namespace vestibule::accounts
