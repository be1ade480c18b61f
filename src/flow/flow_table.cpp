#include "flow/flow_table.h"

#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/bytes.h"

namespace sekisho::flow {

namespace {
uint32_t next_pow2(uint64_t v) {
  uint64_t p = 1024;
  while (p < v) p <<= 1;
  return uint32_t(p);
}
constexpr uint32_t kInitialSlots = 1024;

// FlowKey is 40 bytes without padding: compare it as five words.
static_assert(sizeof(FlowKey) == 40);
// memcmp's sign for 4- or 16-byte addresses, as big-endian words.
int compare_addr(const uint8_t* a, const uint8_t* b, size_t len) {
  if (len == 4) {
    uint32_t x = core::load_be32(a), y = core::load_be32(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  for (size_t i = 0; i < len; i += 8) {
    uint64_t x = core::load_be64(a + i), y = core::load_be64(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// An address into a zeroed 16-byte key field as two 8-byte stores (IPv4: 4 bytes and zeros).
void put_addr(uint8_t* dst, const uint8_t* src, size_t alen) {
  uint64_t w0, w1;  // scalars, not an array: see same_key
  if (alen == 4) {
    uint32_t v;
    std::memcpy(&v, src, 4);
    w0 = std::endian::native == std::endian::little ? uint64_t{v} : uint64_t{v} << 32;
    w1 = 0;
  } else {
    std::memcpy(&w0, src, 8);
    std::memcpy(&w1, src + 8, 8);
  }
  std::memcpy(dst, &w0, 8);
  std::memcpy(dst + 8, &w1, 8);
}

uint64_t word(const FlowKey& k, size_t i) {
  uint64_t v;
  std::memcpy(&v, reinterpret_cast<const unsigned char*>(&k) + 8 * i, 8);
  return v;
}

// Word by word, each loaded straight from its key: copied whole into local arrays first,
// the compiler moved the stored flow's key through the stack in 16-byte halves and read it
// back in 8-byte words, a failed store-to-load forward on every lookup (the hottest spot
// of the packet thread).
bool same_key(const FlowKey& a, const FlowKey& b) {
  static_assert(sizeof(FlowKey) >= 40);
  return ((word(a, 0) ^ word(b, 0)) | (word(a, 1) ^ word(b, 1)) | (word(a, 2) ^ word(b, 2)) |
          (word(a, 3) ^ word(b, 3)) | (word(a, 4) ^ word(b, 4))) == 0;
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
  const uint32_t max_slots = next_pow2(uint64_t{cfg_.max_flows} * 2);
  const uint32_t nslots = max_slots < kInitialSlots ? max_slots : kInitialSlots;
  slots_ = static_cast<Slot*>(std::calloc(nslots, sizeof(Slot)));
  if (!flows_ || !slots_) throw std::bad_alloc();
  slot_mask_ = nslots - 1;
  max_slot_mask_ = max_slots - 1;
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
  // The key as words: two for IPv4 (both addresses, then ports, VLAN, proto, family), all
  // five for IPv6. Only slot positions depend on the hash, never the output.
  if (k.family == 4) {
    const uint64_t w0 = word(k, 0), w2 = word(k, 2), w4 = word(k, 4);
    const uint64_t v4[2] = {(w0 & 0xffffffffu) | (w2 << 32), w4};  // addresses as stored
    static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);
    if constexpr (std::endian::native == std::endian::little) return core::siphash13(key_, v4, sizeof v4);
    const uint64_t v4be[2] = {(w0 >> 32) | (w2 & 0xffffffff00000000u), w4};
    return core::siphash13(key_, v4be, sizeof v4be);
  }
  return core::siphash13(key_, &k, 40);  // the five words as they lie
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
    if (slot.hash == hash && same_key(flows_[slot.idx1 - 1].key, key)) {
      found = true;
      return s;
    }
    s = (s + 1) & slot_mask_;
  }
}

bool FlowTable::grow_index() {
  // Rehash into twice the slots. Slot::hash keeps the low 32 hash bits, enough for any
  // index size (at most 2^31 slots), so no key is hashed again.
  const uint32_t old_n = slot_mask_ + 1;
  const uint32_t n = old_n * 2;
  auto* fresh = static_cast<Slot*>(std::calloc(n, sizeof(Slot)));
  if (!fresh) return false;
  const uint32_t mask = n - 1;
  for (uint32_t i = 0; i < old_n; ++i) {
    const Slot& o = slots_[i];
    if (!o.idx1) continue;
    uint32_t j = o.hash & mask;
    while (fresh[j].idx1) j = (j + 1) & mask;
    fresh[j] = o;
  }
  std::free(slots_);
  slots_ = fresh;
  slot_mask_ = mask;
  return true;
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

void FlowTable::requeue(uint32_t idx) {
  list_unlink(idx);
  flows_[idx].queued_ts = flows_[idx].last_ts;
  list_push_back(idx);
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
    // Skip (requeue) a few recently active heads so the victim is close to the oldest.
    for (int i = 0; i < 8 && lists_[c].head; ++i) {
      Flow& h = flows_[lists_[c].head - 1];
      if (h.last_ts <= h.queued_ts) break;
      requeue(lists_[c].head - 1);
    }
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
  int cmp = compare_addr(pv.src_ip.b.data(), pv.dst_ip.b.data(), alen);
  bool src_is_lo = cmp < 0 || (cmp == 0 && pv.src_port <= pv.dst_port);
  const core::IpAddr& lo = src_is_lo ? pv.src_ip : pv.dst_ip;
  const core::IpAddr& hi = src_is_lo ? pv.dst_ip : pv.src_ip;
  // Written in 8-byte words, the width same_key and hash_key read them back in right away:
  // a key assembled from 2- and 4-byte stores stalled every lookup on store forwarding.
  put_addr(key.lo_ip.data(), lo.b.data(), alen);
  put_addr(key.hi_ip.data(), hi.b.data(), alen);
  struct Tail {
    uint16_t lo_port, hi_port, vlan;
    uint8_t proto, family;
  };
  static_assert(sizeof(Tail) == 8 && offsetof(FlowKey, lo_port) == 32);
  const Tail tail{src_is_lo ? pv.src_port : pv.dst_port, src_is_lo ? pv.dst_port : pv.src_port, pv.vlan[0], pv.ip_proto,
                  pv.src_ip.family};
  uint64_t tail_word;
  std::memcpy(&tail_word, &tail, 8);
  std::memcpy(&key.lo_port, &tail_word, 8);

  if (pv.ts > last_expire_ + core::kNsPerSec / 10) expire(pv.ts);

  // Packets come in runs of one flow: check the last flow before hashing. A released
  // flow has in_use 0; a reused record holds another key (or this one, and is the flow).
  uint64_t h = 0;
  bool found = false;
  uint32_t s = 0;
  uint32_t idx = 0;
  if (last_idx1_ && flows_[last_idx1_ - 1].in_use && same_key(flows_[last_idx1_ - 1].key, key)) {
    idx = last_idx1_ - 1;
    found = true;
  } else {
    h = hash_key(key);
    s = find_slot(key, h, found);
    if (found) idx = slots_[s].idx1 - 1;
  }
  if (found) {
    // Expiry runs lazily and may lag; a packet after the timeout still starts a new flow.
    const Flow& old = flows_[idx];
    if (old.last_ts + timeout_ns_[size_t(old.cls)] <= pv.ts) {
      ++stats_.expired;
      release(idx, EndReason::kTimeout);
      found = false;
    }
  }
  if (!found) {
    if (h == 0) h = hash_key(key);  // the last-flow check matched a flow that had expired
    idx = allocate();
    if (idx == UINT32_MAX) return u;
    // Keep the load at most one half: the new flow makes stats_.active + 1 entries. If the
    // bigger index cannot be allocated, go on up to 3/4 and then refuse new flows (an
    // index with no empty slot would make lookups loop).
    const uint64_t slots = uint64_t{slot_mask_} + 1;
    if (slot_mask_ < max_slot_mask_ && (stats_.active + 1) * 2 > slots && !grow_index() &&
        (stats_.active + 1) * 4 > slots * 3) {
      flows_[idx].next = free_head_;
      free_head_ = idx + 1;
      return u;
    }
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
    f.last_ts = pv.ts;
    f.queued_ts = pv.ts;
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
  // Lazy LRU: a flow moves to the tail only when its class changes. Flows touched since
  // they were queued are requeued when they reach the head (see expire/evict), which keeps
  // each list's head the oldest without touching neighbours on every packet.
  FlowClass before = f.cls;
  classify(f);
  if (f.cls != before) {
    FlowClass now = f.cls;
    f.cls = before;
    list_unlink(idx);
    f.cls = now;
    f.queued_ts = f.last_ts;
    list_push_back(idx);
  }
  last_idx1_ = idx + 1;
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
      Flow& f = flows_[idx];
      if (f.last_ts + timeout_ns_[c] <= now) {
        ++stats_.expired;
        release(idx, EndReason::kTimeout);
      } else if (f.last_ts > f.queued_ts) {
        requeue(idx);  // active since queued: not the oldest after all
      } else {
        // Alive and untouched since queued. A requeued flow can sit behind a newer one,
        // so a flow further back may already be idle too long: it is ended when it reaches
        // the head (at most one timeout late), or at once by update() if a packet comes.
        break;
      }
    }
  }
}

void FlowTable::flush() {
  for (size_t c = 0; c < lists_.size(); ++c) {
    while (lists_[c].head) release(lists_[c].head - 1, EndReason::kShutdown);
  }
}

}  // namespace sekisho::flow
