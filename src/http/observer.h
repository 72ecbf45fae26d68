// A hook on every exchange the server finishes, so that access logging and metrics hang off one
// mechanism instead of each reaching into the server (see access_log.h for the first user).
// Observers are called on the connection's network thread, right after the response is written
// (or failed to be), once per request, in the order given to the Server. They must be cheap and
// must not throw; an observer shared across connections must be thread-safe, since connections
// run on many threads at once.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace vestibule::http {

// What is known about one finished exchange. The views point into the request and response and
// are valid only during the call: copy what must outlive it.
struct RequestRecord {
  std::string_view request_id;
  // The method as sent ("-" when the server refused the request before its method was known).
  std::string_view method;
  // The route template that matched (bounded cardinality: fit for a metrics label), or
  // kUnmatchedRoute when no resource matched (404) and kRefusedRoute for a request the server
  // refused itself (framing or a limit). Never the raw target.
  std::string_view route;
  // The request's path as sent, without its query string ("-" for a refusal). Unbounded: for
  // logs, never for metrics labels.
  std::string_view path;
  unsigned status = 0;
  // When the request's first byte was read (the wall clock, for logs), and how long it took
  // from then to the end of the response write (the steady clock, immune to clock steps).
  std::chrono::system_clock::time_point start{};
  std::chrono::microseconds duration{0};
  // Bytes read for the request (header and body as framed) and written for the response.
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
};

inline constexpr std::string_view kUnmatchedRoute = "unmatched";
inline constexpr std::string_view kRefusedRoute = "refused";

// A connection's life as the server sees it: admitted and later closed, or refused at once
// without being served: over --max-connections or the per-client cap (answered 503), or shed
// for want of a descriptor (closed without a word).
enum class ConnectionEvent { opened, closed, refused };

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_request(const RequestRecord& record) = 0;
  virtual void on_connection(ConnectionEvent) {}
};

}  // namespace vestibule::http
