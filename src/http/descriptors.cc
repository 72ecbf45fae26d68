#include "http/descriptors.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vestibule::http {

boost::system::result<std::size_t, DescriptorError> raise_descriptor_limit(std::size_t max_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return DescriptorError{std::string("cannot read the descriptor limit: ") + std::strerror(errno)};
  }
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const std::size_t needed = max_connections + kReservedDescriptors;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    return DescriptorError{"--max-connections " + std::to_string(max_connections) + " needs " + std::to_string(needed) +
                           " file descriptors (" + std::to_string(kReservedDescriptors) +
                           " reserved for the store, logs and refusals), but the limit is " +
                           std::to_string(limit.rlim_cur) +
                           " (RLIMIT_NOFILE hard limit): lower --max-connections or raise the limit (ulimit -Hn)"};
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

SpareDescriptor::SpareDescriptor() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

SpareDescriptor::~SpareDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpareDescriptor::shed_one(int listening_fd) {
  if (fd_ < 0) {
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return false;  // nothing to give back this time; maybe next time
  }
  ::close(fd_);
  fd_ = -1;
  const int s = ::accept4(listening_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  const int accept_errno = errno;
  if (s >= 0) ::close(s);
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return s >= 0 || accept_errno == EAGAIN || accept_errno == EWOULDBLOCK;
}

}  // namespace vestibule::http
