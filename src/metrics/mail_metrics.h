// The mail outbox and its courier:
//   vestibule_mail_outbox_depth                  gauge (messages waiting, read at each scrape)
//   vestibule_mail_outbox_oldest_age_seconds     gauge (age of the oldest waiting message; 0: none)
//   vestibule_mail_deliveries_total{result}      counter (sent, retry, given_up)
//   vestibule_mail_delivery_queue_depth          gauge (deliveries waiting for a delivery thread)
//   vestibule_mail_delivery_active               gauge (deliveries running now)
// (the last two read off the courier's pool at each scrape)
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
  void set_delivery_queue(std::size_t queued, std::size_t active);

 private:
  prometheus::Gauge* depth_;
  prometheus::Gauge* oldest_age_;
  prometheus::Gauge* delivery_queued_;
  prometheus::Gauge* delivery_active_;
  prometheus::Counter* sent_;
  prometheus::Counter* retry_;
  prometheus::Counter* given_up_;
};

}  // namespace vestibule::metrics
