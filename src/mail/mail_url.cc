#include "mail/mail_url.h"

#include <boost/url/parse.hpp>
#include <charconv>
#include <stdexcept>

namespace vestibule::mail {

void throw_exception_from_error(const UrlError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

namespace {

UrlError error(std::string what) { return UrlError{"--mail-url " + std::move(what)}; }

}  // namespace

std::string MailUrl::redacted() const {
  if (kind == Kind::file) return "file:" + directory;
  std::string out = kind == Kind::smtps ? "smtps://" : "smtp://";
  if (!user.empty()) out.append(user).append("@");
  const bool literal = host.find(':') != std::string::npos;  // IPv6
  out.append(literal ? "[" : "").append(host).append(literal ? "]" : "");
  out.append(":").append(std::to_string(port));
  if (kind == Kind::smtp && starttls == StartTls::required) out += "?starttls=required";
  return out;
}

boost::system::result<MailUrl, UrlError> parse_mail_url(std::string_view url) {
  // Boost.URL's messages can quote the input, which may hold a password: ours never do.
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return error("must be a URL: smtp://HOST:PORT, smtps://HOST:PORT or file:DIR");
  MailUrl out;
  const std::string_view scheme = parsed->scheme();
  if (scheme == "file") {
    if (parsed->has_authority()) return error("file:DIR takes a directory path, e.g. file:data/mail (no //host)");
    if (parsed->has_query() || parsed->has_fragment()) return error("file:DIR takes no ?query or #fragment");
    out.kind = MailUrl::Kind::file;
    out.directory = parsed->path();  // percent-decoded
    if (out.directory.empty()) return error("file:DIR needs a directory, e.g. file:data/mail");
    return out;
  }
  if (scheme == "smtp") {
    out.kind = MailUrl::Kind::smtp;
  } else if (scheme == "smtps") {
    out.kind = MailUrl::Kind::smtps;
  } else {
    return error("has an unsupported scheme '" + std::string(scheme) + "' (supported: smtp, smtps, file)");
  }
  if (!parsed->has_authority() || parsed->host().empty()) return error("smtp://HOST:PORT needs a host");
  out.host = parsed->host();
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  const std::string_view port = parsed->port();
  unsigned int number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (!parsed->has_port() || port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
      number > 65535) {
    return error("needs a port between 1 and 65535, e.g. smtp://HOST:587 or smtps://HOST:465");
  }
  out.port = static_cast<unsigned short>(number);
  if (parsed->has_userinfo()) {
    out.user = parsed->user();
    out.password = parsed->password();
    if (out.user.empty()) return error("has a password but no user name");
  }
  const std::string_view path = parsed->encoded_path();
  if (!path.empty() && path != "/") return error("smtp:// and smtps:// take no path");
  if (parsed->has_fragment()) return error("takes no #fragment");
  for (auto param : parsed->params()) {
    if (out.kind == MailUrl::Kind::smtp && param.key == "starttls" && param.has_value && param.value == "required") {
      out.starttls = MailUrl::StartTls::required;
    } else if (param.key == "starttls") {
      return error(out.kind == MailUrl::Kind::smtp
                       ? "allows only ?starttls=required (STARTTLS is used whenever offered)"
                       : "smtps:// is TLS from the start: ?starttls does not apply");
    } else {
      return error("has an unknown parameter '" + std::string(param.key) + "' (known: starttls=required)");
    }
  }
  return out;
}

}  // namespace vestibule::mail
