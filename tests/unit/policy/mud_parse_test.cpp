// parse_mud: every real MUD file in the shared data, the draft spellings they use, and
// errors that name the JSON path of the offending field.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "mud_test_util.h"
#include "policy/mud.h"

namespace sekisho::policy {
namespace {

using nlohmann::json;
using testing::shared_mud_dir;
using testing::shared_mud_files;

// A small valid RFC 8520 file: acl/0 is from-device (tcp, udp), acl/1 to-device.
constexpr const char* kBase = R"({
  "ietf-mud:mud": {
    "mud-version": 1,
    "mud-url": "https://lighting.example.com/lightbulb2000",
    "last-update": "2018-03-02T11:20:51+01:00",
    "cache-validity": 48,
    "is-supported": true,
    "systeminfo": "The BMS Example Lightbulb",
    "from-device-policy": {"access-lists": {"access-list": [{"name": "fr"}]}},
    "to-device-policy": {"access-lists": {"access-list": [{"name": "to"}]}}
  },
  "ietf-access-control-list:acls": {
    "acl": [
      {"name": "fr", "type": "ipv4-acl-type", "aces": {"ace": [
        {"name": "cl0-frdev",
         "matches": {"ipv4": {"ietf-acldns:dst-dnsname": "service.example.com", "protocol": 6},
                     "tcp": {"ietf-mud:direction-initiated": "from-device",
                             "destination-port": {"operator": "eq", "port": 443}}},
         "actions": {"forwarding": "accept"}},
        {"name": "loc0-frdev",
         "matches": {"ietf-mud:mud": {"local-networks": [null]}, "ipv4": {"protocol": 17},
                     "udp": {"destination-port": {"operator": "eq", "port": 5683}}},
         "actions": {"forwarding": "accept"}}]}},
      {"name": "to", "type": "ipv4-acl-type", "aces": {"ace": [
        {"name": "cl0-todev",
         "matches": {"ipv4": {"ietf-acldns:src-dnsname": "service.example.com", "protocol": 6},
                     "tcp": {"ietf-mud:direction-initiated": "from-device",
                             "source-port": {"operator": "eq", "port": 443}}},
         "actions": {"forwarding": "accept"}}]}}
    ]
  }
})";

constexpr const char* kAce0 = "/ietf-access-control-list:acls/acl/0/aces/ace/0";
constexpr const char* kAce1 = "/ietf-access-control-list:acls/acl/0/aces/ace/1";

// kBase with one field set (or, for a discarded value, removed) at a JSON pointer.
std::string with(const std::string& pointer, const json& value) {
  json doc = json::parse(kBase);
  if (value.is_discarded()) {
    const json::json_pointer ptr(pointer);
    doc[ptr.parent_pointer()].erase(ptr.back());
  } else {
    doc[json::json_pointer(pointer)] = value;
  }
  return doc.dump();
}

json removed() { return json(json::value_t::discarded); }

// The first error's text, or "" if the input parsed.
std::string first_error(const std::string& text) {
  auto r = parse_mud(text, "t.json");
  return r.ok() ? std::string() : r.error().what;
}

TEST(MudParse, BaseDocumentIsValid) {
  std::vector<core::Error> warnings;
  auto r = parse_mud(kBase, "base.json", &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(warnings.empty()) << warnings.front().message();
  EXPECT_EQ(r->acls.size(), 2u);
  EXPECT_EQ(r->ace_count(), 3u);
  const Ace& ace = r->acls[0].aces[0];
  ASSERT_TRUE(ace.matches.ipv4 && ace.matches.tcp);
  EXPECT_EQ(ace.matches.ipv4->dst_dnsname, "service.example.com");
  EXPECT_EQ(ace.matches.tcp->dst_port, (PortMatch{PortOperator::kEq, 443, 0}));
  EXPECT_EQ(ace.matches.tcp->initiated, Direction::kFromDevice);
  ASSERT_TRUE(r->acls[0].aces[1].matches.mud);
  EXPECT_EQ(r->acls[0].aces[1].matches.mud->kind, Abstraction::kLocalNetworks);
}

TEST(MudParse, EverySharedFileParses) {
  const auto files = shared_mud_files();
  EXPECT_EQ(files.size(), 34u);  // 33 .json + osMUD's MUDFILE.NEST
  for (const auto& f : files) {
    std::vector<core::Error> warnings;
    auto r = load_mud_file(f, &warnings);
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (r.ok()) {
      EXPECT_FALSE(r->acls.empty()) << f;
      EXPECT_TRUE(r->mud_url.starts_with("https://")) << f;
    }
  }
}

TEST(MudParse, LuminaireModel) {
  auto r = load_mud_file(shared_mud_dir() + "/cisco/Luminaire_150.json");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->mud_url, "https://luminaire.example.com/Luminaire_150");
  EXPECT_EQ(r->cache_validity, 48);
  EXPECT_EQ(r->systeminfo, "MUD-enabled Luminaire");
  EXPECT_EQ(r->from_device_policy, std::vector<std::string>{"mud-21966-v4fr"});
  EXPECT_EQ(r->to_device_policy, std::vector<std::string>{"mud-21966-v4to"});
  EXPECT_EQ(r->ace_count(), 6u);
  ASSERT_NE(r->find_acl("mud-21966-v4to"), nullptr);
  EXPECT_EQ(r->find_acl("mud-21966-v4to")->aces[1].matches.mud->kind, Abstraction::kMyController);
}

// osMUD's Nest example predates RFC 8520: acl-name, rule-name, ipv4-acl, port ranges inside
// the L3 container, ietf-mud:mud-acl and ietf-mud:same-manufacturer straight in matches,
// no mud-version. Real tools accept it, so do we, with warnings.
TEST(MudParse, DraftNestFileParsesWithWarnings) {
  std::vector<core::Error> warnings;
  auto r = load_mud_file(shared_mud_dir() + "/osmud/MUDFILE.NEST", &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(warnings.empty());
  bool draft = false;
  for (const auto& w : warnings) draft |= w.what.find("draft spelling") != std::string::npos;
  EXPECT_TRUE(draft);
  ASSERT_EQ(r->acls.size(), 4u);
  const Acl* acl = r->find_acl("mud-74378-v4fr");
  ASSERT_NE(acl, nullptr);
  EXPECT_EQ(acl->type, AclType::kIpv4);
  ASSERT_EQ(acl->aces.size(), 3u);
  EXPECT_EQ(acl->aces[0].name, "cl0-frdev");
  ASSERT_TRUE(acl->aces[0].matches.tcp);  // moved from ipv4-acl/destination-port-range
  EXPECT_EQ(acl->aces[0].matches.tcp->dst_port, (PortMatch{PortOperator::kRange, 9543, 9543}));
  EXPECT_EQ(acl->aces[1].matches.mud->kind, Abstraction::kMyController);
  EXPECT_EQ(acl->aces[2].matches.mud->kind, Abstraction::kSameManufacturer);
}

TEST(MudParse, DraftLightbulbMergesPortsWithDirectionInitiated) {
  auto r = load_mud_file(shared_mud_dir() + "/osmud/lightbulb2000.json");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const Acl* acl = r->find_acl("mud-45782-v6fr");
  ASSERT_NE(acl, nullptr);
  const auto& m = acl->aces[0].matches;
  ASSERT_TRUE(m.ipv6 && m.tcp);
  EXPECT_EQ(m.tcp->dst_port, (PortMatch{PortOperator::kEq, 443, 0}));
  EXPECT_EQ(m.tcp->initiated, Direction::kFromDevice);
}

TEST(MudParse, MudgeeEthernetAclAndHexEthertype) {
  std::vector<core::Error> warnings;
  auto r = load_mud_file(shared_mud_dir() + "/mudgee-barmey/uk_yi_cameraMud.json", &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message();
  bool arp = false;
  for (const auto& acl : r->acls) {
    if (acl.type != AclType::kEth) continue;
    for (const auto& ace : acl.aces) arp |= ace.matches.eth && ace.matches.eth->ethertype == 0x0806;
  }
  EXPECT_TRUE(arp);
  bool spelled = false;
  for (const auto& w : warnings) spelled |= w.what.find("ethernet-acl-type") != std::string::npos;
  EXPECT_TRUE(spelled);
}

struct BadCase {
  const char* name;
  std::string pointer;
  json value;
  std::string expected;  // the start of Error::what: the path, then the message
};

TEST(MudParse, ErrorsNameTheJsonPath) {
  const std::string a0 = kAce0, a1 = kAce1;
  const BadCase cases[] = {
      {"port as a string", a0 + "/matches/tcp/destination-port/port", "http",
       a0 + "/matches/tcp/destination-port/port: expected an integer 0..65535, got \"http\""},
      {"port out of range", a0 + "/matches/tcp/destination-port/port", 70000,
       a0 + "/matches/tcp/destination-port/port: expected an integer 0..65535, got 70000"},
      {"negative port", a0 + "/matches/tcp/destination-port/port", -1,
       a0 + "/matches/tcp/destination-port/port: expected an integer 0..65535, got -1"},
      {"prefix /33", a0 + "/matches/ipv4/destination-ipv4-network", "10.0.0.0/33",
       a0 + "/matches/ipv4/destination-ipv4-network: expected an IPv4 prefix"},
      {"IPv6 prefix in ipv4", a0 + "/matches/ipv4/destination-ipv4-network", "2001:db8::/32",
       a0 + "/matches/ipv4/destination-ipv4-network: expected an IPv4 prefix"},
      {"protocol 256", a0 + "/matches/ipv4/protocol", 256,
       a0 + "/matches/ipv4/protocol: expected an integer 0..255, got 256"},
      {"protocol as string", a0 + "/matches/ipv4/protocol", "6",
       a0 + "/matches/ipv4/protocol: expected an integer 0..255, got \"6\""},
      {"protocol disagrees with tcp", a0 + "/matches/ipv4/protocol", 17,
       a0 + "/matches/ipv4/protocol: protocol 17 with a tcp match"},
      {"unknown abstraction", a1 + "/matches/ietf-mud:mud", json{{"neighbours", json::array({nullptr})}},
       a1 + "/matches/ietf-mud:mud/neighbours: unknown abstraction \"neighbours\""},
      {"empty leaf not [null]", a1 + "/matches/ietf-mud:mud/local-networks", true,
       a1 + "/matches/ietf-mud:mud/local-networks: expected [null]"},
      {"bad action", a0 + "/actions/forwarding", "permit",
       a0 + "/actions/forwarding: expected accept, drop or reject, got \"permit\""},
      {"missing ACL", "/ietf-mud:mud/from-device-policy/access-lists/access-list/0/name", "nope",
       "/ietf-mud:mud/from-device-policy/access-lists/access-list/0/name: no ACL named \"nope\""},
      {"direction-initiated under udp", a1 + "/matches/udp/ietf-mud:direction-initiated", "from-device",
       a1 + "/matches/udp/ietf-mud:direction-initiated: ietf-mud:direction-initiated is only valid under tcp"},
      {"bad direction-initiated", a0 + "/matches/tcp/ietf-mud:direction-initiated", "both",
       a0 + "/matches/tcp/ietf-mud:direction-initiated: expected from-device or to-device"},
      {"http mud-url", "/ietf-mud:mud/mud-url", "http://lighting.example.com/lightbulb2000",
       "/ietf-mud:mud/mud-url: the MUD URL must use https"},
      {"mud-url not a string", "/ietf-mud:mud/mud-url", 5, "/ietf-mud:mud/mud-url: expected a string, got 5"},
      {"missing mud-url", "/ietf-mud:mud/mud-url", removed(), "/ietf-mud:mud/mud-url: missing (mandatory)"},
      {"mud-version 2", "/ietf-mud:mud/mud-version", 2, "/ietf-mud:mud/mud-version: mud-version 2 is not supported"},
      {"cache-validity 0", "/ietf-mud:mud/cache-validity", 0,
       "/ietf-mud:mud/cache-validity: expected an integer 1..168, got 0"},
      {"bad last-update", "/ietf-mud:mud/last-update", "yesterday",
       "/ietf-mud:mud/last-update: expected a date-and-time"},
      {"is-supported as string", "/ietf-mud:mud/is-supported", "yes",
       "/ietf-mud:mud/is-supported: expected true or false, got \"yes\""},
      {"unknown key in matches", a0 + "/matches/ipv5", json::object(),
       a0 + "/matches/ipv5: unknown member \"ipv5\" in matches"},
      {"unknown key in tcp", a0 + "/matches/tcp/window", 5, a0 + "/matches/tcp/window: unknown member \"window\""},
      {"unsupported ttl", a0 + "/matches/ipv4/ttl", 64,
       a0 + "/matches/ipv4/ttl: matching on ipv4 ttl is not supported"},
      {"bad operator", a0 + "/matches/tcp/destination-port/operator", "lt",
       a0 + "/matches/tcp/destination-port/operator: expected eq, lte, gte or neq"},
      {"range upside down", a0 + "/matches/tcp/destination-port", json{{"lower-port", 90}, {"upper-port", 80}},
       a0 + "/matches/tcp/destination-port/upper-port: upper-port 80 is below lower-port 90"},
      {"operator and range", a0 + "/matches/tcp/destination-port",
       json{{"port", 9}, {"lower-port", 1}, {"upper-port", 2}},
       a0 + "/matches/tcp/destination-port: both an operator/port and a lower-port/upper-port range"},
      {"icmp type 300", a1 + "/matches", json{{"icmp", {{"type", 300}}}},
       a1 + "/matches/icmp/type: expected an integer 0..255, got 300"},
      {"ipv6 match in ipv4 ACL", a1 + "/matches", json{{"ipv6", {{"protocol", 17}}}},
       a1 + "/matches/ipv6: an ipv6 match in an ipv4-acl-type ACL"},
      {"two peers", a0 + "/matches/ipv4/ietf-acldns:src-dnsname", "example.com",
       a0 + "/matches: more than one remote end in one ACE (ietf-acldns:src-dnsname and ietf-acldns:dst-dnsname)"},
      {"two abstractions", a1 + "/matches/ietf-mud:mud/my-controller", json::array({nullptr}),
       a1 + "/matches/ietf-mud:mud/my-controller: more than one abstraction"},
      {"bad dnsname", a0 + "/matches/ipv4/ietf-acldns:dst-dnsname", "bad name!",
       a0 + "/matches/ipv4/ietf-acldns:dst-dnsname: expected a DNS name"},
      {"bad mac", a1 + "/matches", json{{"eth", {{"destination-mac-address", "ff:ff"}}}},
       a1 + "/matches/eth/destination-mac-address: expected a MAC address"},
      {"bad acl type", "/ietf-access-control-list:acls/acl/1/type", "ipv5-acl-type",
       "/ietf-access-control-list:acls/acl/1/type: expected an ACL type"},
      {"duplicate ACL name", "/ietf-access-control-list:acls/acl/1/name", "fr",
       "/ietf-access-control-list:acls/acl/1/name: duplicate ACL name \"fr\""},
      {"duplicate ACE name", a1 + "/name", "cl0-frdev", a1 + ": duplicate ACE name \"cl0-frdev\" in ACL \"fr\""},
      {"missing actions", a0 + "/actions", removed(), a0 + ": an ACE without \"actions\""},
      {"aces not an object", "/ietf-access-control-list:acls/acl/1/aces", json::array(),
       "/ietf-access-control-list:acls/acl/1/aces: expected an object, got []"},
  };
  for (const auto& c : cases) {
    const std::string err = first_error(with(c.pointer, c.value));
    EXPECT_TRUE(err.starts_with(c.expected)) << c.name << "\n  got:      " << err << "\n  expected: " << c.expected;
    auto r = parse_mud(with(c.pointer, c.value), "t.json");
    if (!r.ok()) {
      EXPECT_EQ(r.error().where, "t.json") << c.name;
      EXPECT_EQ(r.error().message(), "t.json: " + r.error().what) << c.name;
    }
  }
}

TEST(MudParse, CheckMudCollectsEveryError) {
  json doc = json::parse(kBase);
  doc["/ietf-mud:mud/mud-url"_json_pointer] = "http://x.example.com/a";
  doc[json::json_pointer(std::string(kAce0) + "/matches/tcp/destination-port/port")] = "http";
  MudDiagnostics diag;
  (void)check_mud(doc.dump(), "t.json", diag);
  EXPECT_EQ(diag.errors.size(), 2u);
}

TEST(MudParse, DnsnameDirectionMismatchIsAWarning) {
  // A from-device ACL naming its peer by src-dnsname.
  json doc = json::parse(kBase);
  auto& ipv4 = doc[json::json_pointer(std::string(kAce0) + "/matches/ipv4")];
  ipv4.erase("ietf-acldns:dst-dnsname");
  ipv4["ietf-acldns:src-dnsname"] = "service.example.com";
  std::vector<core::Error> warnings;
  auto r = parse_mud(doc.dump(), "t.json", &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(warnings[0].what.starts_with(std::string(kAce0) + "/matches/ipv4/ietf-acldns:src-dnsname: "))
      << warnings[0].what;
}

TEST(MudParse, UnknownAugmentationsAreKept) {
  json doc = json::parse(kBase);
  doc["ietf-mud:mud"]["example-ext:reporter"] = {{"uri", "https://r.example.com"}};
  doc["example-top:thing"] = json::array({1, 2});
  std::vector<core::Error> warnings;
  auto r = parse_mud(doc.dump(), "t.json", &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(r->mud_augmentations.size(), 1u);
  EXPECT_EQ(r->mud_augmentations[0].key, "example-ext:reporter");
  ASSERT_EQ(r->top_augmentations.size(), 1u);
  EXPECT_EQ(r->top_augmentations[0].json, "[1,2]");
}

TEST(MudParse, NotJsonAndNotMud) {
  EXPECT_TRUE(first_error("{").starts_with("not JSON: ")) << first_error("{");
  EXPECT_EQ(first_error("[]"), "expected an object, got []");
  EXPECT_EQ(first_error("{}"), "missing \"ietf-mud:mud\": not a MUD file");
  EXPECT_TRUE(first_error("").starts_with("not JSON: "));
}

TEST(MudParse, DeepNestingIsRejectedBeforeParsing) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_EQ(first_error(deep), "nested deeper than 64 levels at byte 64");
  // Objects count too, and inside a MUD container.
  std::string obj = R"({"ietf-mud:mud":)";
  for (int i = 0; i < 100000; ++i) obj += R"({"a":)";
  EXPECT_TRUE(first_error(obj).starts_with("nested deeper than 64 levels")) << first_error(obj);
  // Brackets inside strings do not count.
  json doc = json::parse(kBase);
  doc["ietf-mud:mud"]["systeminfo"] = std::string(200, '[');
  EXPECT_EQ(first_error(doc.dump()), "");
}

TEST(MudParse, OversizedInputIsRejected) {
  const std::string big(kMaxMudBytes + 1, ' ');
  EXPECT_TRUE(first_error(big).starts_with("larger than 16 MiB")) << first_error(big);
}

// No fixed limits (osMUD stops at 10 ACLs and 50 ACEs): 100,000 ACEs parse, and quickly.
TEST(MudParse, HundredThousandAces) {
  constexpr int kAces = 100000;
  std::string text = R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://big.example.com/x",)"
                     R"("last-update":"2024-01-01T00:00:00Z","is-supported":true,)"
                     R"("from-device-policy":{"access-lists":{"access-list":[{"name":"big"}]}}},)"
                     R"("ietf-access-control-list:acls":{"acl":[{"name":"big","type":"ipv4-acl-type","aces":{"ace":[)";
  text.reserve(text.size() + size_t(kAces) * 200);
  for (int i = 0; i < kAces; ++i) {
    if (i) text += ',';
    // About 130 bytes an ACE: 100,000 of them stay under the 16 MiB input bound.
    text += R"({"name":"a)" + std::to_string(i) + R"(","matches":{"ipv4":{"destination-ipv4-network":"10.)" +
            std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) +
            R"(/32"},"tcp":{"destination-port":{"port":)" + std::to_string(i % 65536) +
            R"(}}},"actions":{"forwarding":"accept"}})";
  }
  text += "]}}]}}";
  const auto t0 = std::chrono::steady_clock::now();
  auto r = parse_mud(text, "big.json");
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->ace_count(), size_t(kAces));
  EXPECT_LT(secs, 30.0);  // about a second even under ASan; this catches quadratic behaviour
  const auto policy = compile(*r, core::MacAddr{}, "big.json");
  EXPECT_EQ(policy.rules.size(), size_t(kAces));
}

// Hostile files must not make reports grow without bound: names are cut short and at
// most kMaxReports errors are kept, plus one that counts the rest.
TEST(MudParse, ReportsStayBounded) {
  const std::string long_name(100000, 'n');
  std::string text = R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://a.example.com/x",)"
                     R"("last-update":"2024-01-01T00:00:00Z","is-supported":true,)"
                     R"("from-device-policy":{"access-lists":{"access-list":[{"name":")" +
                     long_name + R"("}]}}},"ietf-access-control-list:acls":{"acl":[{"name":")" + long_name +
                     R"(","aces":{"ace":[)";
  for (int i = 0; i < 5000; ++i)
    text += std::string(i ? "," : "") + R"({"name":"same","actions":{"forwarding":"accept"}})";
  text += "]}}]}}";
  MudDiagnostics diag;
  (void)check_mud(text, "t.json", diag);
  ASSERT_EQ(diag.errors.size(), 1001u);
  EXPECT_EQ(diag.errors.back().what, "3999 more errors not shown");
  for (const auto& e : diag.errors) EXPECT_LT(e.what.size(), 300u) << e.what.substr(0, 300);
}

TEST(MudParse, UrlAuthority) {
  EXPECT_EQ(url_authority("https://Luminaire.Example.com/Luminaire_150"), "luminaire.example.com");
  EXPECT_EQ(url_authority("https://user@host.example:8443/x?y#z"), "host.example");
  EXPECT_EQ(url_authority("https://[2001:db8::1]:443/x"), "2001:db8::1");
  EXPECT_EQ(url_authority("urn:ietf:params:mud:gateway"), "");
}

}  // namespace
}  // namespace sekisho::policy
