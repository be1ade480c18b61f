#pragma once
// `sekisho mud learn -r FILE... [--device MAC] -o DIR`
namespace sekisho::watch {
int mud_learn_main(int argc, char** argv);
}  // namespace sekisho::watch
