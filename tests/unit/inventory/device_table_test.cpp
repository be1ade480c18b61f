#include "inventory/device_table.h"

#include <gtest/gtest.h>

using namespace sekisho;
using decode::PacketView;

namespace {
const core::MacAddr kCam = *core::MacAddr::parse("b0:c5:54:25:5b:0e");
const core::MacAddr kGw = *core::MacAddr::parse("00:11:22:33:44:55");

PacketView ip_packet(core::MacAddr src, core::MacAddr dst, const char* sip, const char* dip, core::TimeNs ts) {
  PacketView pv;
  pv.has_eth = true;
  pv.src_mac = src;
  pv.dst_mac = dst;
  pv.l3 = decode::L3::kIpv4;
  pv.src_ip = *core::IpAddr::parse(sip);
  pv.dst_ip = *core::IpAddr::parse(dip);
  pv.ts = ts;
  pv.wirelen = 100;
  return pv;
}

std::vector<std::string> drain(inventory::DeviceTable& t) {
  std::vector<std::string> out;
  t.drain_changes(0, 0, [&](const inventory::Device& d) {
    std::string s = d.mac.to_string() + (d.is_new ? " new" : " updated");
    for (const auto& c : d.changed) s += " " + c;
    out.push_back(s);
  });
  return out;
}
}  // namespace

TEST(DeviceTable, NewDeviceThenUpdates) {
  inventory::OuiRegistry oui;
  ASSERT_TRUE(oui.load_csv_text("Registry,Assignment,Organization Name\nMA-L,B0C554,D-Link International\n", "t"));
  inventory::DeviceTable t({}, &oui, nullptr, core::HashKey{1, 2});
  auto pv = ip_packet(kCam, kGw, "192.168.0.20", "52.1.2.3", 1);
  EXPECT_EQ(t.observe(pv), 1u);
  auto ev = drain(t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], "b0:c5:54:25:5b:0e new");
  const auto& d = t.devices()[0];
  EXPECT_EQ(d.vendor, "D-Link International");
  ASSERT_EQ(d.addresses.size(), 1u);
  EXPECT_EQ(d.addresses[0].ip.to_string(), "192.168.0.20");
  EXPECT_EQ(d.addresses[0].source, inventory::AddrSource::kTraffic);
  // Same packet again: no change, no event.
  t.observe(pv);
  EXPECT_TRUE(drain(t).empty());
  EXPECT_EQ(t.devices()[0].pkts_out, 2u);

  // ARP from the device confirms its address (source upgraded, no new address).
  PacketView arp;
  arp.has_eth = true;
  arp.src_mac = kCam;
  arp.dst_mac = *core::MacAddr::parse("ff:ff:ff:ff:ff:ff");
  arp.l3 = decode::L3::kArp;
  arp.arp.op = 1;
  arp.arp.sha = kCam;
  arp.arp.spa = *core::IpAddr::parse("192.168.0.21");
  arp.ts = 2;
  t.observe(arp);
  ev = drain(t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], "b0:c5:54:25:5b:0e updated addresses");
  EXPECT_EQ(t.devices()[0].addresses[1].source, inventory::AddrSource::kArp);
}

TEST(DeviceTable, DhcpIdentity) {
  inventory::DeviceTable t({}, nullptr, nullptr, core::HashKey{1, 2});
  decode::DhcpInfo h;
  h.version = 4;
  h.op = 1;
  h.msg_type = 1;
  h.chaddr = kCam;
  h.hostname = "DCS-930L";
  h.vendor_class = "udhcp 1.19.4";
  const uint8_t params[] = {1, 3, 6, 12, 15, 28, 42};
  std::copy(std::begin(params), std::end(params), h.params);
  h.param_count = sizeof params;
  h.mud_url = "https://mud.example.com/cam.json";
  auto pv = ip_packet(kCam, *core::MacAddr::parse("ff:ff:ff:ff:ff:ff"), "0.0.0.0", "255.255.255.255", 5);
  pv.app = decode::AppKind::kDhcp;
  pv.dhcp = &h;
  t.observe(pv);
  const auto& d = t.devices()[0];
  EXPECT_EQ(d.hostname, "DCS-930L");
  EXPECT_EQ(d.hostname_source, "dhcp");
  EXPECT_EQ(d.dhcp.params, "1,3,6,12,15,28,42");
  EXPECT_EQ(d.dhcp.vendor_class, "udhcp 1.19.4");
  EXPECT_EQ(d.mud_url, "https://mud.example.com/cam.json");
  EXPECT_TRUE(d.addresses.empty());  // 0.0.0.0 is not an address

  // The server's ACK binds the offered address to the client's MAC.
  decode::DhcpInfo ack = h;
  ack.op = 2;
  ack.msg_type = 5;
  ack.yiaddr = *core::IpAddr::parse("192.168.0.50");
  auto pv2 = ip_packet(kGw, kCam, "192.168.0.1", "192.168.0.50", 6);
  pv2.app = decode::AppKind::kDhcp;
  pv2.dhcp = &ack;
  t.observe(pv2);
  ASSERT_EQ(t.devices()[0].addresses.size(), 1u);
  EXPECT_EQ(t.devices()[0].addresses[0].source, inventory::AddrSource::kDhcp);
}

TEST(DeviceTable, RandomizedMacAndGatewayDetection) {
  inventory::DeviceTable t({}, nullptr, nullptr, core::HashKey{1, 2});
  auto phone = *core::MacAddr::parse("da:a1:19:01:02:03");
  t.observe(ip_packet(phone, kGw, "192.168.0.30", "1.1.1.1", 1));
  EXPECT_TRUE(t.devices()[0].randomized);
  EXPECT_EQ(t.devices()[0].vendor, "");
  // The router sends traffic from many Internet addresses: not learned as its own.
  for (int i = 0; i < 20; ++i) {
    std::string src = "93.184.216." + std::to_string(i);
    t.observe(ip_packet(kGw, phone, src.c_str(), "192.168.0.30", 2));
  }
  const auto& gw = t.devices()[1];
  EXPECT_TRUE(gw.addresses.empty());
  EXPECT_EQ(gw.remote_sources, 8u);
}

TEST(DeviceTable, BoundedDevices) {
  inventory::DeviceTableConfig cfg;
  cfg.max_devices = 4;
  inventory::DeviceTable t(cfg, nullptr, nullptr, core::HashKey{1, 2});
  for (int i = 0; i < 10; ++i) {
    core::MacAddr m = kCam;
    m.b[5] = uint8_t(i);
    t.observe(ip_packet(m, kGw, "10.0.0.1", "10.0.0.2", i));
  }
  EXPECT_EQ(t.devices().size(), 4u);
  EXPECT_EQ(t.stats().dropped_new, 6u);
}

TEST(DeviceTable, UpdatesAreCoalescedPerGap) {
  inventory::DeviceTable t({}, nullptr, nullptr, core::HashKey{1, 2});
  const core::TimeNs s = core::kNsPerSec;
  int events = 0;
  std::vector<std::string> last_changed;
  auto drain_at = [&](core::TimeNs now) {
    t.drain_changes(now, 30 * s, [&](const inventory::Device& d) {
      ++events;
      last_changed = d.changed;
    });
  };
  t.observe(ip_packet(kCam, kGw, "192.168.0.20", "52.1.2.3", 1 * s));
  drain_at(1 * s);
  EXPECT_EQ(events, 1);  // new: at once
  t.observe(ip_packet(kCam, kGw, "192.168.0.21", "52.1.2.3", 2 * s));
  drain_at(2 * s);
  EXPECT_EQ(events, 1);  // updated 1 s after the last report: held back
  EXPECT_TRUE(t.has_changes());
  t.observe(ip_packet(kCam, kGw, "192.168.0.22", "52.1.2.3", 20 * s));
  drain_at(31 * s);
  EXPECT_EQ(events, 2);  // one event carrying both changes
  EXPECT_EQ(last_changed, std::vector<std::string>{"addresses"});
  EXPECT_FALSE(t.has_changes());
}

// The class and its evidence follow what each packet taught: a host name announced over
// mDNS classifies the device at once (not only when some later message happens to
// reclassify it), one from DHCP (ranked above mDNS) replaces it, and the same DHCP
// message again changes nothing.
TEST(DeviceTable, ClassFollowsEachHostNameAsItIsLearned) {
  auto c = inventory::Classifier::parse(R"({"rules":[
      {"field":"hostname","contains":"dcs-","class":"camera","weight":5},
      {"field":"hostname","contains":"plug","class":"plug","weight":4}]})",
                                        "rules.json");
  ASSERT_TRUE(c) << c.error().message();
  inventory::DeviceTable t({}, nullptr, &*c, core::HashKey{1, 2});
  t.observe(ip_packet(kCam, kGw, "192.168.0.20", "52.1.2.3", 1));
  const auto& d = t.devices()[0];
  EXPECT_EQ(d.cls, inventory::DeviceClass::kUnknown);

  decode::DnsMessage m;
  m.is_response = true;
  m.record_count = 1;
  m.records[0].name.append("DCS-935L-B0C554255B0E.local");
  m.records[0].type = 1;
  m.records[0].addr = *core::IpAddr::parse("192.168.0.20");
  auto mdns = ip_packet(kCam, *core::MacAddr::parse("01:00:5e:00:00:fb"), "192.168.0.20", "224.0.0.251", 2);
  mdns.app = decode::AppKind::kMdns;
  mdns.dns = &m;
  t.observe(mdns);
  EXPECT_EQ(d.hostname, "DCS-935L-B0C554255B0E");
  EXPECT_EQ(d.cls, inventory::DeviceClass::kCamera);
  ASSERT_EQ(d.evidence.size(), 1u);
  EXPECT_EQ(d.evidence[0].value, "DCS-935L-B0C554255B0E");

  decode::DhcpInfo h;
  h.version = 4;
  h.op = 1;
  h.msg_type = 3;
  h.chaddr = kCam;
  h.hostname = "smartplug";
  auto dhcp = ip_packet(kCam, *core::MacAddr::parse("ff:ff:ff:ff:ff:ff"), "0.0.0.0", "255.255.255.255", 3);
  dhcp.app = decode::AppKind::kDhcp;
  dhcp.dhcp = &h;
  t.observe(dhcp);
  EXPECT_EQ(d.hostname, "smartplug");
  EXPECT_EQ(d.cls, inventory::DeviceClass::kPlug);
  ASSERT_EQ(d.evidence.size(), 1u);
  EXPECT_EQ(d.evidence[0].value, "smartplug");
  dhcp.ts = 4;
  t.observe(dhcp);
  EXPECT_EQ(d.cls, inventory::DeviceClass::kPlug);
  ASSERT_EQ(d.evidence.size(), 1u);
  EXPECT_EQ(d.evidence[0].value, "smartplug");
}
