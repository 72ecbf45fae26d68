// The service's three loggers, all through one LogWriter to stdout (log_writer.h), so no network
// thread ever waits for the output. Messages are written as logfmt `event=... key=value` (free
// text through util::logfmt_value); a line is either that message after
// `ts=... level=... logger=...` (LogFormat::text) or one JSON object (LogFormat::json,
// log_json.h). Timestamps are UTC.
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

// --log-format: logfmt lines, or one JSON object per line.
enum class LogFormat { text, json };

class Loggers {
 public:
  // `level` is one of spdlog's names (trace ... off). output.dropped_line is set here, in
  // `format`.
  explicit Loggers(const std::string& level, LogFormat format = LogFormat::text, LogWriterOptions output = {});
  // Writes out everything logged so far, then stops the writer.
  ~Loggers() = default;
  Loggers(const Loggers&) = delete;
  Loggers& operator=(const Loggers&) = delete;

  const std::shared_ptr<spdlog::logger>& server() const { return server_; }
  const std::shared_ptr<spdlog::logger>& access() const { return access_; }
  const std::shared_ptr<spdlog::logger>& audit() const { return audit_; }
  // Access lines dropped so far because stdout stayed blocked (LogWriter::dropped).
  std::uint64_t dropped() const { return writer_.dropped(); }

 private:
  LogWriter writer_;  // first: outlives the loggers' sinks
  std::shared_ptr<spdlog::logger> server_;
  std::shared_ptr<spdlog::logger> access_;
  std::shared_ptr<spdlog::logger> audit_;
};

}  // namespace vestibule::app
