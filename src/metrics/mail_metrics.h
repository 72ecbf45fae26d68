// The mail outbox and its courier:
//   vestibule_mail_outbox_depth                  gauge (messages waiting, read at each scrape)
//   vestibule_mail_outbox_oldest_age_seconds     gauge (age of the oldest waiting message; 0: none)
//   vestibule_mail_deliveries_total{result}      counter (sent, retry, given_up)
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>

namespace vestibule::metrics {

enum class DeliveryResult {
  sent,      // the server accepted it
  retry,     // a delivery failed; it will be tried again later
  given_up,  // a permanent failure, or the last attempt failed
};

class MailMetrics {
 public:
  explicit MailMetrics(prometheus::Registry& registry);

  void delivery(DeliveryResult r);
  void set_outbox(std::size_t depth, std::chrono::seconds oldest_age);

 private:
  prometheus::Gauge* depth_;
  prometheus::Gauge* oldest_age_;
  prometheus::Counter* sent_;
  prometheus::Counter* retry_;
  prometheus::Counter* given_up_;
};

}  // namespace vestibule::metrics
