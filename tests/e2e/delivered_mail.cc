#include "delivered_mail.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace vestibule::e2e {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Header block and body of a message or a part, split at the first empty line.
std::pair<std::map<std::string, std::string>, std::string_view> split(std::string_view entity) {
  std::map<std::string, std::string> headers;
  const std::size_t end = entity.find("\r\n\r\n");
  if (end == std::string_view::npos) throw std::runtime_error("no empty line after the headers");
  std::string_view block = entity.substr(0, end + 2);
  std::string name, value;
  while (!block.empty()) {
    const std::size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol + 2);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      value += std::string(line);  // folded: the line break goes, the white space stays
      continue;
    }
    if (!name.empty()) headers[name] = value;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("a header line without a colon");
    name = lower(line.substr(0, colon));
    value = std::string(line.substr(colon + 1));
    value.erase(0, value.find_first_not_of(' '));
  }
  if (!name.empty()) headers[name] = value;
  return {std::move(headers), entity.substr(end + 4)};
}

std::string decode(const std::map<std::string, std::string>& headers, std::string_view body) {
  auto it = headers.find("content-transfer-encoding");
  std::string out;
  if (it != headers.end() && lower(it->second) == "base64") {
    out.resize(body.size());
    std::size_t n = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), body.data(), body.size(), "\r\n",
                          &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
      throw std::runtime_error("a part's base64 does not decode");
    }
    out.resize(n);
  } else {
    out = std::string(body);
  }
  out.erase(std::remove(out.begin(), out.end(), '\r'), out.end());
  return out;
}

}  // namespace

const std::string& DeliveredMail::header(const std::string& lower_name) const {
  static const std::string kNone;
  auto it = headers.find(lower_name);
  return it == headers.end() ? kNone : it->second;
}

DeliveredMail parse_mail(std::string_view content) {
  auto [headers, body] = split(content);
  DeliveredMail mail;
  mail.headers = std::move(headers);
  const std::string& type = mail.header("content-type");
  const std::size_t b = type.find("boundary=");
  if (b == std::string::npos) throw std::runtime_error("not multipart: " + type);
  std::string boundary = type.substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  boundary.erase(std::remove(boundary.begin(), boundary.end(), '"'), boundary.end());
  const std::string delimiter = "--" + boundary;
  std::size_t at = body.find(delimiter);
  while (at != std::string_view::npos) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") break;  // the closing delimiter
    at += 2;                                // CRLF after the delimiter
    const std::size_t next = body.find("\r\n" + delimiter, at);
    if (next == std::string_view::npos) throw std::runtime_error("a part without its closing delimiter");
    auto [part_headers, part_body] = split(body.substr(at, next - at + 2));
    const std::string part_type = lower(part_headers["content-type"]);
    const std::string decoded = decode(part_headers, part_body);
    if (part_type.starts_with("text/plain")) mail.text = decoded;
    if (part_type.starts_with("text/html")) mail.html = decoded;
    at = body.find(delimiter, next);
  }
  if (mail.text.empty() || mail.html.empty()) throw std::runtime_error("no text/plain and text/html alternatives");
  return mail;
}

std::optional<std::string> link_token(std::string_view text, std::string_view path) {
  const std::string marker = std::string(path) + "#token=";
  const std::size_t at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string token(text.substr(at + marker.size(), 43));
  if (token.size() != 43 || !std::all_of(token.begin(), token.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
      })) {
    return std::nullopt;
  }
  return token;
}

}  // namespace vestibule::e2e
