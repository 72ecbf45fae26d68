// File descriptors: making sure --max-connections fits the process's descriptor limit, and
// keeping the accept loop moving when the process runs out anyway.
// Thread-safety: raise_descriptor_limit() is for main, before any thread starts;
// a SpareDescriptor belongs to one thread (the acceptor's strand).
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>

namespace vestibule::http {

// Descriptors the process needs besides its connections: stdio, the listening socket, the
// spare below, epoll/eventfd/timerfd, the store (SQLite's database, WAL and shm files for each
// connection, or Redis sockets), the common-password file while it loads, and refusals in flight
// (at most kMaxRefusalsInFlight, see server.h).
inline constexpr std::size_t kReservedDescriptors = 64;

struct DescriptorError {
  std::string message;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit and returns the new soft limit; fails
// with a message naming both numbers when max_connections + kReservedDescriptors does not fit
// (max_connections 0 means no connection limit: only the reserve must fit).
boost::system::result<std::size_t, DescriptorError> raise_descriptor_limit(std::size_t max_connections);

// One descriptor held open so that, when accept() fails for want of descriptors (EMFILE or
// ENFILE), it can be given back for a moment to accept the pending connection and close it at
// once. Without this the connection stays in the backlog, accept keeps failing, and its client
// hangs until it gives up; with it the client sees a closed connection and the backlog drains.
class SpareDescriptor {
 public:
  SpareDescriptor();
  ~SpareDescriptor();
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  // Closes the spare, accepts one pending connection on the (non-blocking) listening socket
  // and closes it, then reopens the spare. True when that made progress (a connection was shed,
  // or none was pending any more); false when it could not (no spare, or another thread took
  // the freed descriptor first): the caller should back off then instead of spinning.
  bool shed_one(int listening_fd);

 private:
  int fd_ = -1;
};

}  // namespace vestibule::http
