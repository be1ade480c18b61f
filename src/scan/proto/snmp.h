#pragma once
// SNMP v1 (RFC 1157) and v2c (RFC 1901/3416) over BER: a GetRequest for the MIB-II system
// group and the agent's GetResponse. The parser reads the fixed message shape iteratively
// (no recursion), checks every length against its parent and accepts only definite lengths.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sekisho::scan::proto {

inline constexpr int kSnmpV1 = 0, kSnmpV2c = 1;
inline constexpr std::string_view kOidSysDescr = "1.3.6.1.2.1.1.1.0";
inline constexpr std::string_view kOidSysObjectId = "1.3.6.1.2.1.1.2.0";
inline constexpr std::string_view kOidSysName = "1.3.6.1.2.1.1.5.0";
inline constexpr size_t kSnmpMaxString = 512;  // sysDescr/sysName kept

// GetRequest for sysDescr.0, sysObjectID.0 and sysName.0 (all three are mandatory in
// MIB-II; with only_sys_descr just the first, for v1 agents that fail the whole request when
// one object is missing). version: 0 = v1, 1 = v2c. The community is cut at 255 bytes.
std::string snmp_get_request(std::string_view community, int version, int32_t request_id, bool only_sys_descr = false);

// valid: a v1/v2c GetResponse-PDU with request id, error status/index and a variable-binding
// list. Any answer at all means the agent accepted the community (a wrong one gets silence).
// error_status: 0 noError, 2 noSuchName (v1: one of the objects is missing; the strings are then
// empty). Strings have control bytes as spaces and are cut at 512 bytes.
struct SnmpResponse {
  bool valid = false;
  int version = -1;
  std::string community;
  int32_t request_id = 0;
  int error_status = 0;
  std::string sys_descr;
  std::string sys_name;
  std::string sys_object_id;  // dotted, e.g. "1.3.6.1.4.1.8072.3.2.10" (net-snmp on Linux)
};
SnmpResponse parse_snmp_response(std::span<const uint8_t> bytes);

}  // namespace sekisho::scan::proto
