#include "scan/ports.h"

#include <gtest/gtest.h>

namespace sekisho::scan {
namespace {

using Ports = std::vector<uint16_t>;

PortList ok(std::string_view spec) {
  auto r = parse_ports(spec);
  EXPECT_TRUE(r.ok()) << spec << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? r.value() : PortList{};
}

std::string err(std::string_view spec) {
  auto r = parse_ports(spec);
  EXPECT_FALSE(r.ok()) << spec;
  return r.ok() ? "" : r.error().message();
}

TEST(Ports, ProtoNames) {
  EXPECT_STREQ(proto_name(Proto::kTcp), "tcp");
  EXPECT_STREQ(proto_name(Proto::kUdp), "udp");
}

TEST(Ports, PlainListIsTcpSortedUnique) {
  auto p = ok("80,22,80,23");
  EXPECT_EQ(p.tcp, (Ports{22, 23, 80}));
  EXPECT_TRUE(p.udp.empty());
  EXPECT_EQ(p.size(), 3u);
}

TEST(Ports, Ranges) {
  auto p = ok("22,80,8000-8100");
  ASSERT_EQ(p.tcp.size(), 2u + 101u);
  EXPECT_EQ(p.tcp.front(), 22);
  EXPECT_EQ(p.tcp[2], 8000);
  EXPECT_EQ(p.tcp.back(), 8100);
}

TEST(Ports, OverlappingRangesMerge) {
  auto p = ok("10-20,15-25,20");
  EXPECT_EQ(p.tcp.size(), 16u);
  EXPECT_EQ(p.tcp.front(), 10);
  EXPECT_EQ(p.tcp.back(), 25);
}

TEST(Ports, ProtocolPrefixes) {
  auto p = ok("T:22,80,U:161,1900");
  EXPECT_EQ(p.tcp, (Ports{22, 80}));
  EXPECT_EQ(p.udp, (Ports{161, 1900}));
  EXPECT_EQ(p.of(Proto::kUdp), (Ports{161, 1900}));
  EXPECT_EQ(p.of(Proto::kTcp), (Ports{22, 80}));
}

TEST(Ports, UdpOnly) {
  auto p = ok("U:161");
  EXPECT_TRUE(p.tcp.empty());
  EXPECT_EQ(p.udp, (Ports{161}));
}

TEST(Ports, PrefixSwitchesBackAndForth) {
  auto p = ok("U:53,T:22,U:161,T:23-24");
  EXPECT_EQ(p.tcp, (Ports{22, 23, 24}));
  EXPECT_EQ(p.udp, (Ports{53, 161}));
}

TEST(Ports, LowercasePrefixAndSpaces) {
  auto p = ok(" t:22 , u: 161 ");
  EXPECT_EQ(p.tcp, (Ports{22}));
  EXPECT_EQ(p.udp, (Ports{161}));
}

TEST(Ports, AllPorts) {
  for (auto spec : {"-", "1-65535", "1-", "-65535"}) {
    auto p = ok(spec);
    EXPECT_EQ(p.tcp.size(), 65535u) << spec;
    EXPECT_EQ(p.tcp.front(), 1) << spec;
    EXPECT_EQ(p.tcp.back(), 65535) << spec;
    EXPECT_TRUE(p.udp.empty());
  }
  EXPECT_EQ(ok("U:-").udp.size(), 65535u);
}

TEST(Ports, OpenRanges) {
  EXPECT_EQ(ok("-3").tcp, (Ports{1, 2, 3}));
  EXPECT_EQ(ok("65534-").tcp, (Ports{65534, 65535}));
}

TEST(Ports, Limits) {
  EXPECT_EQ(ok("1").tcp, (Ports{1}));
  EXPECT_EQ(ok("65535").tcp, (Ports{65535}));
}

TEST(Ports, ErrorsNameTheToken) {
  EXPECT_EQ(err("22,70000"), "--ports: '70000' is not a port");
  EXPECT_EQ(err("0"), "--ports: '0' is not a port");
  EXPECT_NE(err("0-10").find("'0' is not a port"), std::string::npos);
  EXPECT_NE(err("http").find("'http'"), std::string::npos);
  EXPECT_NE(err("100-10").find("'100-10' is a reversed range"), std::string::npos);
  EXPECT_NE(err("22,,80").find("empty item"), std::string::npos);
  EXPECT_NE(err("22,").find("empty item"), std::string::npos);
  EXPECT_NE(err("U:").find("empty item"), std::string::npos);
  EXPECT_NE(err("S:80").find("SCTP"), std::string::npos);
  EXPECT_NE(err("P:6").find("not supported"), std::string::npos);
  EXPECT_NE(err("X:80").find("unknown protocol"), std::string::npos);
  EXPECT_NE(err("-5-").find("is not a port"), std::string::npos);
  EXPECT_NE(err("+22").find("'+22'"), std::string::npos);
  EXPECT_NE(err("123456").find("'123456' is not a port"), std::string::npos);
  EXPECT_NE(err("").find("empty port specification"), std::string::npos);
  EXPECT_NE(err("   ").find("empty port specification"), std::string::npos);
}

TEST(Ports, ErrorCodeAndWhere) {
  auto r = parse_ports("abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().where, "--ports");
}

TEST(Ports, BinaryInputIsQuotedSafely) {
  const std::string spec("8\x01\xff", 3);
  auto r = parse_ports(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what,
            "'8?"
            "?' is not a port");
}

TEST(Ports, DefaultIotSet) {
  auto p = default_iot_ports();
  EXPECT_EQ(p.tcp, (Ports{21, 22, 23, 80, 81, 443, 554, 1883, 2323, 5000, 7547, 8000, 8080, 8081, 8443, 8883, 37215,
                          49152, 52869}));
  EXPECT_EQ(p.udp, (Ports{161, 1900, 5683}));
  EXPECT_EQ(p.size(), 22u);
  EXPECT_TRUE(std::is_sorted(p.tcp.begin(), p.tcp.end()));
}

TEST(Ports, ToStringFoldsRuns) {
  EXPECT_EQ(ok("23,21,22,80,U:161").to_string(), "T:21-23,80,U:161");
  EXPECT_EQ(ok("U:1900").to_string(), "U:1900");
  EXPECT_EQ(PortList{}.to_string(), "");
}

TEST(Ports, ToStringRoundTrips) {
  for (auto spec : {"T:22,80,8000-8100,U:161,1900", "-", "U:1-10,20", "1,3,5-7,65535"}) {
    auto a = ok(spec);
    auto b = ok(a.to_string());
    EXPECT_EQ(a.tcp, b.tcp) << spec;
    EXPECT_EQ(a.udp, b.udp) << spec;
  }
  auto d = default_iot_ports();
  auto back = ok(d.to_string());
  EXPECT_EQ(back.tcp, d.tcp);
  EXPECT_EQ(back.udp, d.udp);
}

}  // namespace
}  // namespace sekisho::scan
