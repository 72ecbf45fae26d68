// The settings of outgoing mail: where it goes (--mail-url), who it is from, the base of every
// link, the templates, and the courier's knobs. Plain values with their defaults written once
// here; main fills them from flags (and the app the metrics pointer). Thread-safe to read.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vestibule::metrics {
class MailMetrics;
}

namespace vestibule::mail {

struct MailOptions {
  // smtp://[user:pass@]HOST:PORT[?starttls=required], smtps://[user:pass@]HOST:PORT or file:DIR
  // (see mail_url.h). The default needs no mail server: for development only.
  std::string url = "file:data/mail";
  // The From header and (its address) the envelope sender.
  std::string from = "Vestibule <no-reply@localhost>";
  // Base of every link in a message, without a trailing slash (one is dropped if given). Empty:
  // relative links; `vestibule serve` fills it from --listen then (app::public_url), so the
  // default is not written a second time here.
  std::string public_url{};
  // Directory of template overrides (<kind>.subject, <kind>.txt, <kind>.html); empty: built-in.
  std::string templates_dir{};

  // Courier. How often the outbox is polled when nobody nudges the courier.
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  // How long a claimed message is reserved for this instance; another instance may take it once
  // the lease has run out (this one crashed). Must exceed send_timeout, so that a live send is
  // never taken over.
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  // Most messages claimed at once (never more than there are free delivery threads).
  std::size_t batch_size = 16;
  // Threads that run the blocking SMTP conversations, i.e. messages in flight at once.
  std::size_t delivery_threads = 2;
  // Deliveries tried before a message is given up (marked failed).
  std::uint32_t max_attempts = 8;
  // Wait after the first failed attempt; doubles after each further one, up to backoff_max.
  // With the defaults the 8 attempts span about 30+60+120+240+480+960+1920 s ≈ 63 min.
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(30)};
  std::chrono::milliseconds backoff_max{std::chrono::hours(1)};
  // SMTP: establishing the connection (TCP and TLS), and the whole conversation of one message.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds send_timeout{std::chrono::seconds(60)};
  // PEM file of the CA certificates that TLS servers are checked against; empty: the system's.
  std::string ca_file{};
  // How long a failed message (without its params) stays in the store for inspection.
  std::chrono::hours keep_failed{24 * 7};
  // How long Courier::stop() waits for the sends in flight before cutting them off.
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(5)};

  // Where the courier counts its deliveries by result (vestibule_mail_deliveries_total); null:
  // nothing is counted. Not a setting: the application points it at Metrics::mail() when
  // --metrics-listen is set. Must outlive the courier.
  metrics::MailMetrics* metrics = nullptr;
};

}  // namespace vestibule::mail
