#include "core/time.h"

#include <gtest/gtest.h>

using namespace sekisho::core;

TEST(Time, EveFormat) {
  // 2016-03-21T12:34:56.789012 UTC
  TimeNs t = 1458563696LL * kNsPerSec + 789012345;
  EXPECT_EQ(eve_time(t), "2016-03-21T12:34:56.789012+0000");
  EXPECT_EQ(iso_time(t), "2016-03-21T12:34:56.789012Z");
  EXPECT_EQ(eve_time(0), "1970-01-01T00:00:00.000000+0000");
}

TEST(Time, LeapDayAndYearEnd) {
  EXPECT_EQ(iso_time(951782400LL * kNsPerSec), "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(iso_time(1703980799LL * kNsPerSec), "2023-12-30T23:59:59.000000Z");
}

TEST(Time, CachingFormatterMatchesFormatEveTime) {
  EveTimeFormatter f;
  const TimeNs base = 1458563696LL * kNsPerSec;
  const TimeNs times[] = {base,
                          base + 1,
                          base + 999'999'999,
                          base + kNsPerSec,
                          base - 5 * kNsPerSec + 3,
                          base + 7,
                          base + 86400 * kNsPerSec,
                          base + 2 * kNsPerSec,
                          base + 5,
                          -1,
                          -kNsPerSec,
                          0,
                          1,
                          base};
  for (int round = 0; round < 3; ++round) {
    for (TimeNs t : times) {
      char want[31], got[31];
      format_eve_time(t, want);
      f.format(t, got);
      EXPECT_EQ(std::string(got, 31), std::string(want, 31)) << t;
    }
  }
}
