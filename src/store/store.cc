#include "store/store.h"

#include <boost/throw_exception.hpp>

namespace vestibule::store {

const char* to_string(Error e) {
  switch (e) {
    case Error::not_found: return "not_found";
    case Error::email_taken: return "email_taken";
    case Error::unavailable: return "unavailable";
  }
  return "unknown";
}

void throw_exception_from_error(Error e, const boost::source_location& loc) {
  boost::throw_exception(std::logic_error(std::string("store result holds error ") + to_string(e)), loc);
}

void throw_exception_from_error(const OpenError& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.message), loc);
}

}  // namespace vestibule::store
