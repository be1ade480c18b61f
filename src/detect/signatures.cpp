#include "detect/signatures.h"

#include <algorithm>

namespace sekisho::detect {

namespace {

using S = Severity;

// Sorted by id (find_signature searches it).
constexpr SignatureInfo kTable[] = {
    {sig::kMiraiTelnetScan, "outbound_scan", "IoT outbound telnet scan (Mirai-like)", "Infected device", S::kHigh,
     "K09,K21"},
    {sig::kMiraiVariantScan, "outbound_scan", "IoT outbound scan (Mirai variant)", "Infected device", S::kHigh,
     "K09,K21"},
    {sig::kOutboundScan, "outbound_scan", "IoT outbound scan of many addresses", "Infected device", S::kHigh,
     "K09,K21"},
    {sig::kOutSynFlood, "outbound_flood", "IoT outbound SYN flood", "Denial of service from device", S::kHigh, "K09"},
    {sig::kOutAckFlood, "outbound_flood", "IoT outbound ACK flood", "Denial of service from device", S::kHigh, "K09"},
    {sig::kOutUdpFlood, "outbound_flood", "IoT outbound UDP flood", "Denial of service from device", S::kHigh, "K09"},
    {sig::kOutGreFlood, "outbound_flood", "IoT outbound GRE flood", "Denial of service from device", S::kHigh, "K09"},
    {sig::kOutDnsWaterTorture, "outbound_flood", "IoT outbound DNS water torture", "Denial of service from device",
     S::kHigh, "K09"},
    {sig::kOutHttpFlood, "outbound_flood", "IoT outbound HTTP flood", "Denial of service from device", S::kHigh, "K09"},
    {sig::kInTelnetBruteForce, "inbound_bruteforce", "Telnet login brute force against a device", "Attempted login",
     S::kHigh, "K15,K16,K21"},
    {sig::kInSshBruteForce, "inbound_bruteforce", "SSH login brute force against a device", "Attempted login", S::kHigh,
     "K15,K16,K21"},
    {sig::kInHttpBruteForce, "inbound_bruteforce", "HTTP login brute force against a device", "Attempted login",
     S::kHigh, "K15,K16,K21"},
    {sig::kInFtpBruteForce, "inbound_bruteforce", "FTP login brute force against a device", "Attempted login", S::kHigh,
     "K15,K16,K21"},
    {sig::kInPortScan, "inbound_portscan", "Port scan of a device", "Reconnaissance", S::kMedium, "K14,K21"},
    {sig::kInHostSweep, "inbound_portscan", "Sweep of the LAN on one port", "Reconnaissance", S::kMedium, "K14,K21"},
    {sig::kInSynFlood, "inbound_flood", "SYN flood against a device", "Denial of service to device", S::kHigh,
     "K14,K21"},
    {sig::kInSynAckReflection, "inbound_flood", "SYN-ACK reflection flood against a device",
     "Denial of service to device", S::kHigh, "K14,K21"},
    {sig::kInUdpFlood, "inbound_flood", "UDP flood against a device", "Denial of service to device", S::kHigh,
     "K14,K21"},
    {sig::kInIcmpFlood, "inbound_flood", "ICMP flood against a device", "Denial of service to device", S::kHigh,
     "K14,K21"},
    {sig::kInAckFlood, "inbound_flood", "ACK flood against a device", "Denial of service to device", S::kHigh,
     "K14,K21"},
    {sig::kPolicyViolation, "policy", "Device traffic outside its MUD profile", "Policy violation", S::kMedium,
     "K09,K14"},
    {sig::kNewDevice, "new_device", "New device joined the network", "Household", S::kLow, "K13,K14"},
    {sig::kIdleDevice, "idle_device", "Device idle: switch off what you no longer use", "Household", S::kLow, "K13,U3"},
    {sig::kCleartextTelnet, "cleartext_credentials", "Cleartext telnet login", "Cleartext credentials", S::kMedium,
     "K15,K16,U2"},
    {sig::kCleartextFtp, "cleartext_credentials", "Cleartext FTP login", "Cleartext credentials", S::kMedium,
     "K15,K16,U2"},
    {sig::kCleartextHttpBasic, "cleartext_credentials", "Cleartext HTTP Basic credentials", "Cleartext credentials",
     S::kMedium, "K15,K16,U2"},
    {sig::kCleartextMqtt, "cleartext_credentials", "Cleartext MQTT CONNECT credentials", "Cleartext credentials",
     S::kMedium, "K15,K16,U2"},
    {sig::kBlockListPeer, "blocklist", "Device talking to a block-listed address", "Known bad peer", S::kHigh,
     "K09,K13"},
};

}  // namespace

std::span<const SignatureInfo> signatures() { return kTable; }

const SignatureInfo* find_signature(uint32_t id) {
  auto it = std::lower_bound(std::begin(kTable), std::end(kTable), id,
                             [](const SignatureInfo& s, uint32_t v) { return s.id < v; });
  return it != std::end(kTable) && it->id == id ? &*it : nullptr;
}

}  // namespace sekisho::detect
