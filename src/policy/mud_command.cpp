#include "policy/mud_command.h"

#include <cstdio>

namespace sekisho::policy {
int mud_main(int /*argc*/, char** /*argv*/) {
  std::fprintf(stderr, "sekisho mud: not built yet\n");
  return 2;
}
}  // namespace sekisho::policy
