#include "app/log_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "app/logging.h"

namespace vestibule::app {
namespace {

// A pipe whose read end the test drains with deadlines.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    read_ = fds[0];
    write_ = fds[1];
  }
  ~Pipe() {
    ::close(read_);
    if (write_ >= 0) ::close(write_);
  }
  int write_end() const { return write_; }
  void shrink() { ::fcntl(write_, F_SETPIPE_SZ, 4096); }
  // Reads until `needle` has arrived or `timeout` passes; returns all read so far.
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout) {
    return read_until_true([needle](const std::string& got) { return got.find(needle) != std::string::npos; },
                           timeout);
  }
  // Reads until `done(everything read so far)` or `timeout` passes; returns all read so far.
  template <typename Done>
  std::string read_until_true(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{read_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::read(read_, chunk, sizeof chunk);
      if (n <= 0) break;
      received_.append(chunk, static_cast<std::size_t>(n));
    }
    return received_;
  }

 private:
  int read_ = -1;
  int write_ = -1;
  std::string received_;
};

std::string line(int i) { return "line " + std::to_string(i) + "\n"; }

// The dropped lines the output reports, added up over every report in it: the number after each
// `marker` (e.g. "lines=" or "\"lines\":\"").
std::uint64_t reported_drops(const std::string& out, std::string_view report, std::string_view marker) {
  std::uint64_t total = 0;
  for (std::size_t at = out.find(report); at != std::string::npos; at = out.find(report, at + 1)) {
    const std::size_t end = out.find('\n', at);
    if (end == std::string::npos) break;  // not whole yet
    const std::size_t number = out.find(marker, at);
    if (number == std::string::npos || number > end) continue;
    total += std::stoull(out.substr(number + marker.size()));
  }
  return total;
}

TEST(LogWriterTest, WritesEveryLineInOrderByTheTimeItIsDestroyed) {
  Pipe pipe;
  {
    LogWriter writer({.fd = pipe.write_end(), .interval = std::chrono::hours(1)});
    for (int i = 0; i < 100; ++i) writer.append(line(i), LogWriter::Kind::droppable, false);
  }
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += line(i);
  EXPECT_EQ(pipe.read_until(line(99), std::chrono::seconds(10)), expected);
}

TEST(LogWriterTest, AnUrgentLineIsWrittenWithoutWaitingForTheInterval) {
  Pipe pipe;
  LogWriter writer({.fd = pipe.write_end(), .interval = std::chrono::hours(1)});
  writer.append("quiet\n", LogWriter::Kind::droppable, false);
  writer.append("urgent\n", LogWriter::Kind::lossless, true);
  EXPECT_EQ(pipe.read_until("urgent\n", std::chrono::seconds(10)), "quiet\nurgent\n");
}

TEST(LogWriterTest, AHalfFullBufferIsWrittenWithoutWaitingForTheInterval) {
  // Lines coming faster than one interval's worth fits are written out, not dropped, as long as
  // the output keeps up. Five lines of 100 bytes fill exactly half of the buffer: the fifth must
  // wake the writer. (A sixth could land after the writer took the first five, and would then
  // rightly wait for the interval.)
  Pipe pipe;
  LogWriter writer({.fd = pipe.write_end(), .max_bytes = 1000, .interval = std::chrono::hours(1)});
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    const std::string l = std::string(99, static_cast<char>('a' + i)) + "\n";
    writer.append(l, LogWriter::Kind::droppable, false);
    expected += l;
  }
  EXPECT_EQ(pipe.read_until(expected, std::chrono::seconds(10)), expected);
  EXPECT_EQ(writer.dropped(), 0u);
}

TEST(LogWriterTest, ALosslessLineWaitingForRoomWakesTheWriter) {
  Pipe pipe;
  // A droppable line under half the buffer (so not written out yet), then a lossless one that
  // does not fit beside it.
  LogWriter writer({.fd = pipe.write_end(), .max_bytes = 300, .interval = std::chrono::seconds(30)});
  const std::string waiting = std::string(139, 'w') + "\n";
  const std::string audit = std::string(199, 'a') + "\n";
  writer.append(waiting, LogWriter::Kind::droppable, false);
  std::thread producer([&] { writer.append(audit, LogWriter::Kind::lossless, false); });
  // Without the wake-up the writer sleeps out its 30 s interval while the line waits.
  const std::string out = pipe.read_until(waiting + audit, std::chrono::seconds(10));
  producer.join();
  EXPECT_EQ(out, waiting + audit);
}

TEST(LogWriterTest, DroppableLinesAreDroppedAndCountedWhileTheOutputIsBlocked) {
  Pipe pipe;
  pipe.shrink();
  LogWriter writer({.fd = pipe.write_end(), .max_bytes = 1024, .interval = std::chrono::milliseconds(1)});
  // Nobody reads: the pipe fills, then the buffer; appending never blocks.
  for (int i = 0; i < 20000; ++i) writer.append(std::string(99, 'x') + "\n", LogWriter::Kind::droppable, false);
  // The buffer holds 10 of these lines and the pipe 41: most of 20000 are dropped.
  const std::uint64_t dropped = writer.dropped();
  EXPECT_GT(dropped, 19000u);
  // Every drop is reported once the output drains, perhaps over several lines, and no more.
  const auto reported = [](const std::string& out) { return reported_drops(out, "event=log.dropped", "lines="); };
  const std::string out =
      pipe.read_until_true([&](const std::string& got) { return reported(got) >= dropped; }, std::chrono::seconds(10));
  EXPECT_EQ(reported(out), dropped) << out.substr(out.find("event=log.dropped"), 200);
  EXPECT_EQ(writer.dropped(), dropped) << "nothing appended since";
}

// The count line is the loggers' own format: under --log-format json a JSON object like any other.
TEST(LogWriterTest, TheDroppedCountIsAJsonLineUnderTheJsonFormat) {
  Pipe pipe;
  pipe.shrink();
  std::string out;
  {
    Loggers loggers("info", LogFormat::json,
                    {.fd = pipe.write_end(), .max_bytes = 1024, .interval = std::chrono::milliseconds(1)});
    for (int i = 0; i < 20000; ++i) loggers.access()->info("event=http.request request_id=r{} status=200", i);
    const std::uint64_t dropped = loggers.dropped();
    EXPECT_GT(dropped, 0u);
    const auto reported = [](const std::string& got) {
      return reported_drops(got, "\"event\":\"log.dropped\"", "\"lines\":\"");
    };
    out = pipe.read_until_true([&](const std::string& got) { return reported(got) >= dropped; },
                               std::chrono::seconds(10));
    EXPECT_EQ(reported(out), dropped) << "every dropped line is reported, once";
  }
  const std::size_t at = out.find("\"event\":\"log.dropped\"");
  ASSERT_NE(at, std::string::npos) << out.substr(0, 2000);
  const std::size_t begin = out.rfind('\n', at) + 1;  // npos + 1 == 0: the first line
  const std::string line = out.substr(begin, out.find('\n', at) - begin);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  EXPECT_EQ(v.at("level"), "warning");
  EXPECT_EQ(v.at("logger"), "log");
  EXPECT_EQ(v.at("reason"), "output blocked, buffer full");
  EXPECT_GT(std::stoull(std::string(v.at("lines").as_string())), 0u);
}

TEST(LogWriterTest, LosslessLinesWaitForRoomInsteadOfBeingDropped) {
  Pipe pipe;
  pipe.shrink();
  LogWriter writer({.fd = pipe.write_end(), .max_bytes = 256, .interval = std::chrono::milliseconds(1)});
  std::thread producer([&] {
    for (int i = 0; i < 500; ++i) writer.append("audit " + std::to_string(i) + "\n", LogWriter::Kind::lossless, true);
  });
  const std::string out = pipe.read_until("audit 499\n", std::chrono::seconds(30));
  producer.join();
  EXPECT_EQ(writer.dropped(), 0u);
  std::string expected;
  for (int i = 0; i < 500; ++i) expected += "audit " + std::to_string(i) + "\n";
  EXPECT_EQ(out, expected) << "every line, whole and in order";
}

}  // namespace
}  // namespace vestibule::app
