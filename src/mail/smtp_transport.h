// Sends messages to an SMTP server with libcurl (one connection per message): STARTTLS when the
// server offers it (or required, or implicit TLS with smtps://), AUTH with the URL's user and
// password, certificate and host name checked against the system's CAs or MailOptions::ca_file.
// With a user and password STARTTLS is required too, unless the server is on loopback: a
// password never crosses a network in clear.
// Thread-safe: each send() uses its own curl handle; never raises signals (CURLOPT_NOSIGNAL).
//
// Outcomes: sent on 250 after the data; permanent when the server answers MAIL FROM, RCPT TO or
// the data with 5xx; transient for everything else, including a refused or timed-out
// connection, a 4xx, a failed AUTH, an untrusted certificate and, with ?starttls=required, a
// server that does not offer STARTTLS (the fault is the server's or the configuration's, and
// may be repaired before the attempts run out; meanwhile nothing is sent in clear).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "mail/mail_url.h"
#include "mail/transport.h"

namespace vestibule::mail {

struct SmtpOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds send_timeout{std::chrono::seconds(60)};  // the whole conversation
  std::string ca_file{};                                             // PEM; empty: the system's CA store
};

class SmtpTransport final : public Transport {
 public:
  // `url` of kind smtp or smtps. Initialises libcurl: construct before starting threads.
  SmtpTransport(MailUrl url, SmtpOptions options);
  SendResult send(const Envelope& envelope, std::string_view message) override;
  void cancel() override { cancelled_.store(true); }

 private:
  const MailUrl url_;
  const SmtpOptions options_;
  const std::string curl_url_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace vestibule::mail
