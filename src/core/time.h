#pragma once
// Packet time. Everything downstream of capture uses the packets' own timestamps, so a
// replay is deterministic.
#include <cstdint>
#include <string>
#include <string_view>

namespace sekisho::core {

using TimeNs = int64_t;  // nanoseconds since the Unix epoch
constexpr TimeNs kNsPerSec = 1'000'000'000;

// EVE style: 2017-01-02T03:04:05.123456+0000 (UTC). Writes 31 chars into out.
void format_eve_time(TimeNs t, char* out);
std::string eve_time(TimeNs t);
// format_eve_time for a stream of mostly increasing times: the date and time of day are
// formatted once per second and reused (EVE writer: millions of events, a few per second).
// Two seconds are kept, least recently used replaced: a flow event carries both its first
// and its last time.
class EveTimeFormatter {
 public:
  void format(TimeNs t, char* out);

 private:
  static constexpr uint8_t kSlots = 2;
  struct Slot {
    int64_t sec = INT64_MIN;
    char head[20] = {};  // "2017-01-02T03:04:05."
  };
  Slot slots_[kSlots];
  uint8_t victim_ = 0;  // the slot to refill on a miss
};

// RFC 3339 with microseconds and Z, for JSON documents: 2017-01-02T03:04:05.123456Z
std::string iso_time(TimeNs t);
// The same into out: 27 chars, no terminator.
void format_iso_time(TimeNs t, char* out);

// The wall clock now (CLOCK_REALTIME), for what is stamped at run time rather than from packets.
TimeNs wall_now();

// A real calendar date written YYYY-MM-DD (year 1900 or later; leap years counted).
bool is_iso_date(std::string_view s);

}  // namespace sekisho::core
