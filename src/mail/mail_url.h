// Parses --mail-url: where outgoing mail goes. Pure function; thread-safe.
//   smtp://[user:pass@]HOST:PORT[?starttls=required]  STARTTLS whenever the server offers it;
//                                                      with `required`, never send without it
//   smtps://[user:pass@]HOST:PORT                      TLS from the first byte (usually port 465)
//   file:DIR                                           each message as DIR/<id>.eml (development)
// User and password are percent-decoded. The password is never part of an error message or of
// MailUrl::redacted().
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace vestibule::mail {

struct MailUrl {
  enum class Kind { smtp, smtps, file };
  enum class StartTls { opportunistic, required };  // smtp:// only
  Kind kind = Kind::file;
  std::string host;  // IPv6 literals without brackets
  unsigned short port = 0;
  std::string user;  // empty: no AUTH
  std::string password;
  StartTls starttls = StartTls::opportunistic;
  std::string directory;  // file: only

  // The URL without its password, for logs ("smtp://alice@mail.example:587?starttls=required").
  std::string redacted() const;
};

struct UrlError {
  std::string message;  // names the flag and what is wrong; never contains the password
};
// Lets result<T, UrlError>::value() report misuse as std::runtime_error (found by ADL).
[[noreturn]] void throw_exception_from_error(const UrlError& e, const boost::source_location& loc);

boost::system::result<MailUrl, UrlError> parse_mail_url(std::string_view url);

}  // namespace vestibule::mail
