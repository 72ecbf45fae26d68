#include "app/logging.h"

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <mutex>
#include <string>

#include "app/log_json.h"
#include "util/timestamps.h"

namespace vestibule::app {
namespace {

// logfmt-style: one line per event, machine-parsable, UTC timestamps.
constexpr const char* kPattern = "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l logger=%n %v";

// Formats on the logging thread (under the sink's own lock: spdlog's formatters are not
// thread-safe) and hands the line to the writer. Text is spdlog's pattern formatter, as cheap
// as before there was a choice; JSON parses the message back into fields (log_json.h).
class WriterSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  WriterSink(LogWriter& writer, LogWriter::Kind kind, bool urgent, LogFormat format)
      : writer_(writer), kind_(kind), urgent_(urgent), format_(format) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (format_ == LogFormat::json) {
      const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
      const std::string line =
          json_line(msg.time, std::string_view(level.data(), level.size()),
                    std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                    std::string_view(msg.payload.data(), msg.payload.size()));
      writer_.append(line, kind_, urgent_);
      return;
    }
    buffer_.clear();
    formatter_->format(msg, buffer_);
    writer_.append(std::string_view(buffer_.data(), buffer_.size()), kind_, urgent_);
  }
  void flush_() override {}  // the writer decides when to write

 private:
  LogWriter& writer_;
  const LogWriter::Kind kind_;
  const bool urgent_;
  const LogFormat format_;
  spdlog::memory_buf_t buffer_;  // reused: no allocation per line once grown
};

std::shared_ptr<spdlog::logger> make(const char* name, LogWriter& writer, LogWriter::Kind kind, bool urgent,
                                     spdlog::level::level_enum level, LogFormat format) {
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<WriterSink>(writer, kind, urgent, format));
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->set_level(level);
  return logger;
}

// The writer's own line, when it had to drop access lines, in the loggers' format.
LogWriterOptions with_dropped_line(LogWriterOptions output, LogFormat format) {
  output.dropped_line = [format](std::uint64_t lines) {
    const std::string message =
        "event=log.dropped lines=" + std::to_string(lines) + " reason=\"output blocked, buffer full\"";
    const auto now = std::chrono::system_clock::now();
    if (format == LogFormat::json) return json_line(now, "warning", "log", message);
    return "ts=" + util::rfc3339_millis(now) + " level=warning logger=log " + message + "\n";
  };
  return output;
}

}  // namespace

Loggers::Loggers(const std::string& level_name, LogFormat format, LogWriterOptions output)
    : writer_(with_dropped_line(std::move(output), format)) {
  const auto level = spdlog::level::from_str(level_name);
  server_ = make("vestibule", writer_, LogWriter::Kind::lossless, /*urgent=*/true, level, format);
  access_ = make("http", writer_, LogWriter::Kind::droppable, /*urgent=*/false, level, format);
  audit_ = make("audit", writer_, LogWriter::Kind::lossless, /*urgent=*/true, level, format);
}

}  // namespace vestibule::app
