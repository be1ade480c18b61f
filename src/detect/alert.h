#pragma once
// Alert: what a detector reports. The engine adds the device's context, applies the
// response (alert only or quarantine) and writes it as an EVE `alert` event.
#include <cstdint>
#include <string>

#include "core/net.h"
#include "core/time.h"

namespace sekisho::detect {

// Where a packet goes relative to the LAN (the `local_networks` of the config).
enum class Where : uint8_t {
  kOutbound,  // LAN address -> outside
  kInbound,   // outside -> LAN address
  kInternal,  // LAN -> LAN
  kOther,     // neither end local, or not IP
};
const char* where_name(Where w);

struct Alert {
  uint32_t signature_id = 0;  // a row of signatures.h
  core::TimeNs ts = 0;        // capture time of the packet that raised it
  // The LAN device the alert is about: the sender of outbound attacks, the target of
  // inbound ones. `device1` is its inventory id + 1 (0: not in the inventory).
  uint32_t device1 = 0;
  core::MacAddr mac;
  core::IpAddr device_ip;
  Where where = Where::kOther;
  // The packet that raised it (EVE convention: src is the packet's sender).
  core::IpAddr src_ip, dst_ip;
  uint16_t src_port = 0, dst_port = 0;
  uint8_t proto = 0;
  uint64_t flow_id = 0;  // 0: none
  // Replaces the signature's name where the detector knows more ("... on port 7547").
  std::string signature;
  // Members of the `evidence` object, as JSON text without the braces: counters, sample
  // flows. Built with core::JsonWriter by the detector; empty: none.
  std::string evidence;
  // Suppression key within (signature, device): alerts with the same key are merged for
  // the configured interval (e.g. a brute-force source address, a block-listed peer).
  uint64_t subkey = 0;
};

}  // namespace sekisho::detect
