#include <gtest/gtest.h>

#include <string>

#include "app_test_util.h"
#include "decode/app/app.h"

namespace sekisho::decode {
namespace {

using test::Bytes;

ParseStatus parse(std::string_view text, SsdpInfo& out) {
  return parse_ssdp(reinterpret_cast<const uint8_t*>(text.data()), text.size(), out);
}

TEST(Ssdp, RealWeMoNotify) {
  // Belkin WeMo switch, WeMoSwitch/Setup-A-1-STA.pcap frame 16.
  Bytes msg = test::read_sample("wemo-ssdp-notify.bin");
  ASSERT_EQ(msg.size(), 381u);
  SsdpInfo s;
  ASSERT_EQ(parse_ssdp(msg.data(), msg.size(), s), ParseStatus::kOk);
  EXPECT_EQ(s.start_line, "NOTIFY * HTTP/1.1");
  EXPECT_EQ(s.method, "NOTIFY");
  EXPECT_EQ(s.server, "Unspecified, UPnP/1.0, Unspecified");
  EXPECT_EQ(s.location, "http://10.10.10.252:49153/setup.xml");
  EXPECT_EQ(s.nt, "upnp:rootdevice");
  EXPECT_EQ(s.nts, "ssdp:alive");
  EXPECT_EQ(s.usn, "uuid:Socket-1_0-221519K1100F55::upnp:rootdevice");
  EXPECT_TRUE(s.user_agent.empty());  // X-User-Agent is another header
}

TEST(Ssdp, MSearchStGoesToNt) {
  SsdpInfo s;
  ASSERT_EQ(parse("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
                  "MX: 1\r\nST: urn:dial-multiscreen-org:service:dial:1\r\n"
                  "USER-AGENT: Google Chrome/60.0 Windows\r\n\r\n",
                  s),
            ParseStatus::kOk);
  EXPECT_EQ(s.method, "M-SEARCH");
  EXPECT_EQ(s.nt, "urn:dial-multiscreen-org:service:dial:1");
  EXPECT_EQ(s.user_agent, "Google Chrome/60.0 Windows");
}

TEST(Ssdp, ResponseWithCaseInsensitiveTrimmedHeaders) {
  SsdpInfo s;
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nCache-Control: max-age=100\r\nserver:   Linux/3.14.0 UPnP/1.0 "
                  "IpBridge/1.9.0  \r\nLocation:\thttp://10.10.10.6:80/description.xml\r\n"
                  "st: upnp:rootdevice\r\nUsn: uuid:2f402f80-da50-11e1-9b23-0017882476ff\r\n\r\n",
                  s),
            ParseStatus::kOk);
  EXPECT_TRUE(s.method.empty());
  EXPECT_EQ(s.start_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(s.server, "Linux/3.14.0 UPnP/1.0 IpBridge/1.9.0");
  EXPECT_EQ(s.location, "http://10.10.10.6:80/description.xml");
  EXPECT_EQ(s.nt, "upnp:rootdevice");
  EXPECT_EQ(s.usn, "uuid:2f402f80-da50-11e1-9b23-0017882476ff");
}

TEST(Ssdp, MissingFinalCrlfAndBareLf) {
  SsdpInfo s;
  ASSERT_EQ(parse("NOTIFY * HTTP/1.1\r\nNT: a\r\nSERVER: last-line", s), ParseStatus::kOk);
  EXPECT_EQ(s.nt, "a");
  EXPECT_EQ(s.server, "last-line");
  ASSERT_EQ(parse("NOTIFY * HTTP/1.1\nNTS: ssdp:byebye\nUSN: uuid:x\n", s), ParseStatus::kOk);
  EXPECT_EQ(s.nts, "ssdp:byebye");
  EXPECT_EQ(s.usn, "uuid:x");
}

TEST(Ssdp, StopsAtBlankLineAndSkipsJunk) {
  SsdpInfo s;
  ASSERT_EQ(parse("NOTIFY * HTTP/1.1\r\nnot a header\r\n: no name\r\nNT: first\r\nNT: second\r\n"
                  "\r\nSERVER: body",
                  s),
            ParseStatus::kOk);
  EXPECT_EQ(s.nt, "first");
  EXPECT_TRUE(s.server.empty());
}

TEST(Ssdp, NotSsdp) {
  SsdpInfo s;
  EXPECT_EQ(parse("", s), ParseStatus::kNotMine);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n\r\n", s), ParseStatus::kNotMine);
  EXPECT_EQ(parse("NOTIFY /path HTTP/1.1\r\n\r\n", s), ParseStatus::kNotMine);
  EXPECT_EQ(parse(std::string_view("\x16\x03\x01\x00", 4), s), ParseStatus::kNotMine);
  EXPECT_TRUE(s.start_line.empty());
}

TEST(Ssdp, EveryTruncationIsConsistent) {
  Bytes msg = test::read_sample("wemo-ssdp-notify.bin");
  ASSERT_FALSE(msg.empty());
  SsdpInfo s;
  const size_t prefix = std::string_view("NOTIFY * HTTP/1.").size();
  test::for_each_prefix(msg, [&](const uint8_t* p, size_t n) {
    ParseStatus st = parse_ssdp(p, n, s);
    EXPECT_EQ(st, n < prefix ? ParseStatus::kNotMine : ParseStatus::kOk) << n;
  });
}

TEST(Ssdp, ReuseResetsFields) {
  Bytes msg = test::read_sample("wemo-ssdp-notify.bin");
  SsdpInfo s;
  ASSERT_EQ(parse_ssdp(msg.data(), msg.size(), s), ParseStatus::kOk);
  ASSERT_EQ(parse("M-SEARCH * HTTP/1.1\r\n\r\n", s), ParseStatus::kOk);
  EXPECT_TRUE(s.server.empty());
  EXPECT_TRUE(s.usn.empty());
  EXPECT_TRUE(s.location.empty());
}

}  // namespace
}  // namespace sekisho::decode
