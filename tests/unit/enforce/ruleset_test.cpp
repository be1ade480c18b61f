#include "enforce/ruleset.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::enforce {
namespace {

using policy::Direction;
using policy::Initiator;
using policy::PeerKind;
using policy::Rule;

core::MacAddr mac(const char* s) { return *core::MacAddr::parse(s); }
core::IpAddr ip(const char* s) { return *core::IpAddr::parse(s); }

const core::MacAddr kCam = mac("00:17:88:5e:c0:01");
const core::MacAddr kPlug = mac("b0:be:76:00:00:02");

Rule tcp_to_net(const char* net, uint8_t prefix, uint16_t port) {
  Rule r;
  r.acl = "from-cam";
  r.ace = "cloud";
  r.protocol = 6;
  r.family = 4;
  r.peer.kind = PeerKind::kNetwork;
  r.peer.net = ip(net);
  r.peer.prefix = prefix;
  r.dst_port = {port, port};
  return r;
}

Rule peer_rule(PeerKind kind, std::string name, Direction dir = Direction::kFromDevice) {
  Rule r;
  r.acl = "acl";
  r.ace = "ace";
  r.direction = dir;
  r.protocol = 17;
  r.peer.kind = kind;
  r.peer.name = std::move(name);
  return r;
}

GatewayConfig gateway() {
  GatewayConfig g;
  g.lan_ifs = {"lan0"};
  g.local_networks = {*Prefix::parse("10.77.1.0/24"), *Prefix::parse("fd00:77::/64")};
  g.gateway_addrs = {ip("10.77.1.1")};
  g.console_port = 8443;
  return g;
}

BoundDevice camera(Mode mode = Mode::kAllow) {
  BoundDevice d;
  d.mac = kCam;
  d.addrs = {ip("10.77.1.2"), ip("fd00:77::2")};
  d.policy.mac = kCam;
  d.policy.mud_url = "https://cams.example.com/cam1.json";
  d.policy.rules.push_back(tcp_to_net("10.77.2.2", 32, 8080));
  Rule dns = peer_rule(PeerKind::kDnsName, "Allowed.Example.");
  dns.protocol = 6;
  dns.dst_port = {443, 443};
  d.policy.rules.push_back(dns);
  d.mode = mode;
  return d;
}

std::string compile_ok(const std::vector<BoundDevice>& devs, const GatewayConfig& g = gateway()) {
  auto r = compile_ruleset(devs, g);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? r->text : "";
}

// The `elements = { ... }` line of a named map or set.
std::string elements_of(const std::string& text, const std::string& name) {
  const size_t at = text.find("\t" + name + " {\n");
  if (at == std::string::npos) return "<no " + name + ">";
  const size_t end = text.find("\n\t}", at);
  const std::string body = text.substr(at, end - at);
  const size_t e = body.find("elements = { ");
  if (e == std::string::npos) return "";
  return body.substr(e + 13, body.find(" }", e) - e - 13);
}

// The body of a chain.
std::string chain(const std::string& text, const std::string& name) {
  const size_t at = text.find("\tchain " + name + " {\n");
  if (at == std::string::npos) return "<no chain " + name + ">";
  return text.substr(at, text.find("\n\t}", at) - at);
}

TEST(Ruleset, AtomicReplaceHeaderAndBaseChains) {
  const std::string t = compile_ok({camera()});
  EXPECT_EQ(t.find("table inet sekisho {}\ndelete table inet sekisho\ntable inet sekisho {\n"), t.find("table"));
  EXPECT_NE(chain(t, "forward").find("type filter hook forward priority filter; policy accept;"), std::string::npos);
  EXPECT_NE(chain(t, "forward").find("iifname { \"lan0\" } ether saddr vmap @from_mac"), std::string::npos);
  EXPECT_NE(chain(t, "forward").find("oifname { \"lan0\" } ip daddr vmap @to4"), std::string::npos);
  EXPECT_NE(chain(t, "forward").find("oifname { \"lan0\" } ip6 daddr vmap @to6"), std::string::npos);
  EXPECT_NE(chain(t, "input").find("type filter hook input priority filter; policy accept;"), std::string::npos);
  EXPECT_EQ(elements_of(t, "set local4"), "10.77.1.0/24");
  EXPECT_EQ(elements_of(t, "set local6"), "fd00:77::/64");
  EXPECT_EQ(elements_of(t, "map from_mac"), "00:17:88:5e:c0:01 : jump d_0017885ec001_from");
  EXPECT_EQ(elements_of(t, "map in_mac"), "00:17:88:5e:c0:01 : jump d_0017885ec001_in");
  EXPECT_EQ(elements_of(t, "map to4"), "10.77.1.2 : jump d_0017885ec001_to");
  EXPECT_EQ(elements_of(t, "map to6"), "fd00:77::2 : jump d_0017885ec001_to");
  EXPECT_EQ(t, compile_ok({camera()})) << "output must be deterministic";
}

TEST(Ruleset, AllowListRulesThenDefaultDrop) {
  const std::string t = compile_ok({camera()});
  const std::string af = chain(t, "d_0017885ec001_af");
  const std::string dns4 = dns_set_name(kCam, "allowed.example", 4);
  EXPECT_NE(af.find("ct state established,related return\n"), std::string::npos);
  EXPECT_NE(af.find("ip daddr 10.77.2.2 tcp dport 8080 return comment \"from-cam/cloud\""), std::string::npos) << af;
  EXPECT_NE(af.find("ip daddr @" + dns4 + " tcp dport 443 return"), std::string::npos) << af;
  EXPECT_NE(af.find("ip6 daddr @" + dns_set_name(kCam, "allowed.example", 6) + " tcp dport 443 return"),
            std::string::npos);
  EXPECT_EQ(af.substr(af.size() - 7), "\n\t\tdrop") << "the default drop comes last";
  // The input side: established, the gateway's services, the same rules with accept, drop.
  const std::string ai = chain(t, "d_0017885ec001_ai");
  EXPECT_NE(ai.find("jump gw_services"), std::string::npos);
  EXPECT_NE(ai.find("ip daddr 10.77.2.2 tcp dport 8080 accept"), std::string::npos) << ai;
  // The DNS sets exist, are timeout sets, and are named from MAC + name only.
  EXPECT_NE(t.find("set " + dns4 + " {\n\t\ttype ipv4_addr\n\t\tflags timeout\n"), std::string::npos);
  EXPECT_EQ(dns4, dns_set_name(kCam, "ALLOWED.example.", 4));
  EXPECT_EQ(dns4.rfind("d_0017885ec001_dns_", 0), 0u);
  // Gateway services: DHCP, DNS, console.
  const std::string gs = chain(t, "gw_services");
  EXPECT_NE(gs.find("udp dport { 67, 547 } accept"), std::string::npos);
  EXPECT_NE(gs.find("udp dport 53 accept"), std::string::npos);
  EXPECT_NE(gs.find("tcp dport 53 accept"), std::string::npos);
  EXPECT_NE(gs.find("tcp dport 8443 accept"), std::string::npos);
}

TEST(Ruleset, EachModeSetsTheThreeModeMaps) {
  struct Case {
    Mode mode;
    const char *from, *to, *in;
  } cases[] = {
      {Mode::kAllow, "jump d_0017885ec001_af", "jump d_0017885ec001_at", "jump d_0017885ec001_ai"},
      {Mode::kQuarantine, "drop", "drop", "jump quarantine_in"},
      {Mode::kPause, "jump pause_from", "jump pause_to", "accept"},
      {Mode::kBlock, "drop", "drop", "drop"},
      {Mode::kMonitor, "return", "return", "accept"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(mode_name(c.mode)));
    const std::string t = compile_ok({camera(c.mode)});
    auto both = [](const char* v) { return std::string("ipv4 : ") + v + ", ipv6 : " + v; };
    EXPECT_EQ(elements_of(t, "map d_0017885ec001_mf"), both(c.from));
    EXPECT_EQ(elements_of(t, "map d_0017885ec001_mt"), both(c.to));
    EXPECT_EQ(elements_of(t, "map d_0017885ec001_mi"), both(c.in));
    // Every mode keeps the allow-list chains, so that set_mode can switch back.
    EXPECT_NE(t.find("chain d_0017885ec001_af {"), std::string::npos);
    // The fast path writes the same verdicts into the live maps.
    const std::string upd = mode_update_text(kCam, c.mode);
    EXPECT_NE(upd.find("flush map inet sekisho d_0017885ec001_mf\nadd element inet sekisho d_0017885ec001_mf { " +
                       both(c.from) + " }\n"),
              std::string::npos)
        << upd;
    EXPECT_NE(upd.find("add element inet sekisho d_0017885ec001_mi { " + both(c.in) + " }"), std::string::npos);
  }
  const std::string t = compile_ok({camera()});
  EXPECT_EQ(chain(t, "quarantine_in"), "\tchain quarantine_in {\n\t\tjump gw_services\n\t\tdrop");
  EXPECT_NE(chain(t, "pause_from").find("ip daddr @local4 return\n\t\tip6 daddr @local6 return\n\t\tdrop"),
            std::string::npos);
  EXPECT_NE(chain(t, "pause_to").find("ip saddr @local4 return\n\t\tip6 saddr @local6 return\n\t\tdrop"),
            std::string::npos);
}

TEST(Ruleset, UnboundDevicesAreUntouched) {
  const std::string t = compile_ok({});
  EXPECT_EQ(elements_of(t, "map from_mac"), "");
  EXPECT_EQ(elements_of(t, "map to4"), "");
  EXPECT_EQ(t.find("d_"), std::string::npos);
}

TEST(Ruleset, DirectionInitiated) {
  BoundDevice d = camera();
  d.policy.rules.clear();
  Rule out = tcp_to_net("10.77.2.2", 32, 8080);
  out.initiated = Initiator::kDevice;  // the device opens: allowed from its side
  Rule back = out;
  back.direction = Direction::kToDevice;  // the same ACE in the to-device policy
  back.dst_port = {};
  back.src_port = {8080, 8080};
  Rule in = tcp_to_net("10.77.2.3", 32, 22);
  in.ace = "ssh-in";
  in.direction = Direction::kToDevice;
  in.initiated = Initiator::kRemote;  // the remote opens: allowed towards the device
  in.dst_port = {22, 22};
  Rule in_reply = in;
  in_reply.direction = Direction::kFromDevice;
  d.policy.rules = {out, back, in, in_reply};
  const std::string t = compile_ok({d});
  const std::string af = chain(t, "d_0017885ec001_af"), at = chain(t, "d_0017885ec001_at");
  EXPECT_NE(af.find("ip daddr 10.77.2.2 tcp dport 8080 ct state new return"), std::string::npos) << af;
  EXPECT_EQ(at.find("10.77.2.2"), std::string::npos) << "device-initiated: no new connection towards the device";
  EXPECT_NE(at.find("established only (direction-initiated from-device)"), std::string::npos);
  EXPECT_NE(at.find("ip saddr 10.77.2.3 tcp dport 22 ct state new return"), std::string::npos) << at;
  EXPECT_EQ(af.find("10.77.2.3"), std::string::npos) << "remote-initiated: the device may not open it";
}

TEST(Ruleset, ProtocolsPortsFamilies) {
  BoundDevice d = camera();
  Rule icmp;
  icmp.acl = "a";
  icmp.ace = "ping";
  icmp.protocol = 1;
  icmp.icmp_type = 8;
  icmp.icmp_code = 0;
  Rule range = peer_rule(PeerKind::kAny, "");
  range.dst_port = {1000, 2000};
  Rule ports_any_proto = peer_rule(PeerKind::kAny, "");
  ports_any_proto.protocol = 0;
  ports_any_proto.dst_port = {123, 123};
  Rule esp = peer_rule(PeerKind::kAny, "");
  esp.protocol = 50;
  Rule v6 = peer_rule(PeerKind::kNetwork, "");
  v6.peer.net = ip("2001:db8::1");
  v6.peer.prefix = 48;
  Rule deny = tcp_to_net("10.9.9.9", 32, 25);
  deny.accept = false;
  Rule eth;
  eth.acl = "a";
  eth.ace = "arp";
  eth.ethertype = 0x0806;
  Rule eth_ip4 = peer_rule(PeerKind::kLocalNetworks, "");  // MUDgee: "eth": {"ethertype": "0x0800"}
  eth_ip4.ethertype = 0x0800;
  eth_ip4.dst_port = {32108, 32108};
  d.policy.rules = {icmp, range, ports_any_proto, esp, v6, deny, eth, eth_ip4};
  auto r = compile_ruleset({d}, gateway());
  ASSERT_TRUE(r.ok());
  const std::string af = chain(r->text, "d_0017885ec001_af");
  EXPECT_NE(af.find("icmp type 8 icmp code 0 return"), std::string::npos) << af;
  EXPECT_EQ(af.find("icmpv6"), std::string::npos) << "ICMPv4 only in IPv4";
  EXPECT_NE(af.find("\t\tudp dport 1000-2000 return"), std::string::npos) << af;
  EXPECT_NE(af.find("meta l4proto { tcp, udp } th dport 123 return"), std::string::npos);
  EXPECT_NE(af.find("\t\tmeta l4proto 50 return"), std::string::npos);
  EXPECT_NE(af.find("ip6 daddr 2001:db8::/48 meta l4proto udp return"), std::string::npos) << af;
  EXPECT_EQ(af.find("ip daddr 2001"), std::string::npos);
  EXPECT_NE(af.find("ip daddr 10.9.9.9 tcp dport 25 drop"), std::string::npos);
  EXPECT_NE(af.find("# a/arp: ethertype rule not enforced here"), std::string::npos);
  EXPECT_NE(af.find("ip daddr @local4 udp dport 32108 return"), std::string::npos);
  EXPECT_EQ(af.find("ip6 daddr @local6 udp dport 32108"), std::string::npos);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("ethertype 0x0806"), std::string::npos) << r->warnings[0];
}

TEST(Ruleset, UntrustedNamesCannotBreakOut) {
  BoundDevice d = camera();
  d.policy.rules[0].ace = "x\" accept\n}\nchain evil {";
  const std::string t = compile_ok({d});
  EXPECT_EQ(t.find("\nchain evil"), std::string::npos);
  EXPECT_EQ(t.find("\" accept\n"), std::string::npos);
  EXPECT_NE(t.find("comment \"from-cam/x_ accept___chain evil _\""), std::string::npos);
}

TEST(Ruleset, ErrorsNameWhatFailed) {
  GatewayConfig g = gateway();
  g.lan_ifs.clear();
  auto r = compile_ruleset({camera()}, g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "option --lan-if");
  g.lan_ifs = {"lan0\" accept"};
  r = compile_ruleset({camera()}, g);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("not a valid interface name"), std::string::npos);
  r = compile_ruleset({camera(), camera()}, gateway());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "device 00:17:88:5e:c0:01");
  BoundDevice other = camera();
  other.mac = kPlug;
  other.addrs = {ip("10.77.1.2")};
  r = compile_ruleset({camera(), other}, gateway());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("10.77.1.2 is also claimed by 00:17:88:5e:c0:01"), std::string::npos)
      << r.error().message();
}

TEST(Ruleset, AbstractionsResolveFromInventoryAndConfig) {
  GatewayConfig g = gateway();
  g.inventory.push_back({mac("00:00:00:00:00:0a"), "https://Cams.Example.com:443/cam2.json", {ip("10.77.1.10")}});
  g.inventory.push_back({mac("00:00:00:00:00:0b"), "https://other.example/x.json", {ip("10.77.1.11")}});
  g.inventory.push_back({mac("00:00:00:00:00:0c"), "https://cams.example.com/cam1.json", {ip("fd00:77::12")}});
  g.controllers["https://controller.example/hub"] = {ip("10.77.1.50")};
  g.controllers["https://cams.example.com/cam1.json"] = {ip("10.77.1.60")};  // my-controller
  BoundDevice d = camera();
  auto resolve = [&](PeerKind k, std::string name) {
    policy::Peer p;
    p.kind = k;
    p.name = std::move(name);
    std::string out;
    for (const auto& a : resolve_abstraction(p, d.policy, {d}, g)) out += a.to_string() + " ";
    return out;
  };
  EXPECT_EQ(resolve(PeerKind::kManufacturer, "cams.example.com"), "10.77.1.2 10.77.1.10 fd00:77::2 fd00:77::12 ");
  EXPECT_EQ(resolve(PeerKind::kSameManufacturer, ""), "10.77.1.2 10.77.1.10 fd00:77::2 fd00:77::12 ");
  EXPECT_EQ(resolve(PeerKind::kModel, "https://cams.example.com/cam1.json"), "10.77.1.2 fd00:77::2 fd00:77::12 ");
  EXPECT_EQ(resolve(PeerKind::kController, "https://controller.example/hub"), "10.77.1.50 ");
  EXPECT_EQ(resolve(PeerKind::kController, "urn:ietf:params:mud:dns"), "10.77.1.1 ");
  EXPECT_EQ(resolve(PeerKind::kController, "urn:ietf:params:mud:gateway"), "10.77.1.1 ");
  EXPECT_EQ(resolve(PeerKind::kController, "https://unknown.example"), "");
  EXPECT_EQ(resolve(PeerKind::kMyController, ""), "10.77.1.60 ");
  EXPECT_EQ(resolve(PeerKind::kMyController, "https://cams.example.com/cam1.json"), "10.77.1.60 ");

  // In the ruleset: one named set pair per abstraction, shared, with those elements.
  d.policy.rules = {peer_rule(PeerKind::kManufacturer, "cams.example.com"),
                    peer_rule(PeerKind::kController, "https://controller.example/hub", Direction::kToDevice),
                    peer_rule(PeerKind::kLocalNetworks, "")};
  const std::string t = compile_ok({d}, g);
  const std::string af = chain(t, "d_0017885ec001_af");
  const size_t at = af.find("ip daddr @mfg_");
  ASSERT_NE(at, std::string::npos) << af;
  const std::string set = af.substr(at + 10, af.find(' ', at + 10) - at - 10);  // mfg_xxxxxxxx_4
  EXPECT_EQ(elements_of(t, "set " + set), "10.77.1.2, 10.77.1.10");
  EXPECT_NE(af.find("ip daddr @local4 meta l4proto udp return"), std::string::npos);
  EXPECT_NE(af.find("ip6 daddr @local6 meta l4proto udp return"), std::string::npos);
  EXPECT_NE(chain(t, "d_0017885ec001_at").find("ip saddr @ctl_"), std::string::npos);
}

TEST(Ruleset, DnsBindings) {
  GatewayConfig g = gateway();
  g.dns.push_back({kCam, "allowed.example", ip("10.77.2.4"), 300});
  g.dns.push_back({kCam, "ALLOWED.example.", ip("2001:db8::4"), 0});
  g.dns.push_back({kCam, "unused.example", ip("10.77.2.5"), 0});
  auto r = compile_ruleset({camera()}, g);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(elements_of(r->text, "set " + dns_set_name(kCam, "allowed.example", 4)), "10.77.2.4 timeout 300s");
  EXPECT_EQ(elements_of(r->text, "set " + dns_set_name(kCam, "allowed.example", 6)), "2001:db8::4");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("unused.example"), std::string::npos);

  auto upd = dns_binding_text(kCam, "allowed.example", ip("10.77.2.9"), 60);
  ASSERT_TRUE(upd.ok());
  const std::string set = "inet sekisho " + dns_set_name(kCam, "allowed.example", 4);
  EXPECT_EQ(*upd, "add element " + set + " { 10.77.2.9 }\ndelete element " + set + " { 10.77.2.9 }\nadd element " +
                      set + " { 10.77.2.9 timeout 60s }\n");
  EXPECT_FALSE(dns_binding_text(kCam, ".", ip("10.77.2.9"), 60).ok());
}

TEST(Ruleset, ValueHelpers) {
  EXPECT_EQ(Prefix::parse("10.77.1.5/24")->to_string(), "10.77.1.0/24");
  EXPECT_EQ(Prefix::parse("10.77.1.5")->to_string(), "10.77.1.5");
  EXPECT_EQ(Prefix::parse("fd00:77::1/64")->to_string(), "fd00:77::/64");
  EXPECT_EQ(Prefix::parse("10.0.0.0/8")->to_string(), "10.0.0.0/8");
  EXPECT_FALSE(Prefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(Prefix::parse("10.0.0.0/"));
  EXPECT_FALSE(Prefix::parse("nope/8"));
  EXPECT_EQ(device_tag(kCam), "d_0017885ec001");
  EXPECT_EQ(parse_mode("pause-internet"), Mode::kPause);
  EXPECT_EQ(parse_mode("allow-list"), Mode::kAllow);
  EXPECT_FALSE(parse_mode("off"));
  EXPECT_EQ(remove_text(), "table inet sekisho {}\ndelete table inet sekisho\n");
}

}  // namespace
}  // namespace sekisho::enforce
