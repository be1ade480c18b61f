#include "core/flat_index.h"

#include <gtest/gtest.h>

#include <unordered_map>

namespace sekisho::core {
namespace {

TEST(FlatIndex64, FindsWhatWasInsertedAndNothingElse) {
  FlatIndex64 idx(HashKey::random());
  EXPECT_EQ(idx.find(1), nullptr);
  EXPECT_TRUE(idx.insert(1, 10));
  EXPECT_TRUE(idx.insert(0, 20));  // zero is a key like any other
  ASSERT_NE(idx.find(1), nullptr);
  EXPECT_EQ(*idx.find(1), 10u);
  EXPECT_EQ(*idx.find(0), 20u);
  EXPECT_EQ(idx.find(2), nullptr);
  EXPECT_EQ(idx.size(), 2u);
}

TEST(FlatIndex64, KeepsTheFirstValueOfAKeyAndRefusesTheEmptyMarker) {
  FlatIndex64 idx(HashKey::random());
  EXPECT_TRUE(idx.insert(7, 1));
  EXPECT_FALSE(idx.insert(7, 2));
  EXPECT_EQ(*idx.find(7), 1u);
  EXPECT_FALSE(idx.insert(FlatIndex64::kEmpty, 3));
  EXPECT_EQ(idx.find(FlatIndex64::kEmpty), nullptr);
  EXPECT_EQ(idx.size(), 1u);
}

TEST(FlatIndex64, AgreesWithAStandardMapThroughManyGrowths) {
  FlatIndex64 idx(HashKey::random(), 4);
  std::unordered_map<uint64_t, uint32_t> ref;
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (uint32_t i = 0; i < 100000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const uint64_t key = (i % 3 == 0) ? i : (x & 0xffffffffffffULL);  // dense and scattered keys
    EXPECT_EQ(idx.insert(key, i), ref.emplace(key, i).second);
  }
  EXPECT_EQ(idx.size(), ref.size());
  for (const auto& [k, v] : ref) {
    const uint32_t* got = idx.find(k);
    ASSERT_NE(got, nullptr) << k;
    EXPECT_EQ(*got, v);
  }
}

}  // namespace
}  // namespace sekisho::core
