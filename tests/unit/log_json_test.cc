// The two log formats: logfmt values written by util::logfmt_value read back by the JSON form
// unchanged, JSON lines valid whatever the bytes, and both formats through real Loggers.
#include "app/log_json.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "app/logging.h"
#include "util/logfmt.h"

namespace vestibule::app {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::chrono::system_clock::time_point kNoon{std::chrono::seconds(1764676800) + 7ms};  // 2025-12-02T12:00:00.007Z

const std::vector<std::string> kTricky = {
    "",
    "plain",
    "two words",
    "say \"hi\"",
    R"(back\slash)",
    "line\nbreak\r\n",
    "tab\there",
    std::string("nul\0byte", 8),
    "\x01\x1f\x7f",
    "key=value",
    "a=b c=d",
    "\"",
    "\\",
    "trailing\\",
    "caf\xc3\xa9 \xe2\x82\xac",  // valid UTF-8 (café €)
    "\xff\xfe broken \xc3",       // not UTF-8
};

json::object parsed(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  EXPECT_FALSE(ec) << "not JSON: " << line;
  EXPECT_TRUE(v.is_object()) << line;
  return v.is_object() ? v.as_object() : json::object{};
}

TEST(LogfmtValueTest, PlainTokensStayBareEverythingElseIsQuoted) {
  EXPECT_EQ(util::logfmt_value("abc-123_x.y:z/1"), "abc-123_x.y:z/1");
  EXPECT_EQ(util::logfmt_value(""), R"("")");
  EXPECT_EQ(util::logfmt_value("two words"), R"("two words")");
  EXPECT_EQ(util::logfmt_value("a=b"), R"("a=b")");
  EXPECT_EQ(util::logfmt_value("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(util::logfmt_value(R"(a\b)"), R"("a\\b")");
  EXPECT_EQ(util::logfmt_value("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(util::logfmt_value(std::string("\0\x1b\x7f", 3)), R"("\x00\x1b\x7f")");
  EXPECT_EQ(util::logfmt_value("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(LogfmtValueTest, AQuotedValueNeverSpansTwoLines) {
  for (const std::string& v : kTricky) {
    EXPECT_EQ(util::logfmt_value(v).find('\n'), std::string::npos) << v;
  }
}

TEST(ParseLogfmtTest, ReadsBackEveryValueLogfmtValueWrote) {
  for (const std::string& v : kTricky) {
    const std::string message = "event=test.value v=" + util::logfmt_value(v) + " after=1";
    const LogfmtMessage m = parse_logfmt(message);
    ASSERT_EQ(m.fields.size(), 3u) << message;
    EXPECT_EQ(m.fields[0].first, "event");
    EXPECT_EQ(m.fields[0].second, "test.value");
    EXPECT_EQ(m.fields[1].first, "v");
    EXPECT_EQ(m.fields[1].second, v) << message;
    EXPECT_EQ(m.fields[2].second, "1");
    EXPECT_EQ(m.text, "");
  }
}

TEST(ParseLogfmtTest, FreeTextAfterThePairsIsTheText) {
  const LogfmtMessage m = parse_logfmt("request_id=abc unhandled exception: x=1");
  ASSERT_EQ(m.fields.size(), 1u);
  EXPECT_EQ(m.fields[0].first, "request_id");
  EXPECT_EQ(m.fields[0].second, "abc");
  EXPECT_EQ(m.text, "unhandled exception: x=1");
  EXPECT_EQ(parse_logfmt("redis: connected to h:1").text, "redis: connected to h:1");
  EXPECT_EQ(parse_logfmt("a=\"unterminated").text, "a=\"unterminated");
  EXPECT_EQ(parse_logfmt("a=\"x\"y z").text, "a=\"x\"y z");
}

TEST(ParseLogfmtTest, AnEmptyBareValueIsAnEmptyString) {
  const LogfmtMessage m = parse_logfmt("event=e a= b=2");
  ASSERT_EQ(m.fields.size(), 3u);
  EXPECT_EQ(m.fields[1].first, "a");
  EXPECT_EQ(m.fields[1].second, "");
  EXPECT_EQ(m.fields[2].second, "2");
}

TEST(ValidUtf8Test, ReplacesWhatIsNotUtf8AndKeepsWhatIs) {
  EXPECT_EQ(valid_utf8("caf\xc3\xa9 \xf0\x9f\x94\x91"), "caf\xc3\xa9 \xf0\x9f\x94\x91");
  EXPECT_EQ(valid_utf8("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(valid_utf8("\xc3"), "\xef\xbf\xbd");                          // truncated
  EXPECT_EQ(valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");          // overlong '/'
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
}

TEST(JsonLineTest, TimeLevelLoggerAndEventComeFirstThenTheFields) {
  const std::string line = json_line(kNoon, "info", "audit", "event=login.succeeded request_id=r-1 account_id=42");
  EXPECT_EQ(line,
            R"({"ts":"2025-12-02T12:00:00.007Z","level":"info","logger":"audit","event":"login.succeeded",)"
            R"("request_id":"r-1","account_id":"42"})"
            "\n");
}

TEST(JsonLineTest, EveryTrickyValueIsValidJsonAndReadsBack) {
  for (const std::string& v : kTricky) {
    const std::string line = json_line(kNoon, "warning", "vestibule", "event=test.value v=" + util::logfmt_value(v));
    const json::object o = parsed(line);
    ASSERT_TRUE(o.contains("v")) << line;
    EXPECT_EQ(std::string(o.at("v").as_string()), valid_utf8(v)) << line;
    EXPECT_EQ(o.at("event"), "test.value");
    EXPECT_EQ(line.find('\n'), line.size() - 1);
  }
}

TEST(JsonLineTest, RawBytesInAMessageStillMakeValidJson) {
  // Whatever a call site wrote unquoted: a newline, quotes, a NUL, bytes that are not UTF-8.
  const std::string message = std::string("oops \"x\"\n\\ \0 \xff\xc3(", 17);
  const json::object o = parsed(json_line(kNoon, "error", "vestibule", message));
  EXPECT_EQ(o.at("event"), "log.text");
  EXPECT_EQ(std::string(o.at("msg").as_string()), valid_utf8(message));
}

TEST(JsonLineTest, FreeTextIsMsgAndALineWithoutAnEventGetsOne) {
  const json::object o = parsed(json_line(kNoon, "error", "http", "request_id=abc boom: it broke"));
  EXPECT_EQ(o.at("event"), "log.text");
  EXPECT_EQ(o.at("request_id"), "abc");
  EXPECT_EQ(o.at("msg"), "boom: it broke");
}

TEST(JsonLineTest, AFieldCannotOverrideTheLinesOwn) {
  const json::object o = parsed(json_line(kNoon, "info", "audit", "event=e ts=forged level=forged logger=forged"));
  EXPECT_EQ(o.at("ts"), "2025-12-02T12:00:00.007Z");
  EXPECT_EQ(o.at("level"), "info");
  EXPECT_EQ(o.at("logger"), "audit");
  EXPECT_EQ(o.size(), 4u);
}

// Everything the loggers wrote to a pipe, once they are gone (the destructor writes it all).
std::string logged(LogFormat format, const std::function<void(Loggers&)>& write) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  {
    Loggers loggers("info", format, LogWriterOptions{.fd = fds[1]});
    write(loggers);
  }
  ::close(fds[1]);
  std::string out;
  char chunk[4096];
  for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) > 0;) out.append(chunk, static_cast<std::size_t>(n));
  ::close(fds[0]);
  return out;
}

TEST(LoggersTest, TextLinesAreLogfmtWithAUtcTimestamp) {
  const std::string out = logged(LogFormat::text, [](Loggers& l) { l.audit()->info("event=account.deleted account_id=7"); });
  EXPECT_TRUE(std::regex_match(
      out, std::regex(R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info logger=audit event=account\.deleted account_id=7\n)")))
      << out;
}

TEST(LoggersTest, JsonLinesAreOneObjectEach) {
  const std::string out = logged(LogFormat::json, [](Loggers& l) {
    l.server()->warn("event=store.open_failed reason={}", util::logfmt_value("no \"such\" file\n"));
    l.access()->info("event=http.request request_id=r1 status=200");
  });
  const std::size_t first_end = out.find('\n');
  ASSERT_NE(first_end, std::string::npos) << out;
  const json::object server = parsed(out.substr(0, first_end + 1));
  EXPECT_EQ(server.at("level"), "warning");
  EXPECT_EQ(server.at("logger"), "vestibule");
  EXPECT_EQ(server.at("event"), "store.open_failed");
  EXPECT_EQ(server.at("reason"), "no \"such\" file\n");
  EXPECT_TRUE(std::regex_match(std::string(server.at("ts").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  const json::object access = parsed(out.substr(first_end + 1));
  EXPECT_EQ(access.at("logger"), "http");
  EXPECT_EQ(access.at("event"), "http.request");
  EXPECT_EQ(access.at("status"), "200");
}

}  // namespace
}  // namespace vestibule::app
