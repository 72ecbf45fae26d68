#include "metrics/mail_metrics.h"

namespace vestibule::metrics {

MailMetrics::MailMetrics(prometheus::Registry& registry)
    : depth_(&prometheus::BuildGauge()
                  .Name("vestibule_mail_outbox_depth")
                  .Help("Messages in the outbox not yet delivered or given up")
                  .Register(registry)
                  .Add({})),
      oldest_age_(&prometheus::BuildGauge()
                       .Name("vestibule_mail_outbox_oldest_age_seconds")
                       .Help("Age of the oldest message waiting in the outbox (0 when it is empty)")
                       .Register(registry)
                       .Add({})),
      delivery_queued_(&prometheus::BuildGauge()
                            .Name("vestibule_mail_delivery_queue_depth")
                            .Help("Deliveries waiting for one of the courier's delivery threads")
                            .Register(registry)
                            .Add({})),
      delivery_active_(&prometheus::BuildGauge()
                            .Name("vestibule_mail_delivery_active")
                            .Help("Deliveries (SMTP conversations, or files written) running now")
                            .Register(registry)
                            .Add({})) {
  auto& deliveries = prometheus::BuildCounter()
                         .Name("vestibule_mail_deliveries_total")
                         .Help("Delivery attempts of outbox messages, by result (sent, retry, given_up)")
                         .Register(registry);
  sent_ = &deliveries.Add({{"result", "sent"}});
  retry_ = &deliveries.Add({{"result", "retry"}});
  given_up_ = &deliveries.Add({{"result", "given_up"}});
}

void MailMetrics::delivery(DeliveryResult r) {
  switch (r) {
    case DeliveryResult::sent: sent_->Increment(); break;
    case DeliveryResult::retry: retry_->Increment(); break;
    case DeliveryResult::given_up: given_up_->Increment(); break;
  }
}

void MailMetrics::set_outbox(std::size_t depth, std::chrono::seconds oldest_age) {
  depth_->Set(static_cast<double>(depth));
  oldest_age_->Set(static_cast<double>(oldest_age.count()));
}

void MailMetrics::set_delivery_queue(std::size_t queued, std::size_t active) {
  delivery_queued_->Set(static_cast<double>(queued));
  delivery_active_->Set(static_cast<double>(active));
}

}  // namespace vestibule::metrics
