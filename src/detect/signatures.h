#pragma once
// The signature table: one stable id per kind of alert. Ids never change meaning once
// released; scripts and the console key on them. Key points are those of the IoT Security
// Guidelines v1.0 (MIC/METI 2016) the alert relates to.
#include <cstdint>
#include <span>
#include <string_view>

namespace sekisho::detect {

enum class Severity : uint8_t { kHigh = 1, kMedium = 2, kLow = 3 };  // EVE convention: 1 is the most severe

struct SignatureInfo {
  uint32_t id;
  std::string_view detector;  // the registry name of the detector that raises it
  std::string_view name;      // EVE alert.signature
  std::string_view category;  // EVE alert.category
  Severity severity;
  std::string_view key_points;  // guideline key points (K01..K21) and user rules (U1..U4), e.g. "K09,K21"
};

namespace sig {
// Outbound scanning (outbound_scan)
constexpr uint32_t kMiraiTelnetScan = 9400001;   // seq == dst address, ports 23/2323
constexpr uint32_t kMiraiVariantScan = 9400002;  // seq == dst address, other ports (80, 8080, 7547, ...)
constexpr uint32_t kOutboundScan = 9400003;      // SYNs to many distinct addresses
// Outbound attack traffic (outbound_flood)
constexpr uint32_t kOutSynFlood = 9400010;
constexpr uint32_t kOutAckFlood = 9400011;
constexpr uint32_t kOutUdpFlood = 9400012;
constexpr uint32_t kOutGreFlood = 9400013;
constexpr uint32_t kOutDnsWaterTorture = 9400014;
constexpr uint32_t kOutHttpFlood = 9400015;
// Inbound attacks (inbound_bruteforce, inbound_portscan, inbound_flood)
constexpr uint32_t kInTelnetBruteForce = 9400020;
constexpr uint32_t kInSshBruteForce = 9400021;
constexpr uint32_t kInHttpBruteForce = 9400022;
constexpr uint32_t kInFtpBruteForce = 9400023;
constexpr uint32_t kInPortScan = 9400025;   // one source, many ports of one LAN device
constexpr uint32_t kInHostSweep = 9400026;  // one source, one port on many LAN devices
constexpr uint32_t kInSynFlood = 9400030;
constexpr uint32_t kInSynAckReflection = 9400031;
constexpr uint32_t kInUdpFlood = 9400032;
constexpr uint32_t kInIcmpFlood = 9400033;
constexpr uint32_t kInAckFlood = 9400034;
// Policy (policy)
constexpr uint32_t kPolicyViolation = 9400040;
// Household signals
constexpr uint32_t kNewDevice = 9400050;
constexpr uint32_t kIdleDevice = 9400051;
constexpr uint32_t kCleartextTelnet = 9400052;
constexpr uint32_t kCleartextFtp = 9400053;
constexpr uint32_t kCleartextHttpBasic = 9400054;
constexpr uint32_t kCleartextMqtt = 9400055;
constexpr uint32_t kBlockListPeer = 9400056;
}  // namespace sig

std::span<const SignatureInfo> signatures();
// Null if unknown.
const SignatureInfo* find_signature(uint32_t id);

}  // namespace sekisho::detect
