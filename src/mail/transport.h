// Where a built message goes: an SMTP server (SmtpTransport) or a directory (FileTransport).
// send() blocks (it runs on the courier's delivery threads, never on a network thread) and is
// safe to call from several threads at once.
#pragma once

#include <string>
#include <string_view>

namespace vestibule::mail {

struct Envelope {
  std::string id;         // OutboxMessage::id (the file name of FileTransport)
  std::string from;       // ASCII addr-spec (MAIL FROM)
  std::string recipient;  // ASCII addr-spec (RCPT TO)
};

struct SendResult {
  enum class Outcome {
    sent,       // accepted by the server (or written)
    transient,  // not now: retry later (connection refused, timeout, TLS refused, 4xx)
    permanent,  // never: give the message up (5xx for the recipient or the message)
  };
  Outcome outcome = Outcome::sent;
  // For logs: a short cause such as "smtp 550" or "connect: Couldn't connect to server". Never
  // the message, the recipient or credentials.
  std::string reason{};
};

const char* to_string(SendResult::Outcome o);

class Transport {
 public:
  virtual ~Transport() = default;
  // Delivers `message` (CRLF text, see mime.h). Never throws.
  virtual SendResult send(const Envelope& envelope, std::string_view message) = 0;
  // From now on sends in progress end soon and new ones fail at once (transient): for a
  // shutdown that must not wait out a slow server. Idempotent; any thread.
  virtual void cancel() {}
};

}  // namespace vestibule::mail
