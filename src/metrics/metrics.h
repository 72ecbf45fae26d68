// The service's Prometheus metrics: one registry (prometheus-cpp's core library, Debian's
// prometheus-cpp-dev, for the data model and the text exposition format; we serve the scrape
// ourselves, on our own listener, instead of its civetweb exposer) and, per area, a small class
// that the code of that area records into. Each area's labels are fixed sets known when it is
// built (route templates, outcome names, operation names), resolved to their series up front,
// so recording is an atomic update or a short lock with no lookup by label at request time; and
// no label ever carries an email, an id, a token or an address.
//
// Built once by the application when --metrics-listen is set; without it no Metrics exists and
// every area pointer the layers hold is null (they record nothing, at no cost).
// Thread-safe: recording from any thread; areas are created before serving starts.
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/account_metrics.h"
#include "metrics/hash_metrics.h"
#include "metrics/http_metrics.h"
#include "metrics/mail_metrics.h"
#include "metrics/store_metrics.h"

namespace vestibule::metrics {

// What vestibule_build_info says about this process (one series, value 1).
struct BuildInfo {
  std::string version;
  std::string store;        // "sqlite" or "redis"
  std::string hash_engine;  // "sodium" or "argon2"
};

class Metrics {
 public:
  explicit Metrics(const BuildInfo& build);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Areas. http() makes one per listener ("public", "admin"), labelled so; `routes` are the
  // templates its router knows (Router::templates()), each gets its own series.
  HttpMetrics& http(const std::string& listener, const std::vector<std::string>& routes);
  AccountMetrics& accounts() { return accounts_; }
  HashMetrics& hashing() { return hashing_; }
  StoreMetrics& store(const std::string& backend);
  MailMetrics& mail() { return mail_; }
  // Made on the first call (only a server with a session cache has these series).
  SessionCacheMetrics& session_cache();

  // Runs `refresh` at every scrape, before the text is made, to set gauges that are read off
  // their source (queue depths, connection state) rather than kept up to date.
  void on_scrape(std::function<void()> refresh);

  // The text exposition format (version 0.0.4) of every metric, after the refreshers ran.
  std::string scrape();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  AccountMetrics accounts_;
  HashMetrics hashing_;
  MailMetrics mail_;
  std::mutex mutex_;  // guards the lists below (areas are made at start, scrapes read them)
  std::vector<std::unique_ptr<HttpMetrics>> http_;
  std::vector<std::unique_ptr<StoreMetrics>> stores_;
  std::unique_ptr<SessionCacheMetrics> session_cache_;
  std::vector<std::function<void()>> refreshers_;
};

// The content type of scrape()'s text.
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace vestibule::metrics
