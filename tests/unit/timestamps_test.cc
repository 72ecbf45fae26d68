// util/timestamps.h against the C library's gmtime_r, which it replaces on the hot path.
#include "util/timestamps.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace vestibule::util {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

sys_time<milliseconds> at_ms(std::int64_t ms) { return sys_time<milliseconds>(milliseconds(ms)); }

// What the C library says, written the way the old code wrote it.
std::string reference(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int frac = static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

TEST(TimestampsTest, WritesUtcWithMillisecondsAndZ) {
  EXPECT_EQ(rfc3339_millis(at_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(at_ms(1764676800007)), "2025-12-02T12:00:00.007Z");
  EXPECT_EQ(rfc3339_millis(sys_days(2024y / February / 29) + 23h + 59min + 59s + 999ms), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(rfc3339_millis(sys_days(9999y / December / 31) + 23h + 59min + 59s + 999ms), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339_millis(sys_days(0y / January / 1)), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(sys_days(12y / March / 4)), "0012-03-04T00:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(sys_days(10000y / January / 1)), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(sys_days(-1y / January / 1)), "-0001-01-01T00:00:00.000Z");
}

TEST(TimestampsTest, BeforeTheEpochCountsBack) {
  EXPECT_EQ(rfc3339_millis(at_ms(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339_millis(at_ms(-999)), "1969-12-31T23:59:59.001Z");
  EXPECT_EQ(rfc3339_millis(at_ms(-1000)), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(rfc3339_millis(at_ms(-1001)), "1969-12-31T23:59:58.999Z");
}

TEST(TimestampsTest, AFinerClockIsCutToItsMillisecond) {
  EXPECT_EQ(rfc3339_millis(system_clock::time_point{} + 1999999ns), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(rfc3339_millis(system_clock::time_point{} - 1ns), "1969-12-31T23:59:59.999Z");
}

TEST(TimestampsTest, AgreesWithGmtimeFromYearOneToNineThousand) {
  // A step that is no whole number of seconds, minutes, hours or days, so every field moves.
  constexpr std::int64_t kFirst = -62135596800000;  // 0001-01-01
  constexpr std::int64_t kLast = 253402300799999;   // 9999-12-31T23:59:59.999
  constexpr std::int64_t kStep = 86'400'000LL * 97 + 3'723'457;
  int checked = 0;
  for (std::int64_t ms = kFirst; ms <= kLast; ms += kStep, ++checked) {
    ASSERT_EQ(rfc3339_millis(at_ms(ms)), reference(ms)) << ms;
  }
  EXPECT_GT(checked, 37'000);
}

TEST(TimestampsTest, FieldsAndWeekday) {
  const UtcTime u = utc_time(sys_days(2026y / December / 2) + 21h + 39min + 9s + 801ms);
  EXPECT_EQ(u.year, 2026);
  EXPECT_EQ(u.month, 12u);
  EXPECT_EQ(u.day, 2u);
  EXPECT_EQ(u.weekday, 3u);  // a Wednesday
  EXPECT_EQ(u.hour, 21u);
  EXPECT_EQ(u.minute, 39u);
  EXPECT_EQ(u.second, 9u);
  EXPECT_EQ(u.millis, 801u);
  EXPECT_EQ(utc_time(at_ms(0)).weekday, 4u);   // 1970-01-01, a Thursday
  EXPECT_EQ(utc_time(at_ms(-1)).weekday, 3u);  // and the day before
}

}  // namespace
}  // namespace vestibule::util
