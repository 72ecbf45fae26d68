#include "mail/composer.h"

#include "mail/mime.h"

namespace vestibule::mail {

boost::system::result<Composer, std::string> Composer::create(const MailOptions& options) {
  auto from = parse_mailbox(options.from);
  if (!from) return from.error().message;
  auto templates = Templates::load(options.templates_dir);
  if (!templates) return templates.error().message;
  std::string public_url = options.public_url;
  while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
  return Composer(std::move(*from), std::move(*templates), std::move(public_url));
}

boost::system::result<Composed, std::string> Composer::compose(const store::OutboxMessage& message) const {
  auto to = ascii_address(message.recipient);
  if (!to) return "invalid_recipient: " + to.error().message;
  // {{email}} shows the address as the person typed it (Unicode domain), the header its ASCII form.
  auto rendered = templates_.render(message.kind, message.params, message.recipient, public_url_);
  if (!rendered) return std::string(to_string(rendered.error()));
  auto text = build_message(MimeParts{message.id, from_, *to, message.created_at, *rendered});
  if (!text) return std::string("invalid_id");
  return Composed{Envelope{message.id, from_.address, std::move(*to)}, std::move(*text)};
}

}  // namespace vestibule::mail
