#pragma once
// DeviceTable: the inventory. One Device per unicast Ethernet source address, bounded in
// number; identity is learned from ARP, NDP, DHCP, DNS/mDNS, SSDP, HTTP, TLS and LLDP.
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "core/flat_index.h"
#include "core/hash.h"
#include "decode/packet_view.h"
#include "inventory/classify.h"
#include "inventory/device.h"
#include "inventory/oui.h"

namespace sekisho::inventory {

struct DeviceTableConfig {
  size_t max_devices = 65536;
};

struct DeviceTableStats {
  uint64_t devices = 0;
  uint64_t dropped_new = 0;  // new MACs refused because the table was full
};

class DeviceTable {
 public:
  DeviceTable(const DeviceTableConfig& cfg, const OuiRegistry* oui, const Classifier* classifier, core::HashKey key);

  // Per packet: counters for both ends, identity from the packet's records.
  // Returns the source device's id + 1 (0 if none).
  uint32_t observe(const decode::PacketView& pv);

  // Counters only, for a packet whose source and destination devices are already known
  // (ids + 1; 0 = none).
  void count(uint32_t src1, uint32_t dst1, const decode::PacketView& pv) {
    if (src1) {
      Device& d = devices_[src1 - 1];
      d.pkts_out += 1;
      d.bytes_out += pv.wirelen;
      if (pv.ts > d.last_seen) d.last_seen = pv.ts;
    }
    if (dst1) {
      Device& d = devices_[dst1 - 1];
      d.pkts_in += 1;
      d.bytes_in += pv.wirelen;
    }
  }

  // A new flow: the initiator's device talks to `peer` on `port`; the responder serves it.
  void on_new_flow(uint32_t init_dev1, uint32_t resp_dev1, const core::IpAddr& resp_ip, uint8_t proto,
                   uint16_t resp_port);
  // Device id + 1 for a MAC, 0 if unknown.
  uint32_t find(const core::MacAddr& mac) const;

  // Calls fn for each device that is new, or changed and last reported at least `min_gap`
  // before `now`; clears their marks. Changes of devices reported more recently stay queued
  // and accumulate, so a chatty device yields one "updated" event per gap, not one per packet.
  template <typename Fn>
  void drain_changes(core::TimeNs now, core::TimeNs min_gap, Fn&& fn) {
    size_t keep = 0;
    for (uint32_t id : dirty_) {
      Device& d = devices_[id];
      if (!d.is_new && d.reported && now - d.last_reported < min_gap) {
        dirty_[keep++] = id;
        continue;
      }
      fn(d);
      d.is_new = false;
      d.reported = true;
      d.last_reported = now;
      d.changed.clear();
      queued_[id] = 0;
    }
    dirty_.resize(keep);
    new_pending_ = 0;
  }
  bool has_changes() const { return !dirty_.empty(); }
  bool has_new() const { return new_pending_ != 0; }

  const std::deque<Device>& devices() const { return devices_; }
  const DeviceTableStats& stats() const { return stats_; }

 private:
  uint32_t lookup_or_create(const core::MacAddr& mac, core::TimeNs ts);
  void mark(Device& d, const char* field);
  void learn_address(Device& d, const core::IpAddr& ip, AddrSource src, core::TimeNs ts);
  void learn_dhcp(const decode::PacketView& pv, Device& src);
  void learn_dns(const decode::PacketView& pv, Device& src);
  void learn_ssdp(const decode::PacketView& pv, Device& src);
  void learn_http(const decode::PacketView& pv, Device& src);
  void learn_tls(const decode::PacketView& pv, Device& src);
  void learn_lldp(const decode::PacketView& pv, Device& src);
  bool add_string(Device& d, std::vector<std::string>& set, std::string_view value, size_t cap, const char* field);
  bool set_hostname(Device& d, std::string_view name, const char* source, int rank);  // true if it changed
  void reclassify(Device& d);

  DeviceTableConfig cfg_;
  const OuiRegistry* oui_;
  const Classifier* classifier_;
  std::deque<Device> devices_;  // stable references while growing
  core::FlatIndex64 by_mac_;    // MAC -> device index
  std::vector<uint32_t> dirty_;
  uint32_t new_pending_ = 0;            // new devices in dirty_
  std::vector<uint8_t> queued_;         // per device: in dirty_
  std::vector<uint8_t> hostname_rank_;  // per device: rank of the hostname's source
  std::vector<std::vector<core::IpAddr>> remote_seen_;
  uint64_t cache_mac_ = ~0ULL;  // last source MAC looked up
  uint32_t cache_id1_ = 0;
  uint64_t marks_ = 0;  // mark() calls so far: "did this packet change anything?"
  DeviceTableStats stats_;
};

}  // namespace sekisho::inventory
