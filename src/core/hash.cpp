#include "core/hash.h"

#include <sys/random.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace sekisho::core {

HashKey HashKey::random() {
  HashKey k;
  if (const char* seed = std::getenv("SEKISHO_HASH_SEED")) {
    uint64_t s = std::strtoull(seed, nullptr, 0);
    k.k0 = s ^ 0x736f6d6570736575ULL;
    k.k1 = s * 0x9e3779b97f4a7c15ULL;
    return k;
  }
  uint64_t buf[2] = {0, 0};
  if (getrandom(buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf)) {
    // getrandom cannot fail for 16 bytes after boot; fall back to the clock all the same.
    auto now = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    buf[0] = now * 0x9e3779b97f4a7c15ULL;
    buf[1] = ~now;
  }
  k.k0 = buf[0];
  k.k1 = buf[1];
  return k;
}

namespace {
inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
inline void round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = rotl(v1, 13);
  v1 ^= v0;
  v0 = rotl(v0, 32);
  v2 += v3;
  v3 = rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = rotl(v1, 17);
  v1 ^= v2;
  v2 = rotl(v2, 32);
}
}  // namespace

uint64_t siphash13(const HashKey& key, const void* data, size_t len) {
  const auto* in = static_cast<const uint8_t*>(data);
  uint64_t v0 = 0x736f6d6570736575ULL ^ key.k0;
  uint64_t v1 = 0x646f72616e646f6dULL ^ key.k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ key.k0;
  uint64_t v3 = 0x7465646279746573ULL ^ key.k1;
  const size_t whole = len & ~size_t{7};
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m;
    std::memcpy(&m, in + i, 8);
    v3 ^= m;
    round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t b = uint64_t(len) << 56;
  for (size_t i = 0; i < (len & 7); ++i) b |= uint64_t(in[whole + i]) << (8 * i);
  v3 ^= b;
  round(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  round(v0, v1, v2, v3);
  round(v0, v1, v2, v3);
  round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

namespace {
// The 128-bit product of a and b, folded to 64 bits: every input bit reaches every output bit.
__extension__ using U128 = unsigned __int128;
inline uint64_t fold_mul(uint64_t a, uint64_t b) {
  const U128 p = static_cast<U128>(a) * b;
  return uint64_t(p) ^ uint64_t(p >> 64);
}
inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
constexpr uint64_t kF0 = 0xa0761d6478bd642fULL, kF1 = 0xe7037ed1a0b428dbULL, kF2 = 0x8ebc6af09c88c6e3ULL;
}  // namespace

uint64_t fold_hash64(const void* data, size_t len, uint64_t seed) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = seed ^ fold_mul(seed ^ kF0, uint64_t(len) ^ kF1);
  size_t n = len;
  for (; n >= 16; n -= 16, p += 16) h = fold_mul(load64(p) ^ kF1, load64(p + 8) ^ h);
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = load64(p);
    b = load64(p + n - 8);  // overlaps when n < 16: the tail bytes, all of them covered
  } else {
    for (size_t i = 0; i < n; ++i) a |= uint64_t(p[i]) << (8 * i);
  }
  h = fold_mul(a ^ kF1, b ^ h);
  return fold_mul(h ^ kF2, uint64_t(len) ^ kF0);
}

}  // namespace sekisho::core
