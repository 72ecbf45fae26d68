// UTC calendar fields of a time point, and its RFC 3339 form with milliseconds
// ("2026-12-02T21:39:09.801Z"), as every response body and log line writes them. Computed from
// std::chrono's civil calendar, not gmtime_r: no time zone lock and no formatting pass, since
// `GET /v1/users/me` writes two of them on every call. Pure functions.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace vestibule::util {

struct UtcTime {
  int year = 1970;
  unsigned month = 1;    // 1..12
  unsigned day = 1;      // 1..31
  unsigned weekday = 4;  // 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday)
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  unsigned millis = 0;  // 0..999
};

// Before the epoch too: the millisecond -1 is 1969-12-31T23:59:59.999.
UtcTime utc_time(std::chrono::sys_time<std::chrono::milliseconds> t);

// Always 24 characters for the years 0 to 9999; other years are written with as many digits as
// they need (a minus sign before years below 0), still zero-padded to four.
std::string rfc3339_millis(std::chrono::sys_time<std::chrono::milliseconds> t);
// The same text written at `out`, which has room for kMaxRfc3339Chars; returns its end.
inline constexpr std::size_t kMaxRfc3339Chars = 32;
char* write_rfc3339_millis(char* out, std::chrono::sys_time<std::chrono::milliseconds> t);
// A finer time point (the system clock's own) is cut to its millisecond first.
template <class Duration>
std::string rfc3339_millis(std::chrono::sys_time<Duration> t) {
  return rfc3339_millis(std::chrono::floor<std::chrono::milliseconds>(t));
}

}  // namespace vestibule::util
