// The transport --mail-url names (see mail_url.h), built from MailOptions. Fails only for an
// unusable URL (the message says why, never with the password); touches no network or disk.
#pragma once

#include <boost/system/result.hpp>
#include <memory>
#include <string>

#include "mail/options.h"
#include "mail/transport.h"

namespace vestibule::mail {

boost::system::result<std::unique_ptr<Transport>, std::string> open_transport(const MailOptions& options);

}  // namespace vestibule::mail
