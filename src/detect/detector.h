#pragma once
// Detector: one kind of detection (outbound scanning, floods, brute force, household
// signals...). Each lives in its own file with an immutable config read once from the
// TOML config, and keeps bounded per-device state. The Engine (engine.h) owns them, feeds
// them every packet and the clock, and turns their alerts into EVE events and responses.
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/result.h"
#include "decode/packet_view.h"
#include "detect/alert.h"
#include "detect/config.h"
#include "flow/flow.h"
#include "inventory/device_table.h"

namespace sekisho::detect {

// Everything about one packet a detector may need, computed once by the engine.
struct PacketContext {
  const decode::PacketView& pv;
  const flow::Flow* flow = nullptr;  // null for packets outside the flow table (ARP, LLDP...)
  int dir = 0;                       // pv's direction in `flow`: 0 from the initiator
  bool new_flow = false;             // pv is the flow's first packet
  uint32_t src_dev1 = 0;             // inventory id + 1 of the sender's device (0: none)
  uint32_t dst_dev1 = 0;             // inventory id + 1 of the receiver's device (0: none)
  Where where = Where::kOther;
  bool src_local = false, dst_local = false;  // in local_networks
  const inventory::DeviceTable& devices;

  bool is_tcp() const { return pv.has_l4 && pv.ip_proto == decode::ipproto::kTcp; }
  bool is_udp() const { return pv.has_l4 && pv.ip_proto == decode::ipproto::kUdp; }
  // A connection attempt: SYN without ACK.
  bool is_syn() const {
    return is_tcp() && (pv.tcp_flags & (decode::tcp::kSyn | decode::tcp::kAck)) == decode::tcp::kSyn;
  }
  uint64_t flow_id() const { return flow ? flow->flow_id : 0; }
};

// An alert with signature `signature_id` raised on ctx's packet: time, where, addresses,
// ports, protocol and flow filled in; the detector adds the device, evidence and subkey.
inline Alert packet_alert(uint32_t signature_id, const PacketContext& ctx) {
  const decode::PacketView& pv = ctx.pv;
  Alert a;
  a.signature_id = signature_id;
  a.ts = pv.ts;
  a.where = ctx.where;
  a.src_ip = pv.src_ip;
  a.dst_ip = pv.dst_ip;
  a.src_port = pv.src_port;
  a.dst_port = pv.dst_port;
  a.proto = pv.ip_proto;
  a.flow_id = ctx.flow_id();
  return a;
}

// An alert about inventory device `dev` (not tied to a packet): its MAC and first address.
inline Alert device_alert(uint32_t signature_id, const inventory::Device& dev, core::TimeNs ts) {
  Alert a;
  a.signature_id = signature_id;
  a.ts = ts;
  a.device1 = dev.id + 1;
  a.mac = dev.mac;
  for (const auto& addr : dev.addresses)
    if (!addr.ip.is_unspecified()) {
      a.device_ip = addr.ip;
      break;
    }
  return a;
}

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void raise(Alert&& a) = 0;
};

// Which packets a detector looks at (Detector::interests()): the engine calls it only for
// those, through one dispatch list per class.
// kTcpAck is the bulk of TCP: ACK set, no SYN/FIN/RST, no payload (most detectors of
// connections and payloads never need it); kTcp is every other TCP segment.
namespace interest {
constexpr uint32_t kTcp = 1, kUdp = 2, kIcmp = 4, kOtherIp = 8, kNonIp = 16, kTcpAck = 32;
constexpr uint32_t kIp = kTcp | kTcpAck | kUdp | kIcmp | kOtherIp;
constexpr uint32_t kAll = kIp | kNonIp;
}  // namespace interest

class Detector {
 public:
  virtual ~Detector() = default;
  // interest:: bits; asked once, when the engine is built.
  virtual uint32_t interests() const { return interest::kAll; }
  // Every decoded packet, after the flow table and the inventory have seen it. Must not
  // allocate in the common case and must keep its state bounded whatever the input.
  virtual void on_packet(const PacketContext& ctx, AlertSink& out) = 0;
  // Packet time advanced (about once a second of packet time, and when a live capture is
  // idle); for detectors that judge absence (idle devices) or close windows.
  virtual void on_tick(core::TimeNs /*now*/, const inventory::DeviceTable& /*devices*/, AlertSink& /*out*/) {}
  // End of input.
  virtual void on_finish(core::TimeNs /*now*/, const inventory::DeviceTable& /*devices*/, AlertSink& /*out*/) {}
  // Bytes of state held now (for --stats and the bounded-state tests).
  virtual size_t state_bytes() const = 0;
};

// A row of the registry (registry.cpp): the detector's name (its TOML table under
// [detect.NAME]) and how to build it from its config table.
struct DetectorEntry {
  std::string_view name;
  std::string_view summary;
  core::Result<std::unique_ptr<Detector>> (*make)(const ConfigView& cfg);
};

}  // namespace sekisho::detect
