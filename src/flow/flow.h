#pragma once
// A bidirectional flow: both directions of a 5-tuple (plus VLAN) share one record.
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/net.h"
#include "core/time.h"

namespace sekisho::flow {

// Canonical key: the (address, port) pair that sorts lower is side `lo`, so both
// directions of a conversation map to the same key.
struct FlowKey {
  std::array<uint8_t, 16> lo_ip{};
  std::array<uint8_t, 16> hi_ip{};
  uint16_t lo_port = 0;
  uint16_t hi_port = 0;
  uint16_t vlan = 0;
  uint8_t proto = 0;
  uint8_t family = 0;  // 4 or 6

  bool operator==(const FlowKey&) const = default;
};

// Timeout classes. Each is one LRU list; within a list every flow has the same idle
// timeout, so the list head is always the next to expire. The order is the eviction
// order when the table is full: unanswered first, confirmed two-way TCP last.
enum class FlowClass : uint8_t {
  kTcpHalfOpen,     // TCP with packets from one side only (SYN floods live here)
  kOneWay,          // UDP/ICMP/other, one side only
  kTcpClosed,       // FIN from both sides, or RST
  kTwoWay,          // UDP/ICMP/other, both sides seen
  kTcpEstablished,  // TCP, both sides seen
  kCount
};

enum class EndReason : uint8_t { kTimeout, kEvicted, kShutdown };

constexpr size_t kCommunityIdLen = 30;  // "1:" + base64 of a SHA-1

struct Flow {
  FlowKey key;
  uint64_t flow_id = 0;  // unique in the run, EVE flow_id
  core::TimeNs first_ts = 0;
  core::TimeNs last_ts = 0;
  core::TimeNs queued_ts = 0;  // last_ts when it was put at its list's tail
  uint64_t bytes[2] = {0, 0};  // [0] from the initiator (first packet's sender), [1] back
  uint32_t pkts[2] = {0, 0};
  uint32_t prev = 0, next = 0;  // LRU list links (indices + 1; 0 = none)
  uint32_t device[2] = {0, 0};  // inventory device index + 1 of initiator / responder
  uint8_t initiator_is_lo = 1;
  uint8_t tcp_flags[2] = {0, 0};  // OR of flags per direction
  FlowClass cls = FlowClass::kOneWay;
  uint8_t app = 0;  // decode::AppKind first seen
  uint8_t in_use = 0;
  uint8_t mac_init[6] = {};  // Ethernet addresses of the first packet
  uint8_t mac_resp[6] = {};
  // (The Community ID is the event writer's: it depends on the 5-tuple alone and is
  // computed on the writer's thread, once per flow.)
};

// Direction of a packet relative to a flow: 0 = from the initiator.
inline int packet_dir(const Flow& f, bool src_is_lo) { return src_is_lo == bool(f.initiator_is_lo) ? 0 : 1; }

}  // namespace sekisho::flow
