// Where every log line of the process goes: a memory buffer that one writer thread writes out
// to a file descriptor (stdout), so that no network thread ever waits for the output. Lines are
// written in the order they were appended, whole, by that one thread.
//   - Urgent lines (server events, audit) wake the writer at once; the others (access log)
//     wait up to `interval`, so a busy server makes one write(2) per interval, not per request,
//     unless the buffer is half full first (then it is written out at once).
//   - The buffer holds at most `max_bytes`. When the output blocks (a full pipe, a stalled
//     collector) and the buffer is full, droppable lines (access log) are dropped and counted,
//     and the count is written as a line once the output drains; lossless lines (audit, server
//     events) wait for room instead, so none is ever lost while the process lives.
//   - The destructor writes out everything appended, then joins. A crash (SIGKILL, power loss)
//     loses what is still in the buffer: normally the last interval of access lines.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace vestibule::app {

struct LogWriterOptions {
  int fd = 1;
  std::size_t max_bytes = 8u << 20;
  std::chrono::milliseconds interval{1000};
  // The line (with its newline) that reports `lines` dropped lines, in the loggers' format;
  // called on the writer's thread. Empty: a plain logfmt line without a timestamp.
  std::function<std::string(std::uint64_t lines)> dropped_line{};
};

class LogWriter {
 public:
  explicit LogWriter(LogWriterOptions options = {});
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  enum class Kind { droppable, lossless };
  // Appends one whole line (with its newline). `urgent` wakes the writer now.
  void append(std::string_view line, Kind kind, bool urgent);

  // Lines dropped so far because the buffer was full.
  std::uint64_t dropped() const;

 private:
  void run();

  const LogWriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer: something urgent, or stopping
  std::condition_variable room_;  // lossless appenders: the buffer was written out
  std::string pending_;
  bool urgent_ = false;
  bool stopping_ = false;
  std::uint64_t dropped_total_ = 0;
  std::uint64_t dropped_unreported_ = 0;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace vestibule::app
