#include "util/timestamps.h"

#include <charconv>
#include <cstdlib>

namespace vestibule::util {
namespace {

char* two_digits(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
  return out + 2;
}

}  // namespace

UtcTime utc_time(std::chrono::sys_time<std::chrono::milliseconds> t) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> clock{t - day};
  return UtcTime{.year = static_cast<int>(ymd.year()),
                 .month = static_cast<unsigned>(ymd.month()),
                 .day = static_cast<unsigned>(ymd.day()),
                 .weekday = weekday{day}.c_encoding(),
                 .hour = static_cast<unsigned>(clock.hours().count()),
                 .minute = static_cast<unsigned>(clock.minutes().count()),
                 .second = static_cast<unsigned>(clock.seconds().count()),
                 .millis = static_cast<unsigned>(clock.subseconds().count())};
}

char* write_rfc3339_millis(char* out, std::chrono::sys_time<std::chrono::milliseconds> t) {
  const UtcTime u = utc_time(t);
  // "-" and at most 5 digits of a year (std::chrono::year ends at 32767), then
  // "-MM-DDTHH:MM:SS.mmmZ": 26 characters at most.
  char* p = out;
  if (u.year < 0) *p++ = '-';
  const unsigned year = static_cast<unsigned>(std::abs(u.year));
  if (year < 1000) *p++ = '0';
  if (year < 100) *p++ = '0';
  if (year < 10) *p++ = '0';
  p = std::to_chars(p, out + 12, year).ptr;
  *p++ = '-';
  p = two_digits(p, u.month);
  *p++ = '-';
  p = two_digits(p, u.day);
  *p++ = 'T';
  p = two_digits(p, u.hour);
  *p++ = ':';
  p = two_digits(p, u.minute);
  *p++ = ':';
  p = two_digits(p, u.second);
  *p++ = '.';
  *p++ = static_cast<char>('0' + u.millis / 100);
  p = two_digits(p, u.millis % 100);
  *p++ = 'Z';
  return p;
}

std::string rfc3339_millis(std::chrono::sys_time<std::chrono::milliseconds> t) {
  char buf[kMaxRfc3339Chars];
  return std::string(buf, write_rfc3339_millis(buf, t));
}

}  // namespace vestibule::util
