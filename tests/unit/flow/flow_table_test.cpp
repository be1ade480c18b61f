#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

using namespace sekisho;
using decode::PacketView;

namespace {
PacketView packet(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t proto, uint8_t flags,
                  core::TimeNs ts) {
  PacketView pv;
  pv.l3 = decode::L3::kIpv4;
  pv.src_ip = core::IpAddr::v4(src);
  pv.dst_ip = core::IpAddr::v4(dst);
  pv.src_port = sport;
  pv.dst_port = dport;
  pv.ip_proto = proto;
  pv.tcp_flags = flags;
  pv.ts = ts;
  pv.wirelen = 60;
  pv.has_l4 = true;
  return pv;
}
constexpr core::TimeNs kSec = core::kNsPerSec;

struct Ended {
  std::vector<flow::Flow> flows;
  std::vector<flow::EndReason> why;
};
}  // namespace

TEST(FlowTable, BothDirectionsShareOneFlow) {
  Ended ended;
  flow::FlowTable t({}, core::HashKey{1, 2}, [&](const flow::Flow& f, flow::EndReason r) {
    ended.flows.push_back(f);
    ended.why.push_back(r);
  });
  auto u1 = t.update(packet(0x0a000001, 40000, 0x08080808, 443, 6, decode::tcp::kSyn, 1 * kSec));
  ASSERT_TRUE(u1.flow);
  EXPECT_TRUE(u1.created);
  EXPECT_EQ(u1.dir, 0);
  EXPECT_EQ(u1.flow->cls, flow::FlowClass::kTcpHalfOpen);
  auto u2 = t.update(packet(0x08080808, 443, 0x0a000001, 40000, 6, decode::tcp::kSyn | decode::tcp::kAck, 1 * kSec));
  EXPECT_FALSE(u2.created);
  EXPECT_EQ(u2.flow, u1.flow);
  EXPECT_EQ(u2.dir, 1);
  EXPECT_EQ(u2.flow->cls, flow::FlowClass::kTcpEstablished);
  t.flush();
  ASSERT_EQ(ended.flows.size(), 1u);
  EXPECT_EQ(ended.flows[0].pkts[0], 1u);
  EXPECT_EQ(ended.flows[0].pkts[1], 1u);
  EXPECT_EQ(ended.why[0], flow::EndReason::kShutdown);
  EXPECT_EQ(t.stats().active, 0u);
}

TEST(FlowTable, ExpiresByPacketTime) {
  Ended ended;
  flow::FlowTable t({}, core::HashKey{1, 2}, [&](const flow::Flow& f, flow::EndReason r) {
    ended.flows.push_back(f);
    ended.why.push_back(r);
  });
  t.update(packet(0x0a000001, 5353, 0xe00000fb, 5353, 17, 0, 10 * kSec));               // one-way UDP: 60 s
  t.update(packet(0x0a000002, 1000, 0x0a000003, 22, 6, decode::tcp::kSyn, 10 * kSec));  // half-open: 30 s
  t.expire(39 * kSec);
  EXPECT_EQ(ended.flows.size(), 0u);
  t.expire(41 * kSec);
  ASSERT_EQ(ended.flows.size(), 1u);
  EXPECT_EQ(ended.flows[0].key.proto, 6);
  EXPECT_EQ(ended.why[0], flow::EndReason::kTimeout);
  t.expire(71 * kSec);
  EXPECT_EQ(ended.flows.size(), 2u);
  EXPECT_EQ(t.stats().expired, 2u);
}

TEST(FlowTable, FloodEvictsHalfOpenFirst) {
  flow::FlowConfig cfg;
  cfg.max_flows = 64;
  std::vector<flow::Flow> evicted;
  flow::FlowTable t(cfg, core::HashKey{7, 8}, [&](const flow::Flow& f, flow::EndReason r) {
    if (r == flow::EndReason::kEvicted) evicted.push_back(f);
  });
  // Eight real, established conversations.
  for (uint32_t i = 0; i < 8; ++i) {
    t.update(packet(0x0a000010 + i, 40000, 0x08080808, 443, 6, decode::tcp::kSyn, kSec));
    t.update(packet(0x08080808, 443, 0x0a000010 + i, 40000, 6, decode::tcp::kSyn | decode::tcp::kAck, kSec));
  }
  // A spoofed SYN flood of 10,000 sources.
  for (uint32_t i = 0; i < 10000; ++i)
    t.update(packet(0x01000000 + i * 7919, 1234, 0x0a000010, 80, 6, decode::tcp::kSyn, 2 * kSec));
  EXPECT_EQ(t.stats().active, 64u);
  EXPECT_GE(t.stats().evicted, 10000u - 56u);
  for (const auto& f : evicted) EXPECT_EQ(f.cls, flow::FlowClass::kTcpHalfOpen);
  // The real flows are still there: their next packet finds them.
  for (uint32_t i = 0; i < 8; ++i) {
    auto u = t.update(packet(0x0a000010 + i, 40000, 0x08080808, 443, 6, decode::tcp::kAck, 3 * kSec));
    EXPECT_FALSE(u.created) << i;
  }
}

TEST(FlowTable, RandomInsertEraseKeepsLookupsCorrect) {
  // Exercises backward-shift deletion: after many expiries every live flow is still found.
  flow::FlowConfig cfg;
  cfg.max_flows = 4096;
  flow::FlowTable t(cfg, core::HashKey{3, 4}, nullptr);
  std::mt19937 rng(42);
  std::map<uint32_t, core::TimeNs> live;  // src ip -> last ts
  core::TimeNs now = kSec;
  for (int round = 0; round < 20000; ++round) {
    uint32_t src = 0x0a000000 + rng() % 3000;
    now += kSec / 50;
    t.expire(now);
    auto u = t.update(packet(src, 1, 0x0a0000fe, 53, 17, 0, now));
    ASSERT_TRUE(u.flow);
    auto it = live.find(src);
    bool alive = it != live.end() && it->second + 60 * kSec > now;
    EXPECT_EQ(u.created, !alive) << round;
    live[src] = now;
  }
  EXPECT_EQ(t.stats().evicted, 0u);
}

TEST(FlowTable, Ipv6AndVlanAreDistinctKeys) {
  flow::FlowTable t({}, core::HashKey{1, 1}, nullptr);
  auto a = packet(0x0a000001, 1, 0x0a000002, 2, 17, 0, kSec);
  auto b = a;
  b.vlan[0] = 10;
  EXPECT_TRUE(t.update(a).created);
  EXPECT_TRUE(t.update(b).created);
  PacketView v6 = a;
  v6.l3 = decode::L3::kIpv6;
  v6.src_ip = *core::IpAddr::parse("fe80::1");
  v6.dst_ip = *core::IpAddr::parse("fe80::2");
  EXPECT_TRUE(t.update(v6).created);
  EXPECT_FALSE(t.update(v6).created);
  EXPECT_EQ(t.stats().active, 3u);
}

TEST(FlowTable, IndexStartsSmallAndGrowsWithLiveFlows) {
  flow::FlowConfig cfg;
  cfg.max_flows = 1u << 20;
  flow::FlowTable t(cfg, core::HashKey{5, 6}, nullptr);
  EXPECT_EQ(t.slot_count(), 1024u);  // not 2M slots up front
  const core::TimeNs now = kSec;
  // 5000 live flows: the index doubles at 50% load, to 16384 slots, and every flow is
  // still found after each rehash.
  for (uint32_t i = 0; i < 5000; ++i) {
    auto u = t.update(packet(0x0a000000 + i, 1000, 0x0a0000fe, 80, 6, decode::tcp::kSyn, now));
    ASSERT_TRUE(u.flow);
    ASSERT_TRUE(u.created) << i;
    EXPECT_LE(t.stats().active * 2, t.slot_count());
  }
  EXPECT_EQ(t.slot_count(), 16384u);
  for (uint32_t i = 0; i < 5000; ++i) {
    // The other direction, so the last-flow shortcut never applies.
    auto u = t.update(packet(0x0a0000fe, 80, 0x0a000000 + i, 1000, 6, decode::tcp::kAck, now));
    ASSERT_TRUE(u.flow);
    EXPECT_FALSE(u.created) << i;
    EXPECT_EQ(u.dir, 1);
  }
  EXPECT_EQ(t.stats().created, 5000u);
}

TEST(FlowTable, IndexGrowthStopsAtTheConfiguredMaximum) {
  flow::FlowConfig cfg;
  cfg.max_flows = 1000;  // at most 2048 slots
  std::vector<flow::EndReason> ended;
  flow::FlowTable t(cfg, core::HashKey{7, 8}, [&](const flow::Flow&, flow::EndReason why) { ended.push_back(why); });
  for (uint32_t i = 0; i < 3000; ++i) {
    auto u = t.update(packet(0x0a000000 + i, 1000, 0x0a0000fe, 53, 17, 0, kSec + i));
    ASSERT_TRUE(u.flow);
    ASSERT_TRUE(u.created);
  }
  EXPECT_EQ(t.slot_count(), 2048u);
  EXPECT_EQ(t.stats().active, 1000u);
  EXPECT_EQ(t.stats().evicted, 2000u);
  // The newest 1000 flows are the live ones.
  for (uint32_t i = 2000; i < 3000; ++i) {
    auto u = t.update(packet(0x0a0000fe, 53, 0x0a000000 + i, 1000, 17, 0, kSec + 3000));
    EXPECT_FALSE(u.created) << i;
  }
}

TEST(FlowTable, LastFlowShortcutSeesExpiryAndReuse) {
  flow::FlowConfig cfg;
  cfg.max_flows = 16;
  flow::FlowTable t(cfg, core::HashKey{9, 10}, nullptr);
  auto a = t.update(packet(0x0a000001, 1, 0x0a000002, 53, 17, 0, kSec));
  auto a2 = t.update(packet(0x0a000001, 1, 0x0a000002, 53, 17, 0, 2 * kSec));
  EXPECT_EQ(a.flow, a2.flow);
  EXPECT_FALSE(a2.created);
  const uint64_t id = a.flow->flow_id;
  // Same key after the one-way UDP timeout (60 s): a new flow, not the cached record.
  auto b = t.update(packet(0x0a000001, 1, 0x0a000002, 53, 17, 0, 100 * kSec));
  EXPECT_TRUE(b.created);
  EXPECT_NE(b.flow->flow_id, id);
  EXPECT_EQ(t.stats().expired, 1u);
}
