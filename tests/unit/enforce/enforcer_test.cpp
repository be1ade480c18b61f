#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>

#include "enforce/dry_run_enforcer.h"
#include "enforce/fake_enforcer.h"
#include "enforce/gateway_responder.h"
#include "enforce/nft_enforcer.h"
#include "enforce/ruleset.h"
#include "policy/mud.h"

namespace sekisho::enforce {
namespace {

using policy::PeerKind;

core::MacAddr mac(const char* s) { return *core::MacAddr::parse(s); }
core::IpAddr ip(const char* s) { return *core::IpAddr::parse(s); }
const core::MacAddr kCam = mac("00:17:88:5e:c0:01");

GatewayConfig gateway() {
  GatewayConfig g;
  g.lan_ifs = {"lan0", "wlan0"};
  g.local_networks = {*Prefix::parse("10.0.0.0/8"), *Prefix::parse("10.77.1.0/24"), *Prefix::parse("fd00::/8")};
  g.gateway_addrs = {ip("10.77.1.1"), ip("fd00::1")};
  g.console_port = 8443;
  g.controllers["https://controller.example/hub"] = {ip("10.77.1.50"), ip("fd00::50")};
  g.inventory.push_back({mac("00:00:00:00:00:0a"), "https://cams.example.com/cam2.json", {ip("10.77.1.10")}});
  g.dns.push_back({kCam, "allowed.example", ip("10.77.2.4"), 300});
  return g;
}

// A policy that uses every peer kind, protocol shape and direction.
BoundDevice rich_device(const core::MacAddr& m, const char* v4, Mode mode) {
  BoundDevice d;
  d.mac = m;
  d.addrs = {ip(v4)};
  d.policy.mac = m;
  d.policy.mud_url = "https://cams.example.com/cam1.json";
  const PeerKind kinds[] = {PeerKind::kAny,           PeerKind::kNetwork,      PeerKind::kDnsName,
                            PeerKind::kLocalNetworks, PeerKind::kManufacturer, PeerKind::kSameManufacturer,
                            PeerKind::kModel,         PeerKind::kController,   PeerKind::kMyController};
  int n = 0;
  for (PeerKind k : kinds) {
    for (auto dir : {policy::Direction::kFromDevice, policy::Direction::kToDevice}) {
      policy::Rule r;
      r.acl = "acl";
      r.ace = "ace" + std::to_string(n);
      r.direction = dir;
      r.peer.kind = k;
      r.peer.name = k == PeerKind::kDnsName        ? "allowed.example"
                    : k == PeerKind::kManufacturer ? "cams.example.com"
                    : k == PeerKind::kModel        ? "https://cams.example.com/cam2.json"
                    : k == PeerKind::kController   ? "https://controller.example/hub"
                                                   : "";
      if (k == PeerKind::kNetwork) {
        r.peer.net = n % 4 ? ip("192.0.2.0") : ip("2001:db8::");
        r.peer.prefix = n % 4 ? 24 : 32;
      }
      switch (n % 5) {
        case 0: r.protocol = 6, r.dst_port = {443, 443}, r.initiated = policy::Initiator::kDevice; break;
        case 1: r.protocol = 17, r.src_port = {1000, 2000}; break;
        case 2: r.protocol = 1, r.icmp_type = 8; break;
        case 3: r.protocol = 58, r.icmp_type = 128, r.icmp_code = 0; break;
        case 4: r.protocol = 0, r.dst_port = {123, 123}, r.family = 4; break;
      }
      r.accept = n != 7;
      d.policy.rules.push_back(r);
      ++n;
    }
  }
  d.mode = mode;
  return d;
}

// Runs fn in a forked child inside a fresh network namespace, so nothing reaches the
// host's ruleset. Returns the child's exit status; 77 when no namespace could be made.
// What the child writes to `log` comes back.
int in_netns(const std::function<int(std::string&)>& fn, std::string& log) {
  int fds[2];
  if (pipe(fds) != 0) return 77;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return 77;
  if (pid == 0) {
    close(fds[0]);
    int rc = 77;
    std::string out;
    if (unshare(CLONE_NEWNET) == 0) rc = fn(out);
    if (!out.empty() && write(fds[1], out.data(), out.size()) < 0) rc = 99;
    close(fds[1]);
    _exit(rc);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) log.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

#define SKIP_UNLESS_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace"

TEST(FakeEnforcer, RecordsCallsAndKeepsThePreviousTableOnFailure) {
  FakeEnforcer f;
  ASSERT_TRUE(f.apply("table one").ok());
  f.fail_next();
  EXPECT_FALSE(f.apply("table two").ok());
  EXPECT_EQ(f.installed(), "table one");
  ASSERT_TRUE(f.set_mode(kCam, Mode::kQuarantine).ok());
  ASSERT_TRUE(f.add_dns_binding(kCam, "allowed.example", ip("10.77.2.4"), 60).ok());
  ASSERT_TRUE(f.remove().ok());
  EXPECT_EQ(f.installed(), "");
  ASSERT_EQ(f.calls().size(), 5u);
  EXPECT_EQ(f.calls()[2].op, "mode");
  EXPECT_EQ(f.calls()[2].detail, "00:17:88:5e:c0:01 quarantine");
  EXPECT_EQ(f.calls()[3].detail, "00:17:88:5e:c0:01 allowed.example 10.77.2.4 60");
  EXPECT_EQ(f.calls()[4].op, "remove");
}

TEST(Ruleset, DnsBindingsTextIsOneTransactionOfEach) {
  auto text = dns_bindings_text(
      {{kCam, "allowed.example", ip("10.77.2.4"), 60}, {kCam, "allowed.example", ip("2001:db8::4"), 0}});
  auto one = dns_binding_text(kCam, "allowed.example", ip("10.77.2.4"), 60);
  auto two = dns_binding_text(kCam, "allowed.example", ip("2001:db8::4"), 0);
  ASSERT_TRUE(text.ok() && one.ok() && two.ok());
  EXPECT_EQ(*text, *one + *two);
  EXPECT_FALSE(
      dns_bindings_text({{kCam, "allowed.example", ip("10.77.2.4"), 60}, {kCam, "", ip("10.77.2.5"), 0}}).ok());
  auto none = dns_bindings_text({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
}

TEST(DryRunEnforcer, WritesEachTransaction) {
  std::ostringstream out;
  DryRunEnforcer d(out);
  ASSERT_TRUE(d.apply("table inet sekisho {}\n").ok());
  ASSERT_TRUE(d.set_mode(kCam, Mode::kBlock).ok());
  ASSERT_TRUE(d.add_dns_binding(kCam, "allowed.example", ip("10.77.2.4"), 0).ok());
  ASSERT_TRUE(d.remove().ok());
  EXPECT_EQ(out.str(), "table inet sekisho {}\n" + mode_update_text(kCam, Mode::kBlock) +
                           dns_binding_text(kCam, "allowed.example", ip("10.77.2.4"), 0).value() + remove_text());
  EXPECT_FALSE(d.add_dns_binding(kCam, "", ip("10.77.2.4"), 0).ok());
}

// Every mode, with a policy using every peer kind, passes the kernel's check (`nft -c`).
TEST(NftEnforcer, EveryGeneratedRulesetPassesCheck) {
  SKIP_UNLESS_ROOT();
  std::string log;
  const int rc = in_netns(
      [](std::string& out) {
        auto e = NftEnforcer::create();
        if (!e) return out = e.error().message(), 1;
        for (Mode m : {Mode::kAllow, Mode::kQuarantine, Mode::kPause, Mode::kBlock, Mode::kMonitor}) {
          std::vector<BoundDevice> devs = {rich_device(kCam, "10.77.1.2", m),
                                           rich_device(mac("b0:be:76:00:00:02"), "10.77.1.3", Mode::kAllow)};
          auto r = compile_ruleset(devs, gateway());
          if (!r) return out = r.error().message(), 2;
          if (core::Status s = (*e)->check(r->text); !s) return out = s.error().message() + "\n" + r->text, 3;
        }
        auto empty = compile_ruleset({}, gateway());
        if (core::Status s = (*e)->check(empty->text); !s) return out = s.error().message(), 4;
        // Check mode committed nothing.
        if ((*e)->list().ok()) return out = "check mode left a table behind", 5;
        return 0;
      },
      log);
  if (rc == 77) GTEST_SKIP() << "no network namespace";
  EXPECT_EQ(rc, 0) << log;
}

// Every real MUD file in the shared corpus (MUDgee output, NIST conformance files, osMUD
// and Cisco examples), bound together on one gateway, compiles to a table the kernel takes.
TEST(NftEnforcer, RealMudFilesCompileToValidTables) {
  SKIP_UNLESS_ROOT();
  const std::filesystem::path dir = std::filesystem::path(SEKISHO_SHARED_DATA) / "mud";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no MUD corpus at " << dir;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<BoundDevice> devs;
  std::string skipped;
  for (size_t i = 0; i < files.size(); ++i) {
    core::MacAddr m;
    m.b = {0x02, 0x5e, 0, 0, uint8_t(i >> 8), uint8_t(i)};
    auto p = policy::load_policy(files[i].string(), m);
    if (!p) {  // the parser's business; counted here
      skipped += p.error().message() + "\n";
      continue;
    }
    BoundDevice d;
    d.mac = m;
    d.addrs = {core::IpAddr::v4(0x0a4d0100u + uint32_t(i) + 2)};
    d.policy = std::move(*p);
    d.mode = Mode(i % 5);
    devs.push_back(std::move(d));
  }
  ASSERT_GE(devs.size(), files.size() * 3 / 4) << "too few MUD files loaded:\n" << skipped;
  auto r = compile_ruleset(devs, gateway());
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::string log;
  const int rc = in_netns(
      [&](std::string& out) {
        auto e = NftEnforcer::create();
        if (!e) return out = e.error().message(), 1;
        if (core::Status s = (*e)->apply(r->text); !s) return out = s.error().message(), 2;
        return 0;
      },
      log);
  if (rc == 77) GTEST_SKIP() << "no network namespace";
  EXPECT_EQ(rc, 0) << log;
  std::printf("%zu MUD files bound (%zu not loadable), ruleset %zu bytes, %zu warnings\n", devs.size(),
              files.size() - devs.size(), r->text.size(), r->warnings.size());
}

// The same through the nft binary, as an operator would check a --dry-run output.
TEST(NftEnforcer, NftBinaryAcceptsDryRunOutput) {
  SKIP_UNLESS_ROOT();
  if (std::system("command -v nft >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "nft or unshare missing";
  auto r = compile_ruleset({rich_device(kCam, "10.77.1.2", Mode::kAllow)}, gateway());
  ASSERT_TRUE(r.ok());
  char path[] = "/tmp/sekisho-enforce-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, r->text.data(), r->text.size()), ssize_t(r->text.size()));
  close(fd);
  const int rc = std::system(("unshare -n nft -c -f " + std::string(path) + " 2>&1").c_str());
  unlink(path);
  EXPECT_EQ(rc, 0);
}

// All or nothing: a bad ruleset leaves the good one in place; live updates; remove.
TEST(NftEnforcer, ApplyIsAllOrNothingAndUpdatesAreLive) {
  SKIP_UNLESS_ROOT();
  std::string log;
  const int rc = in_netns(
      [](std::string& out) {
        auto e = NftEnforcer::create();
        if (!e) return out = e.error().message(), 1;
        NftEnforcer& nft = **e;
        auto good = compile_ruleset({rich_device(kCam, "10.77.1.2", Mode::kAllow)}, gateway());
        if (core::Status s = nft.apply(good->text); !s) return out = s.error().message(), 2;
        // Applying again replaces, it does not add.
        if (core::Status s = nft.apply(good->text); !s) return out = s.error().message(), 3;
        // A second device, and a rule naming a set that does not exist: the kernel refuses
        // the whole transaction.
        auto second = compile_ruleset({rich_device(kCam, "10.77.1.2", Mode::kAllow),
                                       rich_device(mac("b0:be:76:00:00:02"), "10.77.1.3", Mode::kAllow)},
                                      gateway());
        std::string bad = second->text;
        bad.insert(bad.rfind("\t\tdrop\n"), "\t\tip daddr @no_such_set drop\n");
        core::Status s = nft.apply(bad);
        if (s) return out = "bad ruleset applied", 4;
        if (s.error().what.find("no_such_set") == std::string::npos) return out = s.error().message(), 5;
        auto listed = nft.list();
        if (!listed) return out = listed.error().message(), 6;
        if (listed->find("00:17:88:5e:c0:01 : jump d_0017885ec001_from") == std::string::npos)
          return out = "good table gone:\n" + *listed, 7;
        if (listed->find("b0:be:76") != std::string::npos) return out = "half of the bad table applied", 8;
        // Fast path: mode switch and DNS binding on the live table.
        if (core::Status m = nft.set_mode(kCam, Mode::kQuarantine); !m) return out = m.error().message(), 9;
        if (core::Status d = nft.add_dns_binding(kCam, "allowed.example", ip("10.77.2.9"), 60); !d)
          return out = d.error().message(), 10;
        listed = nft.list();
        if (listed->find("ipv4 : drop, ipv6 : drop") == std::string::npos ||
            listed->find("jump quarantine_in") == std::string::npos)
          return out = "mode not switched:\n" + *listed, 11;
        if (listed->find("10.77.2.9 timeout 1m") == std::string::npos) return out = "no DNS element:\n" + *listed, 12;
        // A device the table does not know, and a name its policy does not use.
        core::Status unknown = nft.set_mode(mac("02:00:00:00:00:99"), Mode::kBlock);
        if (unknown || unknown.error().code != core::ErrorCode::kNotFound) return out = "unknown device accepted", 13;
        core::Status noname = nft.add_dns_binding(kCam, "other.example", ip("10.77.2.9"), 60);
        if (noname || noname.error().what.find("does not name other.example") == std::string::npos)
          return out = noname ? "binding to an unused name accepted" : noname.error().message(), 14;
        // Several bindings, one transaction: all of them, or (one set missing) none.
        if (core::Status b = nft.add_dns_bindings(
                {{kCam, "allowed.example", ip("10.77.2.10"), 30}, {kCam, "Allowed.Example.", ip("2001:db8::10"), 30}});
            !b)
          return out = b.error().message(), 18;
        listed = nft.list();
        if (listed->find("10.77.2.10 timeout 30s") == std::string::npos ||
            listed->find("2001:db8::10 timeout 30s") == std::string::npos)
          return out = "batch not added:\n" + *listed, 19;
        core::Status half = nft.add_dns_bindings(
            {{kCam, "allowed.example", ip("10.77.2.11"), 30}, {kCam, "other.example", ip("10.77.2.12"), 30}});
        if (half || half.error().code != core::ErrorCode::kNotFound) return out = "bad batch accepted", 20;
        if (nft.list()->find("10.77.2.11") != std::string::npos) return out = "half of a batch added", 21;
        if (core::Status r = nft.remove(); !r) return out = r.error().message(), 15;
        if (nft.list().ok()) return out = "table still there after remove", 16;
        if (core::Status r = nft.remove(); !r) return out = "second remove: " + r.error().message(), 17;
        return 0;
      },
      log);
  if (rc == 77) GTEST_SKIP() << "no network namespace";
  EXPECT_EQ(rc, 0) << log;
}

TEST(GatewayResponder, BoundDevicesSwitchModeOthersJoinTheQuarantine) {
  FakeEnforcer fake;
  SerialEnforcer serial(fake);
  GatewayResponder r(serial, {kCam});
  detect::Alert a;
  a.device_ip = ip("10.77.1.9");
  ASSERT_TRUE(r.quarantine(kCam, a));
  ASSERT_TRUE(r.quarantine(mac("02:00:00:00:00:09"), a));
  ASSERT_EQ(fake.calls().size(), 2u);
  EXPECT_EQ(fake.calls()[0].op, "mode");
  EXPECT_EQ(fake.calls()[0].detail, "00:17:88:5e:c0:01 quarantine");
  EXPECT_EQ(fake.calls()[1].op, "quarantine");
  EXPECT_EQ(fake.calls()[1].detail, "02:00:00:00:00:09 10.77.1.9");
}

TEST(Ruleset, QuarantineUnboundTextUsesTheQuarantineVerdicts) {
  const std::string t = quarantine_unbound_text(mac("02:00:00:00:00:09"), {ip("10.77.1.9"), ip("2001:db8::9")});
  EXPECT_EQ(t,
            "add element inet sekisho from_mac { 02:00:00:00:00:09 : drop }\n"
            "add element inet sekisho in_mac { 02:00:00:00:00:09 : jump quarantine_in }\n"
            "add element inet sekisho to4 { 10.77.1.9 : drop }\n"
            "add element inet sekisho to6 { 2001:db8::9 : drop }\n");
}

TEST(NftEnforcer, UnboundDeviceQuarantineIsLive) {
  SKIP_UNLESS_ROOT();
  std::string log;
  const int rc = in_netns(
      [](std::string& out) {
        auto e = NftEnforcer::create();
        if (!e) return out = e.error().message(), 1;
        NftEnforcer& nft = **e;
        if (nft.quarantine_unbound(mac("02:00:00:00:00:09"), {ip("10.77.1.9")}))
          return out = "quarantine without a table accepted", 2;
        auto good = compile_ruleset({rich_device(kCam, "10.77.1.2", Mode::kAllow)}, gateway());
        if (core::Status s = nft.apply(good->text); !s) return out = s.error().message(), 3;
        if (core::Status s = nft.quarantine_unbound(mac("02:00:00:00:00:09"), {ip("10.77.1.9")}); !s)
          return out = s.error().message(), 4;
        auto listed = nft.list();
        if (!listed) return out = listed.error().message(), 5;
        if (listed->find("02:00:00:00:00:09 : drop") == std::string::npos ||
            listed->find("02:00:00:00:00:09 : jump quarantine_in") == std::string::npos ||
            listed->find("10.77.1.9 : drop") == std::string::npos)
          return out = "not quarantined:\n" + *listed, 6;
        return 0;
      },
      log);
  if (rc == 77) GTEST_SKIP() << "no network namespace";
  EXPECT_EQ(rc, 0) << log;
}

}  // namespace
}  // namespace sekisho::enforce
