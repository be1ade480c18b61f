#include "flow/community_id.h"

#include <gtest/gtest.h>

using sekisho::core::IpAddr;
using sekisho::flow::community_id_v1;

namespace {
IpAddr ip(const char* s) { return *IpAddr::parse(s); }
}  // namespace

// Vectors from the Community ID specification's published examples.
TEST(CommunityId, SpecVectors) {
  EXPECT_EQ(community_id_v1(ip("128.232.110.120"), ip("66.35.250.204"), 34855, 80, 6),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(community_id_v1(ip("66.35.250.204"), ip("128.232.110.120"), 80, 34855, 6),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(community_id_v1(ip("8.8.8.8"), ip("192.168.1.52"), 53, 54585, 17), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
  EXPECT_EQ(community_id_v1(ip("192.168.170.8"), ip("192.168.170.56"), 7, 7, 132), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
  EXPECT_EQ(community_id_v1(ip("192.168.0.89"), ip("192.168.0.1"), 8, 0, 1), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  EXPECT_EQ(community_id_v1(ip("fe80::260:97ff:fe07:69ea"), ip("ff02::1"), 134, 0, 58),
            "1:pkvHqCL88/tg1k4cPigmZXUtL00=");
  EXPECT_EQ(community_id_v1(ip("2001:470:e5bf:dead:4957:2174:e82c:4887"), ip("2607:f8b0:400c:c03::1a"), 63943, 25, 6),
            "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
}

TEST(CommunityId, IcmpReplyMatchesRequest) {
  EXPECT_EQ(community_id_v1(ip("192.168.0.1"), ip("192.168.0.89"), 0, 0, 1), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
}
