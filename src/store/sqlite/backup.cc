#include "store/sqlite/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace vestibule::store::sqlite {
namespace {

// Creates `path` empty and private, failing if anything is there already: VACUUM INTO would
// refuse a non-empty file, and creating it here first means the copy is never readable by others,
// not even for the moment before a chmod.
bool create_private(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// VACUUM INTO does not sync what it wrote; a backup must be on disk once we say it exists. A
// directory is synced the same way (opened read-only).
bool sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<std::uint64_t> backup_into(Connection& c, const std::string& path) {
  if (!create_private(path)) return Error::unavailable;
  try {
    c.prepare("VACUUM INTO ?1").bind(1, path).execute();
  } catch (const SqliteError&) {
    std::remove(path.c_str());
    throw;
  }
  struct stat st {};
  // The file's data, then its directory entry: a power cut after the answer keeps the file.
  const std::string directory = std::filesystem::path(path).parent_path().string();
  if (!sync_file(path) || !sync_file(directory.empty() ? "." : directory) || ::stat(path.c_str(), &st) != 0) {
    std::remove(path.c_str());
    return Error::unavailable;
  }
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace vestibule::store::sqlite
