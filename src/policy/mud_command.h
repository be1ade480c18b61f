#pragma once
// `sekisho mud validate|learn ...`
namespace sekisho::policy {
int mud_main(int argc, char** argv);
}  // namespace sekisho::policy
