#include "mail/open.h"

#include "mail/file_transport.h"
#include "mail/mail_url.h"
#include "mail/smtp_transport.h"

namespace vestibule::mail {

boost::system::result<std::unique_ptr<Transport>, std::string> open_transport(const MailOptions& options) {
  auto url = parse_mail_url(options.url);
  if (!url) return url.error().message;
  if (url->kind == MailUrl::Kind::file)
    return std::unique_ptr<Transport>(std::make_unique<FileTransport>(url->directory));
  if (options.send_timeout >= options.lease) {
    return std::string(
        "the mail send timeout must be shorter than the claim lease, or a slow send could be taken over");
  }
  return std::unique_ptr<Transport>(std::make_unique<SmtpTransport>(
      std::move(*url), SmtpOptions{options.connect_timeout, options.send_timeout, options.ca_file}));
}

}  // namespace vestibule::mail
