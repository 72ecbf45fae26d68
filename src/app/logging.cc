#include "app/logging.h"

#include <spdlog/sinks/base_sink.h>

#include <mutex>

namespace vestibule::app {
namespace {

// logfmt-style: one line per event, machine-parsable, UTC timestamps.
constexpr const char* kPattern = "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l logger=%n %v";

// Formats on the logging thread (under the sink's own lock: spdlog's formatters are not
// thread-safe) and hands the line to the writer.
class WriterSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  WriterSink(LogWriter& writer, LogWriter::Kind kind, bool urgent) : writer_(writer), kind_(kind), urgent_(urgent) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    buffer_.clear();
    formatter_->format(msg, buffer_);
    writer_.append(std::string_view(buffer_.data(), buffer_.size()), kind_, urgent_);
  }
  void flush_() override {}  // the writer decides when to write

 private:
  LogWriter& writer_;
  const LogWriter::Kind kind_;
  const bool urgent_;
  spdlog::memory_buf_t buffer_;  // reused: no allocation per line once grown
};

std::shared_ptr<spdlog::logger> make(const char* name, LogWriter& writer, LogWriter::Kind kind, bool urgent,
                                     spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<WriterSink>(writer, kind, urgent));
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->set_level(level);
  return logger;
}

}  // namespace

Loggers::Loggers(const std::string& level_name, LogWriterOptions output) : writer_(output) {
  const auto level = spdlog::level::from_str(level_name);
  server_ = make("vestibule", writer_, LogWriter::Kind::lossless, /*urgent=*/true, level);
  access_ = make("http", writer_, LogWriter::Kind::droppable, /*urgent=*/false, level);
  audit_ = make("audit", writer_, LogWriter::Kind::lossless, /*urgent=*/true, level);
}

}  // namespace vestibule::app
