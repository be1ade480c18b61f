#include "enforce/enforce_command.h"

#include <cstdio>

namespace sekisho::enforce {
int enforce_main(int /*argc*/, char** /*argv*/) {
  std::fprintf(stderr, "sekisho enforce: not built yet\n");
  return 2;
}
}  // namespace sekisho::enforce
