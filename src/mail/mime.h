// Builds the RFC 5322 / MIME text of one message: Date, From, To, Subject, Message-ID,
// MIME-Version, Auto-Submitted, and a multipart/alternative body (text/plain, then text/html,
// both UTF-8 and base64 in 76-character lines). CRLF line ends throughout; no header line
// longer than 78 characters. Deterministic: the same message gives the same bytes, so a
// redelivery after a crash is the same message (same Date, same Message-ID).
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mail/address.h"
#include "mail/templates.h"
#include "store/store.h"

namespace vestibule::mail {

struct MimeParts {
  std::string id;           // OutboxMessage::id: Message-ID <id@from-domain>, and the boundary
  Mailbox from;             // checked (parse_mailbox)
  std::string to;           // checked ASCII address (ascii_address)
  store::TimePoint date;    // OutboxMessage::created_at
  const Rendered& content;  // the subject may be any UTF-8; it is encoded (RFC 2047)
};

// std::nullopt only for an id that could not be part of a header (anything but letters, digits,
// '-', '.', '_'; empty; or longer than 64).
std::optional<std::string> build_message(const MimeParts& parts);

// `name: value` as one or more header lines (CRLF each): ASCII values folded at spaces, any other
// value as RFC 2047 encoded-words of whole UTF-8 characters. Control characters become spaces.
std::string encode_header(std::string_view name, std::string_view value);

// RFC 5322 date-time in UTC, e.g. "Tue, 01 Dec 2026 22:34:11 +0000".
std::string rfc5322_date(store::TimePoint t);

}  // namespace vestibule::mail
