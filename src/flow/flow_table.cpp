#include "flow/flow_table.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace sekisho::flow {

namespace {
uint32_t next_pow2(uint64_t v) {
  uint64_t p = 1024;
  while (p < v) p <<= 1;
  return uint32_t(p);
}
// flow_id: a counter spread over 51 bits (JSON-safe integer), stable across runs.
uint64_t mix_id(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x & ((uint64_t{1} << 51) - 1);
}
}  // namespace

FlowTable::FlowTable(const FlowConfig& cfg, core::HashKey key, FlowEndFn on_end)
    : cfg_(cfg), key_(key), on_end_(std::move(on_end)) {
  if (cfg_.max_flows < 16) cfg_.max_flows = 16;
  if (cfg_.max_flows > (1u << 30)) cfg_.max_flows = 1u << 30;
  flows_ = static_cast<Flow*>(std::calloc(cfg_.max_flows, sizeof(Flow)));
  uint32_t nslots = next_pow2(uint64_t{cfg_.max_flows} * 2);
  slots_ = static_cast<Slot*>(std::calloc(nslots, sizeof(Slot)));
  if (!flows_ || !slots_) throw std::bad_alloc();
  slot_mask_ = nslots - 1;
  for (size_t i = 0; i < timeout_ns_.size(); ++i) timeout_ns_[i] = core::TimeNs(cfg_.timeout_s[i]) * core::kNsPerSec;
}

FlowTable::~FlowTable() {
  std::free(flows_);
  std::free(slots_);
}

size_t FlowTable::memory_bytes() const {
  return size_t(used_) * sizeof(Flow) + (size_t(slot_mask_) + 1) * sizeof(Slot);
}

uint64_t FlowTable::hash_key(const FlowKey& k) const {
  // Hash only the bytes in use: 15 for IPv4, 39 for IPv6.
  uint8_t buf[40];
  const size_t alen = k.family == 4 ? 4 : 16;
  std::memcpy(buf, k.lo_ip.data(), alen);
  std::memcpy(buf + alen, k.hi_ip.data(), alen);
  size_t n = alen * 2;
  std::memcpy(buf + n, &k.lo_port, 2);
  std::memcpy(buf + n + 2, &k.hi_port, 2);
  std::memcpy(buf + n + 4, &k.vlan, 2);
  buf[n + 6] = k.proto;
  return core::siphash13(key_, buf, n + 7);
}

uint32_t FlowTable::find_slot(const FlowKey& key, uint64_t h, bool& found) const {
  const auto hash = uint32_t(h);
  uint32_t s = hash & slot_mask_;
  for (;;) {
    const Slot& slot = slots_[s];
    if (slot.idx1 == 0) {
      found = false;
      return s;
    }
    if (slot.hash == hash && flows_[slot.idx1 - 1].key == key) {
      found = true;
      return s;
    }
    s = (s + 1) & slot_mask_;
  }
}

void FlowTable::erase_slot(uint32_t s) {
  // Backward-shift deletion keeps linear probing correct without tombstones.
  uint32_t hole = s;
  uint32_t j = s;
  for (;;) {
    j = (j + 1) & slot_mask_;
    if (slots_[j].idx1 == 0) break;
    uint32_t home = slots_[j].hash & slot_mask_;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
}

void FlowTable::list_push_back(uint32_t idx) {
  Flow& f = flows_[idx];
  List& l = lists_[size_t(f.cls)];
  f.prev = l.tail;
  f.next = 0;
  if (l.tail)
    flows_[l.tail - 1].next = idx + 1;
  else
    l.head = idx + 1;
  l.tail = idx + 1;
}

void FlowTable::list_unlink(uint32_t idx) {
  Flow& f = flows_[idx];
  List& l = lists_[size_t(f.cls)];
  if (f.prev)
    flows_[f.prev - 1].next = f.next;
  else
    l.head = f.next;
  if (f.next)
    flows_[f.next - 1].prev = f.prev;
  else
    l.tail = f.prev;
  f.prev = f.next = 0;
}

uint32_t FlowTable::allocate() {
  if (free_head_) {
    uint32_t idx = free_head_ - 1;
    free_head_ = flows_[idx].next;
    return idx;
  }
  if (used_ < cfg_.max_flows) return used_++;
  // Full: evict the oldest flow of the lowest class.
  for (size_t c = 0; c < lists_.size(); ++c) {
    if (lists_[c].head) {
      uint32_t victim = lists_[c].head - 1;
      ++stats_.evicted;
      ++stats_.evicted_by_class[c];
      release(victim, EndReason::kEvicted);
      uint32_t idx = free_head_ - 1;
      free_head_ = flows_[idx].next;
      return idx;
    }
  }
  return UINT32_MAX;  // unreachable: a full table has flows in some list
}

void FlowTable::release(uint32_t idx, EndReason why) {
  Flow& f = flows_[idx];
  if (on_end_) on_end_(f, why);
  list_unlink(idx);
  bool found = false;
  uint64_t h = hash_key(f.key);
  uint32_t s = find_slot(f.key, h, found);
  if (found) erase_slot(s);
  f.in_use = 0;
  f.next = free_head_;
  free_head_ = idx + 1;
  --stats_.active;
}

void FlowTable::classify(Flow& f) {
  FlowClass c;
  bool two_way = f.pkts[1] != 0;
  if (f.key.proto == decode::ipproto::kTcp) {
    bool fin_both = (f.tcp_flags[0] & decode::tcp::kFin) && (f.tcp_flags[1] & decode::tcp::kFin);
    bool rst = ((f.tcp_flags[0] | f.tcp_flags[1]) & decode::tcp::kRst) != 0;
    if (fin_both || rst)
      c = FlowClass::kTcpClosed;
    else
      c = two_way ? FlowClass::kTcpEstablished : FlowClass::kTcpHalfOpen;
  } else {
    c = two_way ? FlowClass::kTwoWay : FlowClass::kOneWay;
  }
  f.cls = c;
}

FlowTable::Update FlowTable::update(const decode::PacketView& pv) {
  Update u;
  if (pv.l3 != decode::L3::kIpv4 && pv.l3 != decode::L3::kIpv6) return u;
  if (pv.src_ip.family == 0) return u;

  // Canonical key: lower (ip, port) first.
  FlowKey key;
  const size_t alen = pv.src_ip.size();
  int cmp = std::memcmp(pv.src_ip.b.data(), pv.dst_ip.b.data(), alen);
  bool src_is_lo = cmp < 0 || (cmp == 0 && pv.src_port <= pv.dst_port);
  const core::IpAddr& lo = src_is_lo ? pv.src_ip : pv.dst_ip;
  const core::IpAddr& hi = src_is_lo ? pv.dst_ip : pv.src_ip;
  std::memcpy(key.lo_ip.data(), lo.b.data(), alen);
  std::memcpy(key.hi_ip.data(), hi.b.data(), alen);
  key.lo_port = src_is_lo ? pv.src_port : pv.dst_port;
  key.hi_port = src_is_lo ? pv.dst_port : pv.src_port;
  key.vlan = pv.vlan[0];
  key.proto = pv.ip_proto;
  key.family = pv.src_ip.family;

  uint64_t h = hash_key(key);

  if (pv.ts > last_expire_ + core::kNsPerSec / 10) expire(pv.ts);

  bool found = false;
  uint32_t s = find_slot(key, h, found);
  uint32_t idx;
  if (found) {
    idx = slots_[s].idx1 - 1;
  } else {
    idx = allocate();
    if (idx == UINT32_MAX) return u;
    // Eviction may have shifted slots: look up the insertion point again.
    s = find_slot(key, h, found);
    Flow& f = flows_[idx];
    f = Flow{};
    f.key = key;
    f.flow_id = mix_id(next_flow_id_++);
    f.first_ts = pv.ts;
    f.initiator_is_lo = src_is_lo ? 1 : 0;
    f.in_use = 1;
    if (pv.has_eth) {
      std::memcpy(f.mac_init, pv.src_mac.b.data(), 6);
      std::memcpy(f.mac_resp, pv.dst_mac.b.data(), 6);
    }
    slots_[s].hash = uint32_t(h);
    slots_[s].idx1 = idx + 1;
    classify(f);
    list_push_back(idx);
    ++stats_.created;
    ++stats_.active;
    if (stats_.active > stats_.peak_active) stats_.peak_active = stats_.active;
    u.created = true;
  }
  Flow& f = flows_[idx];
  int dir = packet_dir(f, src_is_lo);
  f.pkts[dir] += 1;
  f.bytes[dir] += pv.wirelen;
  f.tcp_flags[dir] |= pv.tcp_flags;
  if (pv.ts > f.last_ts) f.last_ts = pv.ts;
  if (f.app == 0 && pv.app != decode::AppKind::kNone) f.app = uint8_t(pv.app);
  // Move to the tail of its (possibly new) class list: the lists stay ordered by activity.
  list_unlink(idx);
  classify(f);
  list_push_back(idx);
  u.flow = &f;
  u.dir = dir;
  return u;
}

void FlowTable::expire(core::TimeNs now) {
  if (now <= last_expire_) return;
  last_expire_ = now;
  for (size_t c = 0; c < lists_.size(); ++c) {
    while (lists_[c].head) {
      uint32_t idx = lists_[c].head - 1;
      if (flows_[idx].last_ts + timeout_ns_[c] > now) break;
      ++stats_.expired;
      release(idx, EndReason::kTimeout);
    }
  }
}

void FlowTable::flush() {
  for (size_t c = 0; c < lists_.size(); ++c) {
    while (lists_[c].head) release(lists_[c].head - 1, EndReason::kShutdown);
  }
}

}  // namespace sekisho::flow
