// One user to import, as read from a source (a JSONL line, or a user of the reference design's
// Redis data): where it came from, for the report, and the body of its POST /admin/v1/users, or
// why it cannot be sent at all. Plain values; no thread-safety concerns.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vestibule::import {

struct ImportItem {
  // How the report names it: "line 12", or "user 0123456789abcdef0123456789abcdef".
  std::string where;
  // The JSON body to POST; empty when `rejection` is set.
  std::string body;
  // Whether the body names the account's id: then a 409 email_taken means the address belongs
  // to another account (rejected), while without an id it means this user is already there.
  bool has_id = false;
  // Set when the item was refused before any request (malformed line, missing key). Never
  // holds a password hash.
  std::optional<std::string> rejection;
};

// Longer lines are refused without being kept in memory: a user is a few hundred bytes.
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

// The item for line `number` (1-based) of a JSONL file. The line must be a JSON object whose
// members are among name, email, password_hash, id, email_verified, created_at (anything else
// is refused, so that nothing is dropped silently); their values are checked by the server.
// Never fails: a bad line gives an item with `rejection` set.
ImportItem parse_line(std::string_view line, std::size_t number);

// "0123456789abcdef0123456789abcdef" -> "01234567-89ab-cdef-0123-456789abcdef" (lower case);
// nullopt unless `hex` is exactly 32 hex digits.
std::optional<std::string> dashed_uuid(std::string_view hex);

}  // namespace vestibule::import
