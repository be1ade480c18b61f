#pragma once
// Packet time. Everything downstream of capture uses the packets' own timestamps, so a
// replay is deterministic.
#include <cstdint>
#include <string>

namespace sekisho::core {

using TimeNs = int64_t;  // nanoseconds since the Unix epoch
constexpr TimeNs kNsPerSec = 1'000'000'000;

// EVE style: 2017-01-02T03:04:05.123456+0000 (UTC). Writes 31 chars into out.
void format_eve_time(TimeNs t, char* out);
std::string eve_time(TimeNs t);
// RFC 3339 with microseconds and Z, for JSON documents: 2017-01-02T03:04:05.123456Z
std::string iso_time(TimeNs t);
// The same into out: 27 chars, no terminator.
void format_iso_time(TimeNs t, char* out);

}  // namespace sekisho::core
