// The access log: one logfmt line per finished request,
//   event=http.request request_id=... method=... path=... status=... latency_us=...
// written through a (buffered) spdlog logger. A RequestObserver, so it is one of possibly many
// hooks on the same mechanism. Thread-safe (spdlog loggers are).
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "http/observer.h"

namespace vestibule::http {

class AccessLog final : public RequestObserver {
 public:
  explicit AccessLog(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}
  void on_request(const RequestRecord& record) override;

 private:
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace vestibule::http
