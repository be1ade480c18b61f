// The one registry table: every detector, its config table name and its factory. Policy
// violations have no detector here: watch's policy monitor finds them and reports them
// through Engine::report; their settings live under [detect.policy].
#include "detect/detectors.h"
#include "detect/engine.h"

namespace sekisho::detect {

namespace {
constexpr DetectorEntry kRegistry[] = {
    {"outbound_scan", "a LAN device scanning the Internet (Mirai and its variants)", make_outbound_scan},
    {"outbound_flood", "SYN/ACK/UDP/GRE/DNS/HTTP floods from a LAN device, against its own baseline",
     make_outbound_flood},
    {"inbound_bruteforce", "telnet/SSH/HTTP/FTP login brute force against a LAN device", make_inbound_bruteforce},
    {"inbound_portscan", "port scans and sweeps of LAN devices", make_inbound_portscan},
    {"inbound_flood", "floods towards a LAN device (SYN, SYN-ACK reflection, UDP, ICMP, ACK)", make_inbound_flood},
    {"new_device", "a device joined the network (once per device; private MACs do not re-alert)", make_new_device},
    {"idle_device", "a device silent for days: switch off what you no longer use", make_idle_device},
    {"cleartext_credentials", "logins sent in clear: telnet, FTP, HTTP Basic, MQTT", make_cleartext_credentials},
    {"blocklist", "a device talking to an address on the operator's block list", make_blocklist},
};
}  // namespace

std::span<const DetectorEntry> registry() { return kRegistry; }

}  // namespace sekisho::detect
