// Turns one outbox message into what a transport sends: the template rendered with its params,
// the envelope (checked ASCII addresses) and the MIME text. Built once from the options; then
// compose() is a pure function, safe from any number of threads at once.
#pragma once

#include <boost/system/result.hpp>
#include <string>

#include "mail/address.h"
#include "mail/options.h"
#include "mail/templates.h"
#include "mail/transport.h"
#include "store/store.h"

namespace vestibule::mail {

struct Composed {
  Envelope envelope;
  std::string message;  // RFC 5322, CRLF
};

class Composer {
 public:
  // Errors (for startup): an unusable --mail-from, a bad --mail-templates directory or file.
  static boost::system::result<Composer, std::string> create(const MailOptions& options);

  // Every error is permanent for that message and names the cause without its content:
  // "unknown_kind", "missing_param", "invalid_recipient: <why>", "invalid_id".
  boost::system::result<Composed, std::string> compose(const store::OutboxMessage& message) const;

 private:
  Composer(Mailbox from, Templates templates, std::string public_url)
      : from_(std::move(from)), templates_(std::move(templates)), public_url_(std::move(public_url)) {}
  Mailbox from_;
  Templates templates_;
  std::string public_url_;
};

}  // namespace vestibule::mail
