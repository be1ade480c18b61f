#pragma once
// `sekisho enforce ...`
namespace sekisho::enforce {
int enforce_main(int argc, char** argv);
}  // namespace sekisho::enforce
