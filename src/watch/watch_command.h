#pragma once
// `sekisho watch`: argument parsing and the run loop. Exit codes: 0 ok, 2 usage, 3 runtime.

#include <string>

namespace sekisho::watch {

// Exit codes of the watch-side commands (watch, mud learn).
inline constexpr int kExitOk = 0, kExitUsage = 2, kExitRuntime = 3;

int watch_main(int argc, char** argv);  // argv[0] is "watch"
void print_watch_help();
// The device class rules watch uses by default ($SEKISHO_DATA_DIR or the build's data dir).
std::string default_classes_path();

}  // namespace sekisho::watch
