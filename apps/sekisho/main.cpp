// sekisho: one binary, one subcommand per capability. Wiring only.
#include <cstdio>
#include <cstring>

#include "audit/audit_command.h"
#include "enforce/enforce_command.h"
#include "policy/mud_command.h"
#include "scan/scan_command.h"
#include "scan/vulns_command.h"
#include "watch/learn_command.h"
#include "watch/watch_command.h"

namespace {
void print_help() {
  std::printf(
      "sekisho - IoT security gateway toolkit\n"
      "\n"
      "Usage: sekisho COMMAND [options]\n"
      "\n"
      "Commands:\n"
      "  watch     passive monitor: device inventory, flows and events from a capture or a\n"
      "            live interface\n"
      "  mud       RFC 8520 MUD files: validate, learn from traffic\n"
      "  enforce   compile device policies into nftables and apply them (or --dry-run)\n"
      "  scan      risk survey of devices you are authorised to test: services, default\n"
      "            passwords, unauthenticated admin, known-vulnerable versions\n"
      "  vulns     the offline vulnerability data: import NVD feeds, check a version\n"
      "  audit     conformance of a device against the guidelines, the terminal equipment\n"
      "            rules, ETSI EN 303 645 and more, with the evidence behind each verdict\n"
      "  help      this text; 'sekisho COMMAND --help' for a command\n"
      "  version   print the version\n"
      "\n"
      "Example: sekisho watch -r capture.pcap\n");
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help();
    return 2;
  }
  const char* cmd = argv[1];
  if (std::strcmp(cmd, "watch") == 0) return sekisho::watch::watch_main(argc - 1, argv + 1);
  if (std::strcmp(cmd, "mud") == 0 && argc > 2 && std::strcmp(argv[2], "learn") == 0)
    return sekisho::watch::mud_learn_main(argc - 2, argv + 2);
  if (std::strcmp(cmd, "mud") == 0) return sekisho::policy::mud_main(argc - 1, argv + 1);
  if (std::strcmp(cmd, "scan") == 0) return sekisho::scan::scan_main(argc - 1, argv + 1);
  if (std::strcmp(cmd, "vulns") == 0) return sekisho::scan::vulns_main(argc - 1, argv + 1);
  if (std::strcmp(cmd, "audit") == 0) return sekisho::audit::audit_main(argc - 1, argv + 1);
  if (std::strcmp(cmd, "enforce") == 0) return sekisho::enforce::enforce_main(argc - 1, argv + 1);
  if (std::strcmp(cmd, "help") == 0 || std::strcmp(cmd, "--help") == 0 || std::strcmp(cmd, "-h") == 0) {
    print_help();
    return 0;
  }
  if (std::strcmp(cmd, "version") == 0 || std::strcmp(cmd, "--version") == 0) {
    std::printf("sekisho %s\n", SEKISHO_VERSION);
    return 0;
  }
  std::fprintf(stderr, "sekisho: unknown command '%s'\nTry 'sekisho help'.\n", cmd);
  return 2;
}
