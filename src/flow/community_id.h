#pragma once
// Community ID flow hashing, version 1 (corelight/community-id-spec): the same flow gets
// the same ID in sekisho, Suricata and Zeek logs.
#include <cstdint>
#include <string>

#include "core/net.h"

namespace sekisho::flow {

// For ICMP/ICMPv6 pass the type as src_port and the code as dst_port.
std::string community_id_v1(const core::IpAddr& src, const core::IpAddr& dst, uint16_t src_port,
                            uint16_t dst_port, uint8_t proto, uint16_t seed = 0);

}  // namespace sekisho::flow
