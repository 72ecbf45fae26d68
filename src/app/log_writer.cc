#include "app/log_writer.h"

#include <unistd.h>

#include <cerrno>

namespace vestibule::app {
namespace {

// Writes all of `data`, retrying short writes and interruptions. A closed or broken output
// loses the rest: there is nobody left to tell.
void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

LogWriter::LogWriter(LogWriterOptions options) : options_(options), thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LogWriter::append(std::string_view line, Kind kind, bool urgent) {
  std::unique_lock lock(mutex_);
  if (pending_.size() + line.size() > options_.max_bytes && !pending_.empty()) {
    if (kind == Kind::droppable) {
      ++dropped_total_;
      ++dropped_unreported_;
      return;
    }
    // Wake the writer first: it might otherwise sleep out its interval while this thread waits.
    if (!urgent_) {
      urgent_ = true;
      wake_.notify_one();
    }
    room_.wait(lock, [&] { return stopping_ || pending_.size() + line.size() <= options_.max_bytes || pending_.empty(); });
  }
  pending_.append(line);
  // Half full is written out at once, so that the buffer fills up only while the output blocks,
  // not merely because more lines came than one interval's worth.
  if ((urgent || pending_.size() >= options_.max_bytes / 2) && !urgent_) {
    urgent_ = true;
    lock.unlock();
    wake_.notify_one();
  }
}

std::uint64_t LogWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_total_;
}

void LogWriter::run() {
  std::string out;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.interval, [this] { return stopping_ || urgent_; });
    if (pending_.empty() && dropped_unreported_ == 0) {
      if (stopping_) return;
      continue;
    }
    out.clear();
    out.swap(pending_);
    const std::uint64_t dropped = dropped_unreported_;
    dropped_unreported_ = 0;
    urgent_ = false;
    lock.unlock();
    room_.notify_all();
    if (dropped != 0) {
      out += options_.dropped_line ? options_.dropped_line(dropped)
                                   : "level=warning logger=log event=log.dropped lines=" + std::to_string(dropped) +
                                         " reason=\"output blocked, buffer full\"\n";
    }
    write_all(options_.fd, out);
    lock.lock();
  }
}

}  // namespace vestibule::app
