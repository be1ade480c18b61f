#include "core/thread.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

using namespace sekisho::core;

namespace {
int own_nice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}
}  // namespace

// The helper thread's priority drops; the caller's (the packet thread's) stays.
TEST(Thread, LowerPriorityOnlyForTheCallingThread) {
  const int main_before = own_nice();
  int helper_before = 0, helper_after = 0;
  std::thread t([&] {
    helper_before = own_nice();
    lower_thread_priority(kHelperNice);
    helper_after = own_nice();
  });
  t.join();
  EXPECT_EQ(helper_after, std::min(helper_before + kHelperNice, 19));
  EXPECT_EQ(own_nice(), main_before);
}

TEST(Thread, NoStepsNoChange) {
  int before = 0, after = 0;
  std::thread t([&] {
    before = own_nice();
    lower_thread_priority(0);
    lower_thread_priority(-5);  // never raises
    after = own_nice();
  });
  t.join();
  EXPECT_EQ(before, after);
}
