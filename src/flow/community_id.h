#pragma once
// Community ID flow hashing, version 1 (corelight/community-id-spec): the same flow gets
// the same ID in sekisho, Suricata and Zeek logs.
#include <cstdint>
#include <string>

#include "core/net.h"

namespace sekisho::flow {

// For ICMP/ICMPv6 pass the type as src_port and the code as dst_port.
// Writes "1:" + base64(SHA-1) into out (at least 31 bytes), returns the length (30).
size_t community_id_v1_into(const core::IpAddr& src, const core::IpAddr& dst, uint16_t src_port, uint16_t dst_port,
                            uint8_t proto, char* out, uint16_t seed = 0);
std::string community_id_v1(const core::IpAddr& src, const core::IpAddr& dst, uint16_t src_port, uint16_t dst_port,
                            uint8_t proto, uint16_t seed = 0);

}  // namespace sekisho::flow
