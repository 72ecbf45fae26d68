#include "mail/file_transport.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace vestibule::mail {

const char* to_string(SendResult::Outcome o) {
  switch (o) {
    case SendResult::Outcome::sent:
      return "sent";
    case SendResult::Outcome::transient:
      return "transient";
    case SendResult::Outcome::permanent:
      return "permanent";
  }
  return "unknown";
}

SendResult FileTransport::send(const Envelope& envelope, std::string_view message) {
  // The id names the file: it is a UUID, but nothing that could leave the directory passes.
  if (envelope.id.empty() || envelope.id.find_first_of("/\\") != std::string::npos || envelope.id[0] == '.') {
    return {SendResult::Outcome::permanent, "file: unusable message id"};
  }
  std::error_code ec;
  // Messages carry live tokens: readable by their owner only (mkstemp makes files 0600).
  if (std::filesystem::create_directories(directory_, ec)) {
    std::filesystem::permissions(directory_, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return {SendResult::Outcome::transient, "file: cannot create the directory: " + ec.message()};
  const std::filesystem::path final_path = directory_ / (envelope.id + ".eml");
  // Unique per thread and attempt, and not *.eml, so readers listing messages skip it.
  std::string tmp = (directory_ / ("." + envelope.id + ".XXXXXX")).string();
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return {SendResult::Outcome::transient, std::string("file: ") + std::strerror(errno)};
  std::size_t written = 0;
  while (written < message.size()) {
    const ssize_t n = ::write(fd, message.data() + written, message.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  // fsync: a message reported delivered leaves the store, so it must survive a crash here.
  const bool ok = written == message.size() && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) {
    std::filesystem::remove(tmp, ec);
    return {SendResult::Outcome::transient, std::string("file: ") + std::strerror(error)};
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return {SendResult::Outcome::transient, "file: cannot rename: " + ec.message()};
  }
  // And the directory entry, or a crash could forget the rename.
  const int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool synced = dir >= 0 && ::fsync(dir) == 0;
  if (dir >= 0) ::close(dir);
  if (!synced) return {SendResult::Outcome::transient, std::string("file: cannot sync the directory")};
  return {SendResult::Outcome::sent, {}};
}

}  // namespace vestibule::mail
