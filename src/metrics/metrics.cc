#include "metrics/metrics.h"

#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

namespace vestibule::metrics {

Metrics::Metrics(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()),
      accounts_(*registry_),
      hashing_(*registry_),
      mail_(*registry_) {
  prometheus::BuildGauge()
      .Name("vestibule_build_info")
      .Help("Always 1; the labels say which build and configuration this process runs")
      .Register(*registry_)
      .Add({{"version", build.version}, {"store", build.store}, {"hash_engine", build.hash_engine}})
      .Set(1);
}

HttpMetrics& Metrics::http(const std::string& listener, const std::vector<std::string>& routes) {
  std::lock_guard lock(mutex_);
  return *http_.emplace_back(std::make_unique<HttpMetrics>(*registry_, listener, routes));
}

StoreMetrics& Metrics::store(const std::string& backend) {
  std::lock_guard lock(mutex_);
  return *stores_.emplace_back(std::make_unique<StoreMetrics>(*registry_, backend));
}

SessionCacheMetrics& Metrics::session_cache() {
  std::lock_guard lock(mutex_);
  if (!session_cache_) session_cache_ = std::make_unique<SessionCacheMetrics>(*registry_);
  return *session_cache_;
}

void Metrics::on_scrape(std::function<void()> refresh) {
  std::lock_guard lock(mutex_);
  refreshers_.push_back(std::move(refresh));
}

std::string Metrics::scrape() {
  {
    std::lock_guard lock(mutex_);
    for (const auto& refresh : refreshers_) refresh();
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace vestibule::metrics
