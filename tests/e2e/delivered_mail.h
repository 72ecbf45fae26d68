// Reading a delivered message the way a person's mail program would: the headers, and the text
// and HTML alternatives decoded from their transfer encoding, so that tests can check what the
// message says and follow its links. Only what Vestibule writes is supported (multipart/
// alternative with base64 or 7bit parts). Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vestibule::e2e {

struct DeliveredMail {
  std::map<std::string, std::string> headers;  // names lower-cased, folded lines unfolded
  std::string text;                            // the text/plain part, decoded, LF line ends
  std::string html;                            // the text/html part, decoded
  const std::string& header(const std::string& lower_name) const;
};

// Throws std::runtime_error naming what is missing if `content` is not such a message.
DeliveredMail parse_mail(std::string_view content);

// The token of the first link to `path` (e.g. "/reset-password") in `text`: what follows
// "path#token=", 43 characters of base64url. std::nullopt if there is none.
std::optional<std::string> link_token(std::string_view text, std::string_view path);

}  // namespace vestibule::e2e
