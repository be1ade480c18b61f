#pragma once
// Bounded state for detectors. Detectors see hostile traffic by definition: a flood of
// spoofed sources must not grow memory, so per-key state lives in fixed-size tables that
// forget the least recently touched entry of a set instead of growing.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/hash.h"
#include "core/net.h"
#include "core/time.h"

namespace sekisho::detect {

// 64-bit key of an address (IPv4 exact; IPv6 hashed), optionally with a port or other tag.
inline uint64_t addr_key(const core::IpAddr& a, uint64_t tag = 0) {
  uint64_t lo, hi;
  std::memcpy(&lo, a.b.data(), 8);
  std::memcpy(&hi, a.b.data() + 8, 8);
  uint64_t k = lo * 0x9E3779B97F4A7C15ULL ^ (hi + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
  k ^= (tag + a.family) * 0x165667B19E3779F9ULL;
  return k ^ (k >> 29);
}

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// A set-associative table of `capacity` entries (rounded up to a power of two) in sets of
// kWays. Lookup and insert are O(1); memory is fixed at construction. When a set is full
// the entry touched longest ago is replaced (its state is forgotten: for detection
// state, an old quiet key is the right one to lose). Key 0 is reserved (empty slot).
template <typename V, unsigned kWays = 4>
class BoundedTable {
 public:
  explicit BoundedTable(size_t capacity) {
    size_t sets = 1;
    while (sets * kWays < capacity) sets <<= 1;
    slots_.resize(sets * kWays);
    mask_ = sets - 1;
  }

  // The entry for `key`, created (value-initialised) if absent, evicting within its set.
  // `created` tells which.
  V& touch(uint64_t key, core::TimeNs now, bool* created = nullptr) {
    if (key == 0) key = 1;
    Slot* set = &slots_[(mix64(key) & mask_) * kWays];
    Slot* empty = nullptr;
    Slot* oldest = set;
    for (unsigned i = 0; i < kWays; ++i) {
      Slot& s = set[i];
      if (s.key == key) {
        s.last = now;
        if (created) *created = false;
        return s.value;
      }
      if (s.key == 0) {
        if (!empty) empty = &s;
      } else if (s.last < oldest->last) {
        oldest = &s;
      }
    }
    Slot* victim = empty ? empty : oldest;
    if (victim->key != 0)
      ++evictions_;
    else
      ++size_;
    victim->key = key;
    victim->last = now;
    victim->value = V{};
    if (created) *created = true;
    return victim->value;
  }
  // Null if absent.
  V* find(uint64_t key) {
    if (key == 0) key = 1;
    Slot* set = &slots_[(mix64(key) & mask_) * kWays];
    for (unsigned i = 0; i < kWays; ++i)
      if (set[i].key == key) return &set[i].value;
    return nullptr;
  }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& s : slots_)
      if (s.key) fn(s.key, s.last, s.value);
  }
  // Drops entries not touched since `before`.
  void expire(core::TimeNs before) {
    for (auto& s : slots_)
      if (s.key && s.last < before) {
        s.key = 0;
        --size_;
      }
  }
  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  uint64_t evictions() const { return evictions_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = 0;
    core::TimeNs last = 0;
    V value{};
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  uint64_t evictions_ = 0;
};

// Distinct-value estimate in fixed memory (linear counting, Whang et al. 1990): exact
// enough for thresholds well below kBits (error ~1% at kBits/4 distinct values).
template <unsigned kBits = 256>
class DistinctCounter {
  static_assert(kBits % 64 == 0);

 public:
  // True if the value's bit was new (so the estimate may have grown).
  bool add(uint64_t value_hash) {
    const uint64_t h = mix64(value_hash);
    const unsigned i = unsigned(h % kBits);
    uint64_t& w = words_[i / 64];
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (w & bit) return false;
    w |= bit;
    ++set_;
    return true;
  }
  uint32_t bits_set() const { return set_; }
  double estimate() const {
    if (set_ >= kBits) return double(kBits) * std::log(double(kBits));  // saturated
    return -double(kBits) * std::log(double(kBits - set_) / kBits);
  }
  void clear() {
    words_.fill(0);
    set_ = 0;
  }

 private:
  std::array<uint64_t, kBits / 64> words_{};
  uint32_t set_ = 0;
};

// Events per fixed window of packet time, with the previous window kept: rate() spans
// the current window and the weighted tail of the previous one (a sliding estimate
// without per-event memory).
class WindowRate {
 public:
  void add(core::TimeNs now, core::TimeNs window, uint32_t n = 1) {
    roll(now, window);
    cur_ += n;
  }
  // Events in the last `window` (estimate).
  double count(core::TimeNs now, core::TimeNs window) {
    roll(now, window);
    const double into = double(now - start_) / double(window);
    return cur_ + prev_ * (1.0 - (into < 0 ? 0 : into > 1 ? 1 : into));
  }
  uint32_t current() const { return cur_; }
  uint32_t previous() const { return prev_; }
  core::TimeNs window_start() const { return start_; }

 private:
  void roll(core::TimeNs now, core::TimeNs window) {
    if (start_ == 0) start_ = now - now % window;
    if (now < start_ + window) return;
    const core::TimeNs n = (now - start_) / window;
    prev_ = n == 1 ? cur_ : 0;
    cur_ = 0;
    start_ += n * window;
  }
  core::TimeNs start_ = 0;
  uint32_t cur_ = 0, prev_ = 0;
};

// Per-device state indexed by inventory id (ids are dense and the inventory is bounded).
template <typename V>
class PerDevice {
 public:
  V& at(uint32_t dev1) {
    const size_t i = dev1 - 1;
    if (i >= v_.size()) v_.resize(std::max<size_t>(i + 1, v_.size() * 2));
    return v_[i];
  }
  V* find(uint32_t dev1) { return dev1 && dev1 - 1 < v_.size() ? &v_[dev1 - 1] : nullptr; }
  size_t size() const { return v_.size(); }
  size_t memory_bytes() const { return v_.capacity() * sizeof(V); }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (size_t i = 0; i < v_.size(); ++i) fn(uint32_t(i + 1), v_[i]);
  }

 private:
  std::vector<V> v_;
};

}  // namespace sekisho::detect
