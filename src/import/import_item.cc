#include "import/import_item.h"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace vestibule::import {
namespace {

constexpr std::array<std::string_view, 6> kFields = {"name", "email", "password_hash", "id", "email_verified",
                                                     "created_at"};

bool known_field(std::string_view key) {
  for (std::string_view f : kFields) {
    if (f == key) return true;
  }
  return false;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

ImportItem parse_line(std::string_view line, std::size_t number) {
  ImportItem item;
  item.where = "line " + std::to_string(number);
  if (line.size() > kMaxLineBytes) {
    item.rejection = "line_too_long (over " + std::to_string(kMaxLineBytes) + " bytes)";
    return item;
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  // The parser's message names the kind of error only, never the text: a line holds a hash.
  if (ec) {
    item.rejection = "malformed_json (" + ec.message() + ")";
    return item;
  }
  if (!value.is_object()) {
    item.rejection = "malformed_json (not an object)";
    return item;
  }
  for (const auto& member : value.as_object()) {
    if (!known_field(member.key())) {
      // A field name is the operator's own text, not a secret, and tells them what to fix.
      item.rejection = "unknown_field (" + std::string(member.key()) + ")";
      return item;
    }
  }
  item.has_id = value.as_object().contains("id");
  item.body = boost::json::serialize(value);
  return item;
}

std::optional<std::string> dashed_uuid(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (!is_hex(c)) return std::nullopt;
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

}  // namespace vestibule::import
