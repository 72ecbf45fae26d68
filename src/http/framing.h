// Checks of a request header that decide how the bytes after it are read. Where a proxy in front
// and this server could read them two ways, the bytes after the header could run as a second,
// smuggled request (RFC 9112 6.3, 11.2), so anything ambiguous is refused instead of guessed:
//   - Transfer-Encoding other than exactly one `chunked` (a list, a repeat, an unknown or empty
//     coding: Beast would read such a request as having no body);
//   - Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1: faulty framing);
//   - Transfer-Encoding together with Content-Length;
//   - an HTTP/1.1 request without Host, or any request with more than one (RFC 9112 3.2).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "http/message.h"

namespace vestibule::http {

// Why the header cannot be framed unambiguously (a sentence for the problem's detail), or
// nullopt when it can. Only the header is looked at; the body has not been read yet.
std::optional<std::string_view> framing_problem(const Request& head);

}  // namespace vestibule::http
