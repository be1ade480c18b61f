#include "core/digest.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <set>

#include "core/hash.h"

using namespace sekisho::core;

TEST(Digest, KnownVectors) {
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  uint8_t d[20];
  sha1("abc", 3, d);
  EXPECT_EQ(base64(d, 20), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

// sha1() reuses one context per thread: check it against the one-shot libcrypto call on
// every length around the block and padding boundaries.
TEST(Digest, Sha1MatchesLibcrypto) {
  uint8_t buf[300];
  for (size_t i = 0; i < sizeof buf; ++i) buf[i] = uint8_t(i * 131 + 7);
  for (size_t len = 0; len <= sizeof buf; ++len) {
    uint8_t mine[20], ref[20];
    unsigned n = 0;
    sha1(buf, len, mine);
    EVP_Digest(buf, len, ref, &n, EVP_sha1(), nullptr);
    ASSERT_EQ(n, 20u);
    ASSERT_EQ(std::memcmp(mine, ref, 20), 0) << "length " << len;
  }
  uint8_t d[20];
  sha1("", 0, d);
  EXPECT_EQ(base64(d, 20), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
}

TEST(Digest, Base64Padding) {
  const uint8_t x[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(base64(x, 0), "");
  EXPECT_EQ(base64(x, 1), "Zg==");
  EXPECT_EQ(base64(x, 2), "Zm8=");
  EXPECT_EQ(base64(x, 3), "Zm9v");
  EXPECT_EQ(base64(x, 6), "Zm9vYmFy");
}

TEST(SipHash, KeyedAndStable) {
  HashKey k{1, 2};
  HashKey k2{3, 4};
  EXPECT_EQ(siphash13(k, "hello", 5), siphash13(k, "hello", 5));
  EXPECT_NE(siphash13(k, "hello", 5), siphash13(k2, "hello", 5));
  EXPECT_NE(siphash13(k, "hello", 5), siphash13(k, "hellp", 5));
  HashKey r1 = HashKey::random();
  HashKey r2 = HashKey::random();
  if (!std::getenv("SEKISHO_HASH_SEED")) {
    EXPECT_FALSE(r1.k0 == r2.k0 && r1.k1 == r2.k1);
  }
}

// Every single-bit change of every length up to 64 bytes, and every length of the same
// bytes, gives another hash; the seed matters; the bytes past `len` do not.
TEST(FoldHash, EveryBitAndLengthCounts) {
  uint8_t buf[72];
  for (size_t i = 0; i < sizeof buf; ++i) buf[i] = uint8_t(i * 37 + 11);
  std::set<uint64_t> seen;
  size_t made = 0;
  for (size_t len = 0; len <= 64; ++len) {
    seen.insert(fold_hash64(buf, len, 7));
    ++made;
    for (size_t bit = 0; bit < len * 8; ++bit) {
      buf[bit / 8] ^= uint8_t(1u << (bit % 8));
      seen.insert(fold_hash64(buf, len, 7));
      buf[bit / 8] ^= uint8_t(1u << (bit % 8));
      ++made;
    }
  }
  EXPECT_EQ(seen.size(), made);
  EXPECT_NE(fold_hash64(buf, 20, 1), fold_hash64(buf, 20, 2));
  uint8_t copy[72];
  std::memcpy(copy, buf, sizeof copy);
  copy[30] ^= 0xff;
  EXPECT_EQ(fold_hash64(buf, 30, 5), fold_hash64(copy, 30, 5));
}

TEST(KeyedMix, KeyedAndSpreading) {
  const HashKey k{0x1234, 0x5678}, k2{0x1234, 0x5679};
  EXPECT_EQ(keyed_mix64(k, 42), keyed_mix64(k, 42));
  EXPECT_NE(keyed_mix64(k, 42), keyed_mix64(k2, 42));
  // Consecutive MACs land in distinct low bits (what a bucket index uses).
  std::set<uint64_t> low;
  for (uint64_t mac = 0x001122330000; mac < 0x001122330000 + 4096; ++mac) low.insert(keyed_mix64(k, mac) & 0xffff);
  EXPECT_GT(low.size(), 3900u);
}
