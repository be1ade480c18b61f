#include "scan/target.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

namespace sekisho::scan {
namespace {

using core::IpAddr;

IpAddr ip(std::string_view s) {
  auto a = IpAddr::parse(s);
  EXPECT_TRUE(a.has_value()) << s;
  return a.value_or(IpAddr{});
}

Scope scope_of(std::string_view csv) {
  auto s = Scope::parse(csv);
  EXPECT_TRUE(s.ok()) << csv;
  return s.ok() ? s.value() : Scope{};
}

// Answers from a table; names it does not know fail. Counts its calls.
class FakeResolver : public Resolver {
 public:
  std::map<std::string, std::vector<IpAddr>, std::less<>> table;
  int calls = 0;
  core::Result<std::vector<IpAddr>> resolve(std::string_view host) override {
    ++calls;
    auto it = table.find(host);
    if (it == table.end())
      return core::make_error(core::ErrorCode::kNotFound, std::string(host), "Name or service not known");
    return it->second;
  }
};

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/sekisho_target_test_XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Targets : public ::testing::Test {
 protected:
  FakeResolver resolver;
  TargetReport report;

  TargetOptions opts(std::string_view scope, std::vector<std::string> specs) {
    TargetOptions o;
    o.scope = scope_of(scope);
    o.specs = std::move(specs);
    return o;
  }
  TargetSet ok(const TargetOptions& o) {
    auto r = build_targets(o, resolver, &report);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? std::move(r).value() : TargetSet{};
  }
  core::Error fail(const TargetOptions& o) {
    auto r = build_targets(o, resolver, &report);
    EXPECT_FALSE(r.ok()) << "built " << (r.ok() ? r.value().to_string() : "");
    return r.ok() ? core::Error{} : r.error();
  }
  std::vector<std::string> all(const TargetSet& t) {
    std::vector<std::string> out;
    for (uint64_t i = 0; i < t.size() && i < 4096; ++i) out.push_back(t.at(i).to_string());
    return out;
  }
};

// ---- Scope ----

TEST(Scope, ParsesList) {
  auto s = Scope::parse("10.0.0.0/24, 192.168.1.0/24,fd00::/64");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->allowed.size(), 3u);
  EXPECT_EQ(s->to_string(), "10.0.0.0/24,192.168.1.0/24,fd00::/64");
  EXPECT_TRUE(s->contains(ip("10.0.0.77")));
  EXPECT_TRUE(s->contains(ip("192.168.1.255")));
  EXPECT_TRUE(s->contains(ip("fd00::1234")));
  EXPECT_FALSE(s->contains(ip("10.0.1.1")));
  EXPECT_FALSE(s->contains(ip("fd00:0:0:1::1")));
  EXPECT_FALSE(s->contains(IpAddr{}));
}

TEST(Scope, BareAddressIsHostPrefix) {
  auto s = Scope::parse("10.0.0.5");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->to_string(), "10.0.0.5/32");
  EXPECT_TRUE(s->contains(ip("10.0.0.5")));
  EXPECT_FALSE(s->contains(ip("10.0.0.6")));
}

TEST(Scope, ErrorsNameTheItem) {
  auto r = Scope::parse("10.0.0.0/24,10.0.0.300/24");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "--scope: '10.0.0.300/24' is not an address or CIDR prefix");
  EXPECT_FALSE(Scope::parse("").ok());
  EXPECT_FALSE(Scope::parse("  ").ok());
  EXPECT_FALSE(Scope::parse("10.0.0.0/24,").ok());
  EXPECT_FALSE(Scope::parse("10.0.0.0/33").ok());
  EXPECT_FALSE(Scope::parse("example.com").ok());
  EXPECT_FALSE(Scope::parse("fe80::1%eth0").ok());
  EXPECT_NE(Scope::parse("").error().what.find("empty"), std::string::npos);
}

// ---- block list ----

TEST(Blocklist, BuiltinReasons) {
  const Scope none;
  EXPECT_STREQ(blocked_reason(ip("224.0.0.1"), none), "multicast");
  EXPECT_STREQ(blocked_reason(ip("239.255.255.250"), none), "multicast");
  EXPECT_STREQ(blocked_reason(ip("127.0.0.1"), none), "loopback");
  EXPECT_STREQ(blocked_reason(ip("127.255.0.9"), none), "loopback");
  EXPECT_STREQ(blocked_reason(ip("255.255.255.255"), none), "limited broadcast");
  EXPECT_STREQ(blocked_reason(ip("240.0.0.1"), none), "reserved 240.0.0.0/4");
  EXPECT_STREQ(blocked_reason(ip("0.0.0.0"), none), "this-network 0.0.0.0/8");
  EXPECT_STREQ(blocked_reason(ip("0.1.2.3"), none), "this-network 0.0.0.0/8");
  EXPECT_STREQ(blocked_reason(ip("192.0.0.8"), none), "special-purpose 192.0.0.0/24");
  EXPECT_STREQ(blocked_reason(ip("192.0.2.1"), none), "documentation 192.0.2.0/24");
  EXPECT_STREQ(blocked_reason(ip("198.51.100.7"), none), "documentation 198.51.100.0/24");
  EXPECT_STREQ(blocked_reason(ip("203.0.113.9"), none), "documentation 203.0.113.0/24");
  EXPECT_STREQ(blocked_reason(ip("::"), none), "unspecified address");
  EXPECT_STREQ(blocked_reason(ip("::1"), none), "loopback");
  EXPECT_STREQ(blocked_reason(ip("ff02::1"), none), "multicast");
  EXPECT_STREQ(blocked_reason(ip("2001:db8::1"), none), "documentation 2001:db8::/32");
  EXPECT_STREQ(blocked_reason(ip("::ffff:10.0.0.1"), none), "IPv4-mapped ::ffff:0:0/96");
}

TEST(Blocklist, OrdinaryAddressesPass) {
  const Scope none;
  for (auto a : {"10.0.0.1", "192.168.1.10", "172.16.0.1", "100.64.0.1", "169.254.1.1", "8.8.8.8", "192.0.3.1",
                 "223.255.255.254", "fd00::1", "fe80::1", "2001:db9::1", "::2"})
    EXPECT_EQ(blocked_reason(ip(a), none), nullptr) << a;
}

TEST(Blocklist, NetworkAndBroadcastOfScope) {
  const Scope s = scope_of("10.0.0.0/24,192.168.0.0/30,10.9.0.0/31,10.8.0.7/32");
  EXPECT_EQ(std::string(blocked_reason(ip("10.0.0.255"), s)), "broadcast of scope 10.0.0.0/24");
  EXPECT_EQ(std::string(blocked_reason(ip("10.0.0.0"), s)), "network address of scope 10.0.0.0/24");
  EXPECT_EQ(std::string(blocked_reason(ip("192.168.0.3"), s)), "broadcast of scope 192.168.0.0/30");
  EXPECT_EQ(blocked_reason(ip("192.168.0.1"), s), nullptr);
  EXPECT_EQ(blocked_reason(ip("10.0.0.1"), s), nullptr);
  // /31 and /32 have no network or broadcast address.
  EXPECT_EQ(blocked_reason(ip("10.9.0.0"), s), nullptr);
  EXPECT_EQ(blocked_reason(ip("10.9.0.1"), s), nullptr);
  EXPECT_EQ(blocked_reason(ip("10.8.0.7"), s), nullptr);
  // Outside the scope: not this function's business.
  EXPECT_EQ(blocked_reason(ip("10.0.1.255"), s), nullptr);
}

TEST(Blocklist, ListIsExposed) {
  auto list = builtin_blocklist();
  EXPECT_GE(list.size(), 14u);
  bool cgnat = false;
  for (const auto& b : list) cgnat |= b.prefix.contains(ip("100.64.0.1"));
  EXPECT_FALSE(cgnat) << "100.64.0.0/10 is left to the scope";
}

// ---- splitting ----

TEST(Split, CommaRule) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_target_specs("10.0.0.1,10.0.0.5"), (V{"10.0.0.1", "10.0.0.5"}));
  EXPECT_EQ(split_target_specs("10.0.0.1-3"), (V{"10.0.0.1-3"}));
  EXPECT_EQ(split_target_specs("10.0.0.1,5,7-9"), (V{"10.0.0.1,5,7-9"}));
  EXPECT_EQ(split_target_specs("10.0.1,2.5"), (V{"10.0.1,2.5"}));
  EXPECT_EQ(split_target_specs("10.0.0.1,5,cam.lan,10.0.0.0/30"), (V{"10.0.0.1,5", "cam.lan", "10.0.0.0/30"}));
  EXPECT_EQ(split_target_specs("fd00::1,fd00::2"), (V{"fd00::1", "fd00::2"}));
  EXPECT_EQ(split_target_specs("10.0.0.0/24,10.0.1.0/24"), (V{"10.0.0.0/24", "10.0.1.0/24"}));
  EXPECT_EQ(split_target_specs(" a.lan \t b.lan\n"), (V{"a.lan", "b.lan"}));
  EXPECT_EQ(split_target_specs("a.lan,,b.lan,"), (V{"a.lan", "b.lan"}));
  EXPECT_EQ(split_target_specs(""), V{});
  // Inside an octet pattern an empty item stays, so the parser reports it.
  EXPECT_EQ(split_target_specs("10.0.0.1,,5"), (V{"10.0.0.1,,5"}));
}

TEST(Split, SpecFile) {
  auto e = split_spec_file("# lab devices\n10.0.0.1 10.0.0.2  # two\n\n  cam.lan\r\n10.0.0.5,6\n", "hosts.txt");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].spec, "10.0.0.1");
  EXPECT_EQ(e[0].where, "hosts.txt:2");
  EXPECT_EQ(e[1].spec, "10.0.0.2");
  EXPECT_EQ(e[2].spec, "cam.lan");
  EXPECT_EQ(e[2].where, "hosts.txt:4");
  EXPECT_EQ(e[3].spec, "10.0.0.5,6");
  EXPECT_EQ(e[3].where, "hosts.txt:5");
  EXPECT_TRUE(split_spec_file("", "x").empty());
  EXPECT_TRUE(split_spec_file("#only\n# comments", "x").empty());
}

// ---- syntax forms ----

TEST_F(Targets, SingleAddress) {
  auto t = ok(opts("10.0.0.0/24", {"10.0.0.5"}));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.at(0), ip("10.0.0.5"));
  EXPECT_TRUE(t.contains(ip("10.0.0.5")));
  EXPECT_FALSE(t.contains(ip("10.0.0.6")));
  EXPECT_EQ(report.blocked, 0u);
  EXPECT_TRUE(report.notes.empty());
}

TEST_F(Targets, CidrDropsNetworkAndBroadcastOfScope) {
  auto t = ok(opts("10.0.0.0/24", {"10.0.0.0/24"}));
  EXPECT_EQ(t.size(), 254u);
  EXPECT_EQ(t.at(0), ip("10.0.0.1"));
  EXPECT_EQ(t.at(253), ip("10.0.0.254"));
  EXPECT_FALSE(t.contains(ip("10.0.0.0")));
  EXPECT_FALSE(t.contains(ip("10.0.0.255")));
  EXPECT_EQ(report.blocked, 2u);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"skipped 1 address: network address of scope 10.0.0.0/24",
                                                    "skipped 1 address: broadcast of scope 10.0.0.0/24"}));
  EXPECT_EQ(t.range_count(), 1u);
  EXPECT_EQ(t.to_string(), "10.0.0.1-10.0.0.254");
}

TEST_F(Targets, CidrInsideLargerScopeKeepsItsEdges) {
  // The edges of a prefix inside the scope are ordinary hosts of the scope's network.
  auto t = ok(opts("10.0.0.0/16", {"10.0.5.0/24"}));
  EXPECT_EQ(t.size(), 256u);
  EXPECT_EQ(t.at(0), ip("10.0.5.0"));
  EXPECT_EQ(t.at(255), ip("10.0.5.255"));
}

TEST_F(Targets, CidrHostBitsAreCleared) {
  auto t = ok(opts("10.0.0.0/24", {"10.0.0.77/30"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.76", "10.0.0.77", "10.0.0.78", "10.0.0.79"}));
}

TEST_F(Targets, Slash32AndSlash31) {
  EXPECT_EQ(ok(opts("10.0.0.0/24", {"10.0.0.9/32"})).size(), 1u);
  EXPECT_EQ(all(ok(opts("10.0.0.0/24", {"10.0.0.8/31"}))), (std::vector<std::string>{"10.0.0.8", "10.0.0.9"}));
}

TEST_F(Targets, SlashZeroWithWholeScope) {
  auto o = opts("0.0.0.0/0", {"0.0.0.0/0"});
  o.confirmed = true;
  auto t = ok(o);
  const uint64_t expected = (uint64_t{1} << 32) - 2 * (uint64_t{1} << 24)  // 0/8, 127/8
                            - 2 * (uint64_t{1} << 28)                      // 224/4, 240/4
                            - 4 * 256;                                     // 192.0.0/24 and three TEST-NETs
  EXPECT_EQ(t.size(), expected);
  EXPECT_LT(t.range_count(), 16u);
  EXPECT_EQ(t.at(0), ip("1.0.0.0"));
  EXPECT_EQ(t.at(t.size() - 1), ip("223.255.255.255"));
  EXPECT_FALSE(t.contains(ip("127.0.0.1")));
  EXPECT_FALSE(t.contains(ip("198.51.100.1")));
  EXPECT_TRUE(t.contains(ip("8.8.8.8")));
  EXPECT_EQ(report.blocked, (uint64_t{1} << 32) - expected);
}

TEST_F(Targets, OctetRangesAndLists) {
  auto t = ok(opts("10.0.0.0/16", {"10.0.0-3.1,5,7-9"}));
  EXPECT_EQ(t.size(), 20u);
  auto v = all(t);
  EXPECT_EQ(v[0], "10.0.0.1");
  EXPECT_EQ(v[1], "10.0.0.5");
  EXPECT_EQ(v[2], "10.0.0.7");
  EXPECT_EQ(v[4], "10.0.0.9");
  EXPECT_EQ(v[5], "10.0.1.1");
  EXPECT_EQ(v[19], "10.0.3.9");
  EXPECT_EQ(t.range_count(), 12u);  // 1, 5, 7-9 in each of four /24s
}

TEST_F(Targets, OctetListInAMiddleOctet) {
  auto t = ok(opts("10.0.0.0/16", {"10.0.1,3.5"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.1.5", "10.0.3.5"}));
}

TEST_F(Targets, StarAndDashMeanAllValues) {
  EXPECT_EQ(ok(opts("10.0.0.0/16", {"10.0.*.1"})).size(), 256u);
  auto t = ok(opts("10.0.0.0/24", {"10.0.0.*"}));
  EXPECT_EQ(t.size(), 254u);  // the scope's network and broadcast address dropped
  EXPECT_EQ(ok(opts("10.0.0.0/16", {"10.0.-.7"})).size(), 256u);
}

TEST_F(Targets, OpenOctetRanges) {
  EXPECT_EQ(all(ok(opts("10.0.0.0/24", {"10.0.0.-3"}))),
            (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(all(ok(opts("10.0.0.0/24", {"10.0.0.252-"}))),
            (std::vector<std::string>{"10.0.0.252", "10.0.0.253", "10.0.0.254"}));
}

TEST_F(Targets, FullTrailingOctetsFoldIntoOneRange) {
  auto o = opts("10.0.0.0/8", {"10.1.0-3.*", "10.5.*.*"});
  o.confirmed = true;
  auto t = ok(o);
  EXPECT_EQ(t.size(), 4u * 256 + 65536);
  EXPECT_EQ(t.range_count(), 2u);
}

TEST_F(Targets, DuplicatesAndOverlapsMerge) {
  auto t = ok(opts("10.0.0.0/24", {"10.0.0.5", "10.0.0.5", "10.0.0.4-6", "10.0.0.6,7"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"}));
  EXPECT_EQ(t.range_count(), 1u);
}

TEST_F(Targets, SeveralSpecsInOneArgument) {
  auto t = ok(opts("10.0.0.0/24", {"10.0.0.1 10.0.0.2\t10.0.0.3,10.0.0.9"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9"}));
}

TEST_F(Targets, SyntaxErrorsNameTheSpec) {
  const std::pair<const char*, const char*> cases[] = {
      {"10.0.0.256", "target '10.0.0.256': octet '256' is not a number within 0-255"},
      {"10.0.0", "target '10.0.0': expected four dot-separated octets"},
      {"10.0.0.1.2", "target '10.0.0.1.2': more than four octets"},
      {"10.0.0.5-3", "target '10.0.0.5-3': octet range '5-3' is reversed"},
      {"10.0.0.1/33", "target '10.0.0.1/33': prefix length '33' is not within 0-32"},
      {"10.0.0.0/", "target '10.0.0.0/': prefix length '' is not within 0-32"},
      {"10.0.0-1.0/24", "target '10.0.0-1.0/24': a /length needs a plain address, not an octet range"},
      {"10.0.0.1,,5", "target '10.0.0.1,,5': empty item in octet '1,,5'"},
      {"10..0.1", "target '10..0.1': empty octet"},
      {"fd00::zz", "target 'fd00::zz': not a valid IPv6 address"},
      {"fe80::1%eth0", "target 'fe80::1%eth0': IPv6 zone ids are not supported"},
      {"bad!name", "target 'bad!name': not an address, range or host name"},
      {"--confirm-large", "target '--confirm-large': not an address, range or host name"},
      {"cam-.lan", "target 'cam-.lan': not an address, range or host name"},
      {"cam.lan-", "target 'cam.lan-': not an address, range or host name"},
      {"-", "target '-': expected four dot-separated octets"},
      {"0010.0.0.1", "target '0010.0.0.1': octet '0010' is not a number within 0-255"},
  };
  for (const auto& [spec, msg] : cases) {
    auto e = fail(opts("10.0.0.0/8", {spec}));
    EXPECT_EQ(e.message(), msg) << spec;
    EXPECT_EQ(e.code, core::ErrorCode::kInvalidArgument) << spec;
  }
}

TEST_F(Targets, FirstBadSpecIsReported) {
  auto e = fail(opts("10.0.0.0/24", {"10.0.0.1", "10.0.0.999", "nonsense!"}));
  EXPECT_NE(e.what.find("'10.0.0.999'"), std::string::npos);
}

// ---- scope ----

TEST_F(Targets, NoScopeIsRefused) {
  TargetOptions o;
  o.specs = {"10.0.0.1"};
  auto e = fail(o);
  EXPECT_EQ(e.where, "--scope");
  EXPECT_NE(e.what.find("no scope"), std::string::npos);
}

TEST_F(Targets, NoTargetsIsRefused) {
  auto e = fail(opts("10.0.0.0/24", {}));
  EXPECT_EQ(e.what, "no targets given");
  e = fail(opts("10.0.0.0/24", {"  ", ""}));
  EXPECT_EQ(e.what, "no targets given");
}

TEST_F(Targets, OutOfScopeAddressIsRefused) {
  auto e = fail(opts("10.0.0.0/24", {"10.0.0.5", "10.0.1.5"}));
  EXPECT_EQ(e.code, core::ErrorCode::kPermission);
  EXPECT_EQ(e.message(), "target 10.0.1.5 (from '10.0.1.5') is outside the scope 10.0.0.0/24");
}

TEST_F(Targets, PartlyOutOfScopeRangeIsRefused) {
  // One address out is enough: nothing is scanned.
  auto e = fail(opts("10.0.0.0/24", {"10.0.0.0/23"}));
  EXPECT_EQ(e.message(), "target 10.0.1.0 (from '10.0.0.0/23') is outside the scope 10.0.0.0/24");
  e = fail(opts("10.0.0.0/24,10.0.2.0/24", {"10.0.0-2.7"}));
  EXPECT_EQ(e.message(), "target 10.0.1.7 (from '10.0.0-2.7') is outside the scope 10.0.0.0/24,10.0.2.0/24");
  e = fail(opts("10.0.0.128/25", {"10.0.0.*"}));
  EXPECT_EQ(e.message(), "target 10.0.0.0 (from '10.0.0.*') is outside the scope 10.0.0.128/25");
}

TEST_F(Targets, ExclusionsDoNotRescueAnOutOfScopeSpec) {
  auto o = opts("10.0.0.0/24", {"10.0.0.0/23"});
  o.exclude_specs = {"10.0.1.0/24"};
  EXPECT_EQ(fail(o).code, core::ErrorCode::kPermission);
}

TEST_F(Targets, AdjacentScopePrefixesCoverARange) {
  auto t = ok(opts("10.0.0.0/25,10.0.0.128/25", {"10.0.0.0/24"}));
  EXPECT_EQ(t.size(), 252u);  // network and broadcast of both /25s
  EXPECT_FALSE(t.contains(ip("10.0.0.127")));
  EXPECT_FALSE(t.contains(ip("10.0.0.128")));
  EXPECT_EQ(report.notes.size(), 4u);
}

TEST_F(Targets, OutOfScopeIPv6IsRefused) {
  auto e = fail(opts("10.0.0.0/24", {"fd00::1"}));
  EXPECT_EQ(e.message(), "target fd00::1 (from 'fd00::1') is outside the scope 10.0.0.0/24");
  e = fail(opts("fd00::/120", {"fd00::100/120"}));
  EXPECT_EQ(e.code, core::ErrorCode::kPermission);
}

TEST_F(Targets, OutOfScopeFileEntryNamesFileAndLine) {
  TempFile f("10.0.0.1\n# comment\n10.0.0.2 10.9.9.9\n");
  TargetOptions o = opts("10.0.0.0/24", {});
  o.input_files = {f.path()};
  auto e = fail(o);
  EXPECT_EQ(e.where, f.path() + ":3");
  EXPECT_EQ(e.what, "target 10.9.9.9 (from '10.9.9.9') is outside the scope 10.0.0.0/24");
}

// ---- host names ----

TEST_F(Targets, HostNameResolvesIntoScope) {
  resolver.table["cam.lan"] = {ip("10.0.0.20"), ip("fd00::20")};
  auto t = ok(opts("10.0.0.0/24,fd00::/64", {"cam.lan"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.20", "fd00::20"}));
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_EQ(report.notes[0], "host 'cam.lan' is 10.0.0.20, fd00::20");
}

TEST_F(Targets, HostNameOutsideScopeIsRefused) {
  resolver.table["evil.example"] = {ip("10.0.0.20"), ip("93.184.216.34")};
  auto e = fail(opts("10.0.0.0/24", {"evil.example"}));
  EXPECT_EQ(e.code, core::ErrorCode::kPermission);
  EXPECT_EQ(e.message(), "target 93.184.216.34 (from 'evil.example') is outside the scope 10.0.0.0/24");
}

TEST_F(Targets, HostNameResolvingToLoopbackIsRefused) {
  resolver.table["localhost"] = {ip("127.0.0.1"), ip("::1")};
  EXPECT_EQ(fail(opts("10.0.0.0/24", {"localhost"})).code, core::ErrorCode::kPermission);
}

TEST_F(Targets, UnresolvableHostNameIsAnError) {
  auto e = fail(opts("10.0.0.0/24", {"10.0.0.1", "nosuch.lan"}));
  EXPECT_EQ(e.code, core::ErrorCode::kNotFound);
  EXPECT_EQ(e.message(), "target 'nosuch.lan': cannot resolve: Name or service not known");
  resolver.table["empty.lan"] = {};
  e = fail(opts("10.0.0.0/24", {"empty.lan"}));
  EXPECT_EQ(e.message(), "target 'empty.lan': the name resolves to no address");
}

TEST_F(Targets, HostNameWithPrefixLength) {
  resolver.table["gw.lan"] = {ip("10.0.0.9")};
  auto t = ok(opts("10.0.0.0/24", {"gw.lan/30"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11"}));
  EXPECT_NE(report.notes[0].find("/30 each"), std::string::npos);
  resolver.table["gw6.lan"] = {ip("fd00::9")};
  EXPECT_NE(fail(opts("fd00::/64", {"gw6.lan/64"})).what.find("/96 or longer"), std::string::npos);
  EXPECT_NE(fail(opts("10.0.0.0/24", {"gw.lan/64"})).what.find("too long"), std::string::npos);
}

TEST_F(Targets, NumericLookingNamesAreNotResolved) {
  // "10.0.0" is an incomplete address, never handed to the resolver as a name.
  fail(opts("10.0.0.0/24", {"10.0.0"}));
  EXPECT_EQ(resolver.calls, 0);
}

// ---- block list in build_targets ----

TEST_F(Targets, BlockedAddressesInsideScopeAreSkipped) {
  auto t = ok(opts("224.0.0.0/24,10.0.0.0/24", {"224.0.0.1", "10.0.0.7"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.7"}));
  EXPECT_EQ(report.blocked, 1u);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"skipped 1 address: multicast"}));
}

TEST_F(Targets, OnlyBlockedTargetsLeaveNothingToScan) {
  auto e = fail(opts("127.0.0.0/8", {"127.0.0.1"}));
  EXPECT_NE(e.what.find("no targets left"), std::string::npos);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"skipped 1 address: loopback"}));
  EXPECT_NE(fail(opts("240.0.0.0/4", {"255.255.255.255"})).what.find("no targets left"), std::string::npos);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"skipped 1 address: limited broadcast"}));
  EXPECT_NE(fail(opts("ff02::/16", {"ff02::1"})).what.find("no targets left"), std::string::npos);
  EXPECT_NE(fail(opts("10.0.0.0/24", {"10.0.0.255"})).what.find("no targets left"), std::string::npos);
}

TEST_F(Targets, ReservedAndDocumentationRanges) {
  auto o = opts("192.0.0.0/8,240.0.0.0/4", {"192.0.2.0/24", "192.0.3.0/24", "240.0.0.0/24"});
  auto t = ok(o);
  EXPECT_EQ(t.size(), 256u);  // only 192.0.3.0/24 survives
  EXPECT_TRUE(t.contains(ip("192.0.3.0")));
  EXPECT_EQ(report.blocked, 512u);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"skipped 256 addresses: reserved 240.0.0.0/4",
                                                    "skipped 256 addresses: documentation 192.0.2.0/24"}));
}

TEST_F(Targets, IPv4MappedIPv6IsBlocked) {
  auto e = fail(opts("::ffff:0:0/96", {"::ffff:10.0.0.1"}));
  EXPECT_NE(e.what.find("no targets left"), std::string::npos);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"skipped 1 address: IPv4-mapped ::ffff:0:0/96"}));
}

// ---- exclusions ----

TEST_F(Targets, ExcludeCommaListOfAddresses) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1-10"});
  o.exclude_specs = {"10.0.0.1,10.0.0.5"};
  auto t = ok(o);
  EXPECT_EQ(t.size(), 8u);
  EXPECT_FALSE(t.contains(ip("10.0.0.1")));
  EXPECT_FALSE(t.contains(ip("10.0.0.5")));
  EXPECT_EQ(report.excluded, 2u);
}

TEST_F(Targets, ExcludeOctetRangeAndList) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1-10"});
  o.exclude_specs = {"10.0.0.1-3", "10.0.0.8,9"};
  EXPECT_EQ(all(ok(o)), (std::vector<std::string>{"10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.10"}));
  EXPECT_EQ(report.excluded, 5u);
}

TEST_F(Targets, ExcludeMayReachOutsideScope) {
  auto o = opts("10.0.0.0/24", {"10.0.0.0/24"});
  o.exclude_specs = {"10.0.0.128/25,192.168.0.0/16"};
  auto t = ok(o);
  EXPECT_EQ(t.size(), 127u);  // 10.0.0.1-127
  EXPECT_EQ(report.excluded, 128u);
  EXPECT_EQ(report.blocked, 1u);  // the network address; the broadcast was already excluded
}

TEST_F(Targets, ExcludeHostNameAndIPv6) {
  resolver.table["printer.lan"] = {ip("10.0.0.3"), ip("fd00::3")};
  auto o = opts("10.0.0.0/24,fd00::/64", {"10.0.0.1-4", "fd00::/126"});
  o.exclude_specs = {"printer.lan", "fd00::/127"};
  // fd00::/126 is fd00::0-3: ::0 and ::1 by the prefix, ::3 by the name.
  EXPECT_EQ(all(ok(o)), (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.4", "fd00::2"}));
  EXPECT_EQ(report.excluded, 4u);
}

TEST_F(Targets, WideIPv6ExclusionIsFine) {
  auto o = opts("fd00::/64", {"fd00::1"});
  o.exclude_specs = {"::/0"};
  EXPECT_NE(fail(o).what.find("no targets left"), std::string::npos);
  EXPECT_EQ(report.excluded, 1u);
}

TEST_F(Targets, ExcludeFile) {
  TempFile f("# keep the router alive\n10.0.0.1\n10.0.0.2 10.0.0.3 # and these\n");
  auto o = opts("10.0.0.0/24", {"10.0.0.1-5"});
  o.exclude_files = {f.path()};
  EXPECT_EQ(all(ok(o)), (std::vector<std::string>{"10.0.0.4", "10.0.0.5"}));
}

TEST_F(Targets, ExcludeErrorsNameTheSource) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1"});
  o.exclude_specs = {"10.0.0.300"};
  auto e = fail(o);
  EXPECT_EQ(e.where, "--exclude");
  EXPECT_EQ(e.what, "exclusion '10.0.0.300': octet '300' is not a number within 0-255");
  TempFile f("10.0.0.1\n\n10.0.0.x\n");
  o.exclude_specs.clear();
  o.exclude_files = {f.path()};
  e = fail(o);
  EXPECT_EQ(e.where, f.path() + ":3");
}

TEST_F(Targets, EverythingExcluded) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1-3"});
  o.exclude_specs = {"10.0.0.0/24"};
  auto e = fail(o);
  EXPECT_EQ(e.what, "no targets left to scan: 3 addresses given, 3 excluded, 0 blocked");
}

// ---- input files ----

TEST_F(Targets, InputFile) {
  resolver.table["cam.lan"] = {ip("10.0.0.40")};
  TempFile f("# lab\n10.0.0.11 10.0.0.12\n\n10.0.0.13-14   # web\ncam.lan\n10.0.0.20,21\n");
  auto o = opts("10.0.0.0/24", {"10.0.0.1"});
  o.input_files = {f.path()};
  EXPECT_EQ(all(ok(o)), (std::vector<std::string>{"10.0.0.1", "10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14",
                                                  "10.0.0.20", "10.0.0.21", "10.0.0.40"}));
}

TEST_F(Targets, InputFileErrorNamesFileAndLine) {
  TempFile f("10.0.0.1\n10.0.0.2\n# x\n10.0.0.1 10.0.0.256\n");
  auto o = opts("10.0.0.0/24", {});
  o.input_files = {f.path()};
  auto e = fail(o);
  EXPECT_EQ(e.message(), f.path() + ":4: target '10.0.0.256': octet '256' is not a number within 0-255");
  resolver.table.clear();
  TempFile g("nosuch.lan\n");
  o.input_files = {g.path()};
  EXPECT_EQ(fail(o).message(), g.path() + ":1: target 'nosuch.lan': cannot resolve: Name or service not known");
}

TEST_F(Targets, MissingInputFile) {
  auto o = opts("10.0.0.0/24", {});
  o.input_files = {"/nonexistent/sekisho-hosts.txt"};
  auto e = fail(o);
  EXPECT_EQ(e.code, core::ErrorCode::kNotFound);
  EXPECT_EQ(e.where, "/nonexistent/sekisho-hosts.txt");
}

TEST_F(Targets, DirectoryAsInputFile) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1"});
  o.input_files = {"/tmp"};
  EXPECT_EQ(fail(o).message(), "/tmp: is a directory, not a file of targets");
}

TEST_F(Targets, InputFromStdin) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string text = "10.0.0.7 # from a pipe\n10.0.0.8\n";
  ASSERT_EQ(write(fds[1], text.data(), text.size()), ssize_t(text.size()));
  close(fds[1]);
  const int saved = dup(0);
  dup2(fds[0], 0);
  close(fds[0]);
  auto o = opts("10.0.0.0/24", {});
  o.input_files = {"-"};
  auto r = build_targets(o, resolver, &report);
  dup2(saved, 0);
  close(saved);
  std::cin.clear();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(all(r.value()), (std::vector<std::string>{"10.0.0.7", "10.0.0.8"}));
}

// ---- size limits ----

TEST_F(Targets, SlashEightIsCountedNotAllocated) {
  auto o = opts("10.0.0.0/8", {"10.0.0.0/8"});
  o.confirmed = true;
  auto t = ok(o);
  EXPECT_EQ(t.size(), 16777214u);
  EXPECT_EQ(t.range_count(), 1u);
  EXPECT_EQ(t.at(0), ip("10.0.0.1"));
  EXPECT_EQ(t.at(1), ip("10.0.0.2"));
  EXPECT_EQ(t.at(16777213), ip("10.255.255.254"));
  EXPECT_EQ(t.at(16777214), IpAddr{});
  EXPECT_EQ(t.at(8388607), ip("10.128.0.0"));
}

TEST_F(Targets, ConfirmThreshold) {
  // 65,536 is allowed without confirmation.
  EXPECT_EQ(ok(opts("10.0.0.0/8", {"10.1.0.0/16"})).size(), 65536u);
  // 65,537 is not.
  auto o = opts("10.0.0.0/8", {"10.1.0.0/16", "10.2.0.0"});
  auto e = fail(o);
  EXPECT_EQ(e.code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.what, "65537 targets, more than 65536; add --confirm-large to scan them all");
  o.confirmed = true;
  EXPECT_EQ(ok(o).size(), 65537u);
}

TEST_F(Targets, ThresholdCountsWhatIsLeft) {
  // 65,538 given, two blocked: 65,536 remain, no confirmation needed.
  auto o = opts("10.0.0.0/15", {"10.0.0.0/16", "10.1.255.254-255"});
  EXPECT_EQ(ok(o).size(), 65536u);
  EXPECT_EQ(report.blocked, 1u + 1u);
}

TEST_F(Targets, CustomThreshold) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1-20"});
  o.confirm_threshold = 10;
  EXPECT_EQ(fail(o).what, "20 targets, more than 10; add --confirm-large to scan them all");
}

TEST_F(Targets, TooManySeparateRanges) {
  auto o = opts("0.0.0.0/0", {"*.*.*.1"});
  o.confirmed = true;
  auto e = fail(o);
  EXPECT_EQ(e.what,
            "target '*.*.*.1': too many separate address ranges: this spec adds 16777216, the limit is 1048576 in all");
  o = opts("10.0.0.0/8", {"10.0-3.*.1"});
  o.max_ranges = 1000;
  EXPECT_NE(fail(o).what.find("separate address ranges"), std::string::npos);
  o.max_ranges = 1024;
  EXPECT_EQ(ok(o).size(), 1024u);
}

TEST_F(Targets, RangeLimitAppliesAcrossSpecs) {
  auto o = opts("10.0.0.0/24", {"10.0.0.1", "10.0.0.3", "10.0.0.5"});
  o.max_ranges = 2;
  EXPECT_NE(fail(o).what.find("too many separate address ranges"), std::string::npos);
}

// ---- IPv6 ----

TEST_F(Targets, IPv6LiteralAndPrefix) {
  auto t = ok(opts("fd00::/64", {"fd00::5", "fd00::100/120"}));
  EXPECT_EQ(t.size(), 257u);
  EXPECT_EQ(t.at(0), ip("fd00::5"));
  EXPECT_EQ(t.at(1), ip("fd00::100"));
  EXPECT_EQ(t.at(256), ip("fd00::1ff"));
  EXPECT_TRUE(t.contains(ip("fd00::1aa")));
  EXPECT_FALSE(t.contains(ip("fd00::6")));
  EXPECT_FALSE(t.contains(ip("fd00::200")));
  EXPECT_EQ(t.to_string(), "fd00::5, fd00::100-fd00::1ff");
  EXPECT_EQ(report.blocked, 0u);  // no network/broadcast for IPv6
}

TEST_F(Targets, IPv6Slash96IsTheWidest) {
  auto o = opts("fd00::/64", {"fd00::/96"});
  o.confirmed = true;
  auto t = ok(o);
  EXPECT_EQ(t.size(), uint64_t{1} << 32);
  EXPECT_EQ(t.at((uint64_t{1} << 32) - 1), ip("fd00::ffff:ffff"));
  auto e = fail(opts("fd00::/64", {"fd00::/95"}));
  EXPECT_EQ(e.what, "target 'fd00::/95': too many addresses (2^33); IPv6 target prefixes must be /96 or longer");
  EXPECT_NE(fail(opts("fd00::/64", {"fd00::/64"})).what.find("2^64"), std::string::npos);
  EXPECT_NE(fail(opts("fd00::/64", {"fd00::/129"})).what.find("not within 0-128"), std::string::npos);
}

TEST_F(Targets, IPv4ComesBeforeIPv6) {
  auto t = ok(opts("10.0.0.0/24,fd00::/64", {"fd00::1", "10.0.0.9", "fd00::0:2", "10.0.0.2"}));
  EXPECT_EQ(all(t), (std::vector<std::string>{"10.0.0.2", "10.0.0.9", "fd00::1", "fd00::2"}));
  EXPECT_EQ(t.range_count(), 3u);
  EXPECT_EQ(t.range(2).first, ip("fd00::1"));
  EXPECT_EQ(t.range(2).last, ip("fd00::2"));
  EXPECT_EQ(t.range(2).count, 2u);
}

// ---- TargetSet ----

TEST(TargetSet, AtIsAscendingAndConsistent) {
  FakeResolver r;
  TargetOptions o;
  o.scope = scope_of("10.0.0.0/16,fd00::/64");
  o.specs = {"10.0.0-2.1,100-103,254,255", "10.0.7.0/29", "fd00::fff0/124", "fd00::7"};
  auto t = build_targets(o, r);
  ASSERT_TRUE(t.ok()) << t.error().message();
  ASSERT_GT(t->size(), 10u);
  IpAddr prev;
  for (uint64_t i = 0; i < t->size(); ++i) {
    const IpAddr a = t->at(i);
    ASSERT_FALSE(a.empty()) << i;
    EXPECT_TRUE(t->contains(a)) << a.to_string();
    EXPECT_TRUE(o.scope.contains(a)) << a.to_string();
    EXPECT_EQ(blocked_reason(a, o.scope), nullptr) << a.to_string();
    if (!prev.empty()) {
      EXPECT_LE(prev.family, a.family);
      if (prev.family == a.family) {
        EXPECT_LT(prev.b, a.b) << prev.to_string() << " " << a.to_string();
      }
    }
    prev = a;
  }
  uint64_t sum = 0;
  for (size_t i = 0; i < t->range_count(); ++i) sum += t->range(i).count;
  EXPECT_EQ(sum, t->size());
}

TEST(TargetSet, FromAddresses) {
  auto t = TargetSet::from_addresses(
      {ip("10.0.0.3"), ip("10.0.0.1"), ip("10.0.0.2"), ip("fd00::1"), ip("10.0.0.2"), ip("10.0.0.9")});
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.range_count(), 3u);
  EXPECT_EQ(t.to_string(), "10.0.0.1-10.0.0.3, 10.0.0.9, fd00::1");
  EXPECT_EQ(t.to_string(1), "10.0.0.1-10.0.0.3 (+2 more)");
  EXPECT_EQ(t.at(3), ip("10.0.0.9"));
  EXPECT_EQ(t.at(4), ip("fd00::1"));
  EXPECT_EQ(t.at(5), IpAddr{});
  EXPECT_FALSE(t.contains(IpAddr{}));
}

TEST(TargetSet, EmptySet) {
  TargetSet t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.at(0), IpAddr{});
  EXPECT_FALSE(t.contains(ip("10.0.0.1")));
  EXPECT_EQ(t.to_string(), "");
}

TEST(TargetSet, TopOfAddressSpace) {
  auto t = TargetSet::from_addresses(
      {ip("255.255.255.254"), ip("255.255.255.255"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")});
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.range_count(), 2u);
  EXPECT_EQ(t.at(1), ip("255.255.255.255"));
  EXPECT_TRUE(t.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
}

TEST(SystemResolver, NumericLiteralsNeedNoLookup) {
  // Only literals: a name would send a DNS query, and unit tests stay off the network.
  SystemResolver r;
  auto a = r.resolve("10.0.0.1");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a.value(), std::vector<IpAddr>{ip("10.0.0.1")});
  auto b = r.resolve("fd00::1");
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b.value(), std::vector<IpAddr>{ip("fd00::1")});
}

TEST(TargetSet, ReportIsResetEachBuild) {
  FakeResolver r;
  TargetReport rep;
  rep.blocked = 99;
  rep.notes = {"stale"};
  TargetOptions o;
  o.scope = scope_of("10.0.0.0/24");
  o.specs = {"10.0.0.4"};
  ASSERT_TRUE(build_targets(o, r, &rep).ok());
  EXPECT_EQ(rep.blocked, 0u);
  EXPECT_TRUE(rep.notes.empty());
}

}  // namespace
}  // namespace sekisho::scan
