// File descriptors: making sure --max-connections fits the process's descriptor limit, and
// keeping the accept loop moving when the process runs out anyway.
// Thread-safety: raise_descriptor_limit() is for main, before any thread starts;
// a SpareDescriptor belongs to one thread (the acceptor's strand).
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace vestibule::http {

// Refusals (503 past a connection limit) one listener writes at once; each holds a descriptor
// for up to a second. Past it a refused connection is closed without a word.
inline constexpr std::size_t kMaxRefusalsInFlight = 16;

// What each listener needs besides its connections: the listening socket, its spare (below) and
// its refusals in flight.
inline constexpr std::size_t kListenerDescriptors = 2 + kMaxRefusalsInFlight;

// What the process needs whatever its configuration: stdio, the event loop (epoll, eventfd,
// timerfd), the signal pipe, /dev/urandom, and the files read at start (the common-password
// list, the secrets and token files, the mail templates), one at a time.
inline constexpr std::size_t kProcessDescriptors = 32;

// The descriptors a configuration needs at most: its connections, and the reserve besides them,
// itemised so that a refusal can say where they go. The store's and mail's shares grow with
// their threads (store::descriptors_needed, app::descriptor_budget).
struct DescriptorBudget {
  std::size_t connections = 0;  // every listener's connection limit, added up
  std::size_t process = kProcessDescriptors;
  std::size_t listeners = 0;  // kListenerDescriptors per listener
  std::size_t store = 0;
  std::size_t mail = 0;

  std::size_t reserved() const { return process + listeners + store + mail; }
  std::size_t total() const { return connections + reserved(); }
};

struct DescriptorError {
  std::string message;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit and returns the new soft limit; fails
// with a message naming the numbers when `budget` does not fit (a connection limit of 0 means
// none: then only the reserve must fit).
boost::system::result<std::size_t, DescriptorError> raise_descriptor_limit(const DescriptorBudget& budget);

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

  enum class Shed {
    one,           // a pending connection was accepted and closed
    none_pending,  // nothing was waiting any more
    failed,        // no spare, or another thread took the freed descriptor first
  };
  // Closes the spare, accepts one pending connection on the (non-blocking) listening socket,
  // calls `on_shed` (when given) and closes the connection, then reopens the spare. `one` and
  // `none_pending` made progress; after `failed` the caller should back off instead of spinning.
  // `on_shed` runs before the close, so whatever it records is there before the client sees it.
  Shed shed_one(int listening_fd, const std::function<void()>& on_shed = {});

 private:
  int fd_ = -1;
};

}  // namespace vestibule::http
