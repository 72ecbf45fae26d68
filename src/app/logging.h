// The service's three loggers, logfmt lines with UTC timestamps, all through one LogWriter to
// stdout (log_writer.h), so no network thread ever waits for the output:
//   - server: events of the process (listening, stopping, failures); urgent and lossless;
//   - access: one line per request; written out at least once a second (a write(2) per request
//     cost 12-27 % of /healthz); dropped and counted if stdout stays blocked past the buffer;
//   - audit: one line per account event; urgent and lossless.
// Thread-safe (spdlog loggers are). No logger is registered globally.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "app/log_writer.h"

namespace vestibule::app {

class Loggers {
 public:
  // `level` is one of spdlog's names (trace ... off).
  explicit Loggers(const std::string& level, LogWriterOptions output = {});
  // Writes out everything logged so far, then stops the writer.
  ~Loggers() = default;
  Loggers(const Loggers&) = delete;
  Loggers& operator=(const Loggers&) = delete;

  const std::shared_ptr<spdlog::logger>& server() const { return server_; }
  const std::shared_ptr<spdlog::logger>& access() const { return access_; }
  const std::shared_ptr<spdlog::logger>& audit() const { return audit_; }

 private:
  LogWriter writer_;  // first: outlives the loggers' sinks
  std::shared_ptr<spdlog::logger> server_;
  std::shared_ptr<spdlog::logger> access_;
  std::shared_ptr<spdlog::logger> audit_;
};

}  // namespace vestibule::app
