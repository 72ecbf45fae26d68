#include "app/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vestibule::app {

boost::system::result<std::string, BuildError> read_private_file(const std::string& path, const std::string& flag) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return BuildError{flag + " " + path + ": " + std::strerror(errno)};
  struct stat st {};
  std::string content;
  bool too_big = false;
  bool open_to_others = false;
  int read_error = 0;  // errno of a failed stat or read: a secret cut short is no secret
  if (::fstat(fd, &st) != 0) {
    read_error = errno;
  } else {
    open_to_others = (st.st_mode & (S_IROTH | S_IWOTH)) != 0;
    // Not read at all when open to others: it is refused whatever it holds.
    char buffer[kMaxSecretBytes + 1];
    while (!too_big && !open_to_others) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) read_error = errno;
      if (n <= 0) break;
      content.append(buffer, static_cast<std::size_t>(n));
      too_big = content.size() > kMaxSecretBytes;
    }
    ::explicit_bzero(buffer, sizeof buffer);
  }
  ::close(fd);
  if (read_error != 0) return BuildError{flag + " " + path + ": " + std::strerror(read_error)};
  if (open_to_others) {
    return BuildError{flag + " " + path + " may be read or written by every user: chmod o-rwx it (e.g. 0600 or 0640)"};
  }
  if (too_big) return BuildError{flag + " " + path + " is longer than " + std::to_string(kMaxSecretBytes) + " bytes"};
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' || content.back() == ' ' ||
                              content.back() == '\t')) {
    content.pop_back();
  }
  return boost::system::result<std::string, BuildError>(boost::system::in_place_value, std::move(content));
}

boost::system::result<std::string, BuildError> read_secret_file(const std::string& path, const std::string& flag) {
  auto secret = read_private_file(path, flag);
  if (!secret) return secret;
  if (secret->size() < kMinSecretBytes) {
    return BuildError{flag + " " + path + " must hold a secret of at least " + std::to_string(kMinSecretBytes) +
                      " characters (e.g. openssl rand -hex 32)"};
  }
  for (char c : *secret) {
    // It travels in an Authorization header: visible ASCII only.
    if (c < 0x21 || c > 0x7e) return BuildError{flag + " " + path + " must hold visible ASCII characters only"};
  }
  return secret;
}

}  // namespace vestibule::app
