// Mail addresses as SMTP and the headers need them: checked, and ASCII (an internationalised
// domain becomes its IDNA A-label form). Nothing that could end a header or an SMTP command
// (CR, LF, angle brackets, spaces...) passes. Pure functions; thread-safe.
//
// A local part with non-ASCII characters would need SMTPUTF8, which is not supported: such a
// recipient is refused (a permanent failure of that one message).
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace vestibule::mail {

struct Mailbox {
  std::string display_name;  // UTF-8, may be empty; the MIME layer encodes it
  std::string address;       // ASCII addr-spec: local@domain
  std::string domain() const { return address.substr(address.rfind('@') + 1); }
};

struct AddressError {
  std::string message;  // says what is wrong, without repeating the address
};
// Lets result<T, AddressError>::value() report misuse as std::runtime_error (found by ADL).
[[noreturn]] void throw_exception_from_error(const AddressError& e, const boost::source_location& loc);

// `address` ("ann@example.com", "ann@bücher.example") as an ASCII addr-spec.
boost::system::result<std::string, AddressError> ascii_address(std::string_view address);

// "Name <local@domain>" or a bare address (--mail-from).
boost::system::result<Mailbox, AddressError> parse_mailbox(std::string_view text);

}  // namespace vestibule::mail
