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

}  // namespace sekisho::core
