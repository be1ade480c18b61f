#pragma once
// `sekisho watch`: argument parsing and the run loop. Exit codes: 0 ok, 2 usage, 3 runtime.

namespace sekisho::watch {

int watch_main(int argc, char** argv);  // argv[0] is "watch"
void print_watch_help();

}  // namespace sekisho::watch
