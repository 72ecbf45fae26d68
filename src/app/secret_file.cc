#include "app/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vestibule::app {

boost::system::result<std::string, BuildError> read_secret_file(const std::string& path, const std::string& flag) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return BuildError{flag + " " + path + ": " + std::strerror(errno)};
  struct stat st {};
  std::string secret;
  bool too_big = false;
  bool open_to_others = false;
  int read_error = 0;  // errno of a failed stat or read: a secret cut short is no secret
  if (::fstat(fd, &st) != 0) {
    read_error = errno;
  } else {
    open_to_others = (st.st_mode & (S_IROTH | S_IWOTH)) != 0;
    char buffer[kMaxSecretBytes + 1];
    while (!too_big) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) read_error = errno;
      if (n <= 0) break;
      secret.append(buffer, static_cast<std::size_t>(n));
      too_big = secret.size() > kMaxSecretBytes;
    }
  }
  ::close(fd);
  if (read_error != 0) return BuildError{flag + " " + path + ": " + std::strerror(read_error)};
  if (open_to_others) {
    return BuildError{flag + " " + path + " may be read or written by every user: chmod o-rwx it (e.g. 0600 or 0640)"};
  }
  if (too_big) return BuildError{flag + " " + path + " is longer than " + std::to_string(kMaxSecretBytes) + " bytes"};
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ' ||
                             secret.back() == '\t')) {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretBytes) {
    return BuildError{flag + " " + path + " must hold a secret of at least " + std::to_string(kMinSecretBytes) +
                      " characters (e.g. openssl rand -hex 32)"};
  }
  for (char c : secret) {
    // It travels in an Authorization header: visible ASCII only.
    if (c < 0x21 || c > 0x7e) return BuildError{flag + " " + path + " must hold visible ASCII characters only"};
  }
  return boost::system::result<std::string, BuildError>(boost::system::in_place_value, std::move(secret));
}

}  // namespace vestibule::app
