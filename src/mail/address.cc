#include "mail/address.h"

#include <idn2.h>

#include <memory>
#include <stdexcept>

namespace vestibule::mail {

void throw_exception_from_error(const AddressError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

namespace {

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 5322 atext and the dot: what an unquoted local part may hold. Quoted local parts are not
// accepted; the accounts layer never stores one.
bool local_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

bool domain_label_ok(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

boost::system::result<std::string, AddressError> ascii_address(std::string_view address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return AddressError{"not an address of the form local@domain"};
  }
  const std::string_view local = address.substr(0, at);
  std::string domain(address.substr(at + 1));
  if (!is_ascii(local)) return AddressError{"a non-ASCII local part needs SMTPUTF8, which is not supported"};
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return AddressError{"invalid local part"};
  }
  for (char c : local) {
    if (!local_char(c)) return AddressError{"invalid character in the local part"};
  }
  if (!is_ascii(domain)) {
    char* converted = nullptr;
    const int rc = idn2_to_ascii_8z(domain.c_str(), &converted, IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> owned(converted, &idn2_free);
    if (rc != IDN2_OK) return AddressError{"the domain is not a valid internationalised domain name"};
    domain = converted;
  }
  if (domain.size() > 253) return AddressError{"the domain is too long"};
  std::string_view rest = domain;
  while (true) {
    const std::size_t dot = rest.find('.');
    if (!domain_label_ok(rest.substr(0, dot))) return AddressError{"invalid domain"};
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return boost::system::result<std::string, AddressError>(boost::system::in_place_value,
                                                          std::string(local) + "@" + domain);
}

boost::system::result<Mailbox, AddressError> parse_mailbox(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return AddressError{"--mail-from has a control character"};
  }
  Mailbox out;
  std::string_view spec = text;
  const std::size_t open = text.rfind('<');
  if (open != std::string_view::npos) {
    if (text.back() != '>') return AddressError{"--mail-from must be \"Name <address>\" or an address"};
    spec = text.substr(open + 1, text.size() - open - 2);
    std::string_view name = text.substr(0, open);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    out.display_name = name;
  }
  auto address = ascii_address(spec);
  if (!address) return AddressError{"--mail-from: " + address.error().message};
  out.address = std::move(*address);
  return out;
}

}  // namespace vestibule::mail
