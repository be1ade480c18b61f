#include "core/time.h"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace sekisho::core {

namespace {
// Civil date from days since epoch (Howard Hinnant's algorithm): no locale, no libc tz.
void civil(int64_t days, int& y, unsigned& m, unsigned& d) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(int64_t(yoe) + era * 400 + (m <= 2));
}

void put(char* p, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = char('0' + v % 10);
    v /= 10;
  }
}

void format_base(TimeNs t, char* out) {
  int64_t secs = t >= 0 ? t / kNsPerSec : (t - kNsPerSec + 1) / kNsPerSec;
  int64_t ns = t - secs * kNsPerSec;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t sod = secs - days * 86400;
  int y;
  unsigned m, d;
  civil(days, y, m, d);
  if (y < 0 || y > 9999) y = 0;
  put(out, unsigned(y), 4);
  out[4] = '-';
  put(out + 5, m, 2);
  out[7] = '-';
  put(out + 8, d, 2);
  out[10] = 'T';
  put(out + 11, unsigned(sod / 3600), 2);
  out[13] = ':';
  put(out + 14, unsigned(sod / 60 % 60), 2);
  out[16] = ':';
  put(out + 17, unsigned(sod % 60), 2);
  out[19] = '.';
  put(out + 20, unsigned(ns / 1000), 6);
}
}  // namespace

void format_eve_time(TimeNs t, char* out) {
  format_base(t, out);
  out[26] = '+';
  out[27] = '0';
  out[28] = '0';
  out[29] = '0';
  out[30] = '0';
}

void EveTimeFormatter::format(TimeNs t, char* out) {
  static_assert(kSlots == 2, "victim_ is the other slot than the last one used");
  int64_t secs = t >= 0 ? t / kNsPerSec : (t - kNsPerSec + 1) / kNsPerSec;
  for (uint8_t i = 0; i < kSlots; ++i) {
    if (slots_[i].sec == secs) {
      std::memcpy(out, slots_[i].head, sizeof slots_[i].head);
      put(out + 20, unsigned((t - secs * kNsPerSec) / 1000), 6);
      std::memcpy(out + 26, "+0000", 5);  // NOLINT(bugprone-not-null-terminated-result): fixed width
      victim_ = uint8_t(1 - i);
      return;
    }
  }
  format_eve_time(t, out);
  Slot& s = slots_[victim_];
  std::memcpy(s.head, out, sizeof s.head);
  s.sec = secs;
  victim_ = uint8_t(1 - victim_);
}

std::string eve_time(TimeNs t) {
  std::string s(31, '\0');
  format_eve_time(t, s.data());
  return s;
}

void format_iso_time(TimeNs t, char* out) {
  format_base(t, out);
  out[26] = 'Z';
}

std::string iso_time(TimeNs t) {
  std::string s(27, '\0');
  format_iso_time(t, s.data());
  return s;
}

TimeNs wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return TimeNs(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

bool is_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const int m = (s[5] - '0') * 10 + (s[6] - '0');
  const int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace sekisho::core
