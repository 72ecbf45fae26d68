#include "http/framing.h"

#include <boost/beast/core/string.hpp>

namespace vestibule::http {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> framing_problem(const Request& head) {
  const auto hosts = head.count(beast_http::field::host);
  if (hosts > 1) return "The request has more than one Host field.";
  if (hosts == 0 && head.version() >= 11) return "An HTTP/1.1 request needs a Host field.";

  const auto [first, end] = head.equal_range(beast_http::field::transfer_encoding);
  if (first == end) return std::nullopt;
  if (head.version() < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
  if (head.count(beast_http::field::content_length) != 0) {
    return "A request cannot have both Transfer-Encoding and Content-Length.";
  }
  // Exactly one field whose whole value is `chunked`: we apply no other coding, and a list
  // ending in anything else leaves the body's end undefined.
  if (std::next(first) != end || !boost::beast::iequals(trimmed(first->value()), "chunked")) {
    return "The only Transfer-Encoding accepted is a single chunked.";
  }
  return std::nullopt;
}

}  // namespace vestibule::http
