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
