#pragma once
// A 64-bit key to 32-bit value index with insert and find only (no erase): one flat array,
// linear probing, kept at most half full. For hot per-packet lookups such as device by
// MAC, where std::unordered_map's node per entry costs a pointer chase on every find.
// The hash is keyed per process (keyed_mix64), so senders cannot aim collisions.

#include <cstdint>
#include <vector>

#include "core/hash.h"

namespace sekisho::core {

class FlatIndex64 {
 public:
  // ~0 is the empty marker, so it cannot be a key (a MAC address, 48 bits, never is).
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  explicit FlatIndex64(HashKey key, size_t capacity = 64) : key_(key) { rehash(capacity < 8 ? 16 : capacity * 2); }

  // The value for key, or nullptr.
  const uint32_t* find(uint64_t key) const {
    if (key == kEmpty) return nullptr;
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.key == key) return &e.value;
      if (e.key == kEmpty) return nullptr;
    }
  }
  // Adds key -> value; false (and nothing changed) when the key is there already or is kEmpty.
  bool insert(uint64_t key, uint32_t value) {
    if (key == kEmpty) return false;
    if ((size_ + 1) * 2 > table_.size()) rehash(table_.size() * 2);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (e.key == key) return false;
      if (e.key == kEmpty) {
        e.key = key;
        e.value = value;
        ++size_;
        return true;
      }
    }
  }
  size_t size() const { return size_; }

 private:
  struct Entry {
    uint64_t key = kEmpty;
    uint32_t value = 0;
  };
  size_t slot_of(uint64_t key) const { return size_t(keyed_mix64(key_, key)) & mask_; }
  void rehash(size_t n) {  // n: a power of two
    size_t cap = 16;
    while (cap < n) cap *= 2;
    std::vector<Entry> old(cap);
    old.swap(table_);
    mask_ = cap - 1;
    size_ = 0;
    for (const Entry& e : old)
      if (e.key != kEmpty) insert(e.key, e.value);
  }

  HashKey key_;
  std::vector<Entry> table_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace sekisho::core
