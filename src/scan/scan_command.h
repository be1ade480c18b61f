#pragma once
// `sekisho scan`: the command line of the risk survey.
namespace sekisho::scan {

// argv[0] is "scan". Exit codes: 0 done, no finding at or above --fail-on; 1 a finding at or
// above --fail-on; 2 usage or scope error (nothing was sent); 3 runtime error; 130 stopped by
// SIGINT (results and a resume file written).
int scan_main(int argc, char** argv);

}  // namespace sekisho::scan
