#pragma once
// Port specifications in nmap's syntax: what `--ports` accepts and the IoT default set.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sekisho::scan {

enum class Proto : uint8_t { kTcp, kUdp };
const char* proto_name(Proto p);  // "tcp" / "udp"

// Ports to probe per transport, each list sorted ascending without duplicates.
struct PortList {
  std::vector<uint16_t> tcp, udp;

  size_t size() const { return tcp.size() + udp.size(); }
  bool empty() const { return tcp.empty() && udp.empty(); }
  const std::vector<uint16_t>& of(Proto p) const { return p == Proto::kTcp ? tcp : udp; }
  // The compact nmap form, runs folded: "T:21-23,80,U:161". Parses back to the same list.
  std::string to_string() const;
};

// nmap syntax: comma-separated items, each a port ("22"), a range ("8000-8100"), an open range
// ("-1024" from 1, "60000-" to 65535, "-" all). "T:" and "U:" switch the protocol for the items
// that follow until the next switch; items before any switch are TCP. Port 0 is never valid.
// Errors (ErrorCode::kInvalidArgument, where "--ports") quote the offending item.
core::Result<PortList> parse_ports(std::string_view spec);

// The IoT set the survey probes when --ports is not given.
// TCP 21,22,23,80,81,443,554,1883,2323,5000,7547,8000,8080,8081,8443,8883,37215,49152,52869;
// UDP 161,1900,5683.
PortList default_iot_ports();

}  // namespace sekisho::scan
