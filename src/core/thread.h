#pragma once
// Thread helpers.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sekisho::core {

// Nice levels below the packet thread for the threads that serve it (the event writer, the
// file pager). On two cores the three share the CPUs; at equal priority the packet thread,
// which all the others wait for, lost its core a third of the time when both helpers ran.
// Ten levels below, it keeps its core (watch on the bench capture: 1.94 -> 1.64 s, median of 9 alternating
// runs in a slow phase of a 2-core VM; 5 levels gave 1.77 s). A helper never starves: the
// packet thread waits for the writer when its queue is full.
inline constexpr int kHelperNice = 10;

// Lowers the calling thread's scheduling priority by `steps` nice levels (Linux nice is
// per thread). A failure changes nothing and is not an error.
inline void lower_thread_priority(int steps) {
  if (steps <= 0) return;
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, tid);
  if (errno != 0) return;
  (void)setpriority(PRIO_PROCESS, tid, now + steps);
}

}  // namespace sekisho::core
