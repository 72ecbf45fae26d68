#include "http/descriptors.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vestibule::http {

boost::system::result<std::size_t, DescriptorError> raise_descriptor_limit(const DescriptorBudget& budget) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return DescriptorError{std::string("cannot read the descriptor limit: ") + std::strerror(errno)};
  }
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const std::size_t needed = budget.total();
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    const auto n = [](std::size_t v) { return std::to_string(v); };
    return DescriptorError{
        n(budget.connections) + " connections (--max-connections and the admin and metrics listeners') need " +
        n(needed) + " file descriptors with the " + n(budget.reserved()) + " reserved besides them (" +
        n(budget.process) + " for the process, " + n(budget.listeners) + " for the listeners, " + n(budget.store) +
        " for the store, " + n(budget.mail) + " for mail), but the limit is " + n(limit.rlim_cur) +
        " (RLIMIT_NOFILE hard limit): lower --max-connections, --store-threads or --io-threads, or raise the "
        "limit (ulimit -Hn)"};
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

SpareDescriptor::SpareDescriptor() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

SpareDescriptor::~SpareDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

SpareDescriptor::Shed SpareDescriptor::shed_one(int listening_fd, const std::function<void()>& on_shed) {
  if (fd_ < 0) {
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return Shed::failed;  // nothing to give back this time; maybe next time
  }
  ::close(fd_);
  fd_ = -1;
  const int s = ::accept4(listening_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  const int accept_errno = errno;
  if (s >= 0) {
    if (on_shed) on_shed();
    ::close(s);
  }
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (s >= 0) return Shed::one;
  return accept_errno == EAGAIN || accept_errno == EWOULDBLOCK ? Shed::none_pending : Shed::failed;
}

}  // namespace vestibule::http
