// Why a single input value was refused: a machine-readable code and a sentence for people.
// Validators return it; accounts/ attaches the field name and api/ renders it as
// `errors: [{field, code, message}]` in a 422 problem. Plain value type.
#pragma once

#include <boost/assert/source_location.hpp>
#include <stdexcept>
#include <string>

namespace vestibule::security {

struct Rejection {
  // Two arguments, so that boost::system::result<std::string, Rejection> can tell a value
  // (a string) from an error without ambiguity.
  Rejection() = default;
  Rejection(std::string c, std::string m) : code(std::move(c)), message(std::move(m)) {}
  std::string code;     // e.g. "too_long", "invalid_email"; stable, documented in docs/openapi.yaml
  std::string message;  // human-readable, never contains the rejected secret
};

// boost::system::result<T, Rejection>::value() on an error lands here (found by ADL).
[[noreturn]] inline void throw_exception_from_error(const Rejection& r, const boost::source_location&) {
  throw std::invalid_argument(r.code + ": " + r.message);
}

}  // namespace vestibule::security
