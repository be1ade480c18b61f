#pragma once
// Keyed hashing for tables whose keys an attacker chooses (flows, devices). The key is
// random per process so collisions cannot be precomputed.
#include <cstddef>
#include <cstdint>

namespace sekisho::core {

struct HashKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  static HashKey random();  // from getrandom(); deterministic key if SEKISHO_HASH_SEED is set
};

// SipHash-1-3 (the variant used by Rust's HashMap and CPython): keyed, fast on short keys.
uint64_t siphash13(const HashKey& key, const void* data, size_t len);

// One 64-bit word (a MAC address) under the process's key: two multiply-folds of the
// 128-bit product. Much cheaper than SipHash for a single word; like it, useless to an
// attacker who does not know the key.
inline uint64_t keyed_mix64(const HashKey& key, uint64_t x) {
  __extension__ using U128 = unsigned __int128;
  U128 p = static_cast<U128>(x ^ key.k0) * (key.k1 | 1);
  const uint64_t h = uint64_t(p) ^ uint64_t(p >> 64);
  p = static_cast<U128>(h ^ key.k1) * 0x9e3779b97f4a7c15ULL;
  return uint64_t(p) ^ uint64_t(p >> 64);
}

// A fast unkeyed 64-bit hash for long byte strings whose sender cannot pick collisions to
// any gain (the repeat check on announcements): 16 bytes per 64x64->128-bit multiply.
// Not for tables an attacker fills; use siphash13 there.
uint64_t fold_hash64(const void* data, size_t len, uint64_t seed);

}  // namespace sekisho::core
