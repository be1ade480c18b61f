#pragma once
// FlowTable: bounded, keyed-hash table of bidirectional flows.
// - Memory is bounded by `max_flows`; flow storage is reserved up front and touched as
//   used, and the slot index grows with the live count (doubling at 50% load, up to two
//   slots per flow), so a few thousand live flows probe a cache-sized index.
// - The hash is SipHash with a per-process random key (hash flooding).
// - When full, the oldest flow of the lowest class is evicted: half-open and one-way
//   flows go first, so a spoofed SYN flood cannot push out real devices' flows.
// - Time comes from the packets; expiry runs as time advances.
#include <array>
#include <cstdint>
#include <functional>

#include "core/hash.h"
#include "decode/packet_view.h"
#include "flow/flow.h"

namespace sekisho::flow {

struct FlowConfig {
  uint32_t max_flows = 1u << 20;
  // Idle timeouts per FlowClass, seconds.
  std::array<uint32_t, size_t(FlowClass::kCount)> timeout_s = {30, 60, 10, 120, 600};
};

struct FlowStats {
  uint64_t created = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;
  uint64_t active = 0;
  uint64_t peak_active = 0;
  std::array<uint64_t, size_t(FlowClass::kCount)> evicted_by_class{};
};

using FlowEndFn = std::function<void(const Flow&, EndReason)>;

class FlowTable {
 public:
  FlowTable(const FlowConfig& cfg, core::HashKey key, FlowEndFn on_end);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  struct Update {
    Flow* flow = nullptr;
    int dir = 0;  // 0 = packet from the initiator
    bool created = false;
  };
  // Finds or creates the flow for an IP packet with a transport (or just protocol) and
  // accounts the packet. Returns flow == nullptr for packets that are not IP.
  Update update(const decode::PacketView& pv);

  // Ends flows idle longer than their class timeout at time `now`.
  void expire(core::TimeNs now);
  // Ends every flow (end of input).
  void flush();

  const FlowStats& stats() const { return stats_; }
  size_t memory_bytes() const;
  // Slots in the index now (a power of two); for tests.
  size_t slot_count() const { return size_t(slot_mask_) + 1; }

 private:
  uint64_t hash_key(const FlowKey& k) const;
  uint32_t find_slot(const FlowKey& key, uint64_t h, bool& found) const;
  bool grow_index();
  uint32_t allocate();
  void release(uint32_t idx, EndReason why);
  void erase_slot(uint32_t slot);
  void list_push_back(uint32_t idx);
  void list_unlink(uint32_t idx);
  void requeue(uint32_t idx);
  void classify(Flow& f);

  struct Slot {
    uint32_t hash = 0;  // low hash bits: home bucket, and a filter before key compares
    uint32_t idx1 = 0;  // flow index + 1; 0 = empty
  };
  struct List {
    uint32_t head = 0, tail = 0;  // indices + 1
  };

  FlowConfig cfg_;
  core::HashKey key_;
  FlowEndFn on_end_;
  Flow* flows_ = nullptr;  // max_flows records, calloc'd (untouched pages cost nothing)
  Slot* slots_ = nullptr;
  uint32_t slot_mask_ = 0;
  uint32_t max_slot_mask_ = 0;  // the index never grows past 2 * max_flows slots
  uint32_t used_ = 0;           // high-water mark in flows_
  uint32_t free_head_ = 0;      // free list through Flow::next (index + 1)
  uint32_t last_idx1_ = 0;      // flow of the previous packet (index + 1), checked first
  std::array<List, size_t(FlowClass::kCount)> lists_{};
  std::array<core::TimeNs, size_t(FlowClass::kCount)> timeout_ns_{};
  core::TimeNs last_expire_ = 0;
  uint64_t next_flow_id_ = 1;
  FlowStats stats_;
};

}  // namespace sekisho::flow
