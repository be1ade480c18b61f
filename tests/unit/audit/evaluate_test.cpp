// The evaluator over the real catalogs, facts and rules (data/): verdicts, their evidence,
// precedence, scope, and what an INCONCLUSIVE says would settle it.
#include "audit/evaluate.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sekisho::audit {
namespace {

const std::string kData = std::string(SEKISHO_SOURCE_DIR) + "/data";

struct Data {
  CatalogSet catalogs;
  FactSchema facts;
  RuleSet rules;
};

const Data& data() {
  static const Data d = [] {
    auto c = CatalogSet::load(kData + "/catalogs");
    if (!c) {
      ADD_FAILURE() << c.error().message();
      std::abort();
    }
    auto f = FactSchema::load(kData + "/audit/facts.toml");
    if (!f) {
      ADD_FAILURE() << f.error().message();
      std::abort();
    }
    auto r = RuleSet::load(kData + "/audit/rules.toml", c.value(), f.value());
    if (!r) {
      ADD_FAILURE() << r.error().message();
      std::abort();
    }
    return Data{std::move(c.value()), std::move(f.value()), std::move(r.value())};
  }();
  return d;
}

Evidence finding(const std::string& id, const std::string& ip, const std::string& kind, size_t line) {
  Evidence e;
  e.id = id;
  e.source = Source::kScan;
  e.kind = "scan.finding";
  e.file = "lab.json";
  e.line = line;
  e.time = "2026-11-26T07:00:00Z";
  e.ip = ip;
  e.attrs = {{"id", kind}, {"service", "telnet"}, {"port", "23"}, {"credential_id", "mirai-7"}};
  e.summary = "telnet/23: " + kind;
  return e;
}

Evidence host(const std::string& id, const std::string& ip, const std::string& logins) {
  Evidence e;
  e.id = id;
  e.source = Source::kScan;
  e.kind = "scan.host";
  e.file = "lab.json";
  e.ip = ip;
  e.attrs = {{"up", "true"}, {"open_ports", "2"}, {"findings", "0"}, {"logins_tried", logins}};
  return e;
}

const RequirementResult& result(const AuditReport& r, const std::string& catalog, const std::string& req) {
  for (const auto& x : r.results)
    if (x.catalog->id == catalog && x.requirement->id == req) return x;
  ADD_FAILURE() << "no result for " << catalog << ":" << req;
  std::abort();
}

core::Result<AuditReport> run(std::vector<Evidence> ev, const Declaration* d = nullptr, std::string device = "") {
  AuditInput in;
  in.evidence = std::move(ev);
  in.declaration = d;
  in.device = std::move(device);
  in.today = "2026-11-26";
  in.generated = "2026-11-26T08:00:00Z";
  return evaluate(data().catalogs, data().rules, in);
}

// The four items a default password breaks at once (issue: "fails ETSI 5.1-1, key point 15,
// terminal rule item 2 and PSTI 1 at once, each citing the same evidence").
const std::pair<const char*, const char*> kPasswordItems[] = {
    {"etsi-en-303-645", "5.1-1"}, {"jp-iot-sg-2016", "K15"}, {"jp-ter-34-10", "2"}, {"uk-psti", "1"}};

TEST(Evaluate, DefaultPasswordFailsFourSchemesCitingOneRecord) {
  auto r = run({host("lab.json:9", "10.0.0.11", "12"), finding("lab.json:4", "10.0.0.11", "default-credentials", 4)});
  ASSERT_TRUE(r) << r.error().message();
  for (const auto& [cat, req] : kPasswordItems) {
    const auto& x = result(*r, cat, req);
    EXPECT_EQ(x.verdict, Verdict::kFail) << cat << ":" << req;
    EXPECT_EQ(x.evidence, std::vector<std::string>{"lab.json:4"}) << cat << ":" << req;
    EXPECT_EQ(x.assessment, Assessment::kFunctional);
    EXPECT_NE(x.reason.en.find("telnet/23"), std::string::npos) << x.reason.en;
    EXPECT_NE(x.reason.en.find("mirai-7"), std::string::npos) << x.reason.en;
    EXPECT_NE(x.reason.ja.find("telnet/23"), std::string::npos) << x.reason.ja;
  }
  EXPECT_EQ(r->device, "10.0.0.11");
  // The cross-walk travels with the result.
  const auto& rel = result(*r, "jp-iot-sg-2016", "K15").related;
  EXPECT_NE(std::find(rel.begin(), rel.end(), "etsi-en-303-645:5.1-1"), rel.end());
  EXPECT_NE(std::find(rel.begin(), rel.end(), "uk-psti:1"), rel.end());
}

TEST(Evaluate, RefusedDefaultPasswordsPassTheSameItems) {
  auto r = run({host("strong.json:3", "10.0.0.31", "118")});
  ASSERT_TRUE(r) << r.error().message();
  for (const auto& [cat, req] : kPasswordItems) {
    const auto& x = result(*r, cat, req);
    EXPECT_EQ(x.verdict, Verdict::kPass) << cat << ":" << req;
    EXPECT_EQ(x.evidence, std::vector<std::string>{"strong.json:3"});
    EXPECT_NE(x.reason.en.find("118"), std::string::npos) << x.reason.en;
  }
  // No logins tried (--no-login): nothing to judge on.
  auto none = run({host("n.json:1", "10.0.0.31", "0")});
  ASSERT_TRUE(none);
  EXPECT_EQ(result(*none, "etsi-en-303-645", "5.1-1").verdict, Verdict::kInconclusive);
}

TEST(Evaluate, InconclusiveSaysWhatWouldSettleIt) {
  auto r = run({host("s.json:1", "10.0.0.31", "5")});
  ASSERT_TRUE(r);
  const auto& vdp = result(*r, "etsi-en-303-645", "5.2-1");
  EXPECT_EQ(vdp.verdict, Verdict::kInconclusive);
  EXPECT_NE(vdp.reason.en.find("vulnerability_disclosure_url"), std::string::npos) << vdp.reason.en;
  EXPECT_NE(vdp.reason.en.find("answers: etsi-en-303-645: 5.2-1"), std::string::npos) << vdp.reason.en;
  EXPECT_NE(vdp.reason.ja.find("vulnerability_disclosure_url"), std::string::npos);
  // A JC-STAR item whose text is not encoded says so.
  const auto& jc = result(*r, "jc-star-1", "S1.1-09");
  EXPECT_EQ(jc.verdict, Verdict::kInconclusive);
  EXPECT_NE(jc.reason.en.find("not encoded"), std::string::npos);
  // An organisational key point is not judged per device.
  const auto& k01 = result(*r, "jp-iot-sg-2016", "K01");
  EXPECT_EQ(k01.verdict, Verdict::kNotApplicable);
  EXPECT_FALSE(k01.reason.en.empty());
  // Every N/A and every INCONCLUSIVE has a reason in both languages.
  for (const auto& x : r->results)
    if (x.verdict != Verdict::kPass) {
      EXPECT_FALSE(x.reason.en.empty()) << x.catalog->id << ":" << x.requirement->id;
      EXPECT_FALSE(x.reason.ja.empty()) << x.catalog->id << ":" << x.requirement->id;
    }
}

Declaration declaration() {
  Declaration d;
  d.path = "cam.yaml";
  d.subject.name = "Cam";
  d.subject.address = "10.0.0.11";
  d.declared_by = "QA";
  d.role = "maker";
  d.date = "2026-11-01";
  d.facts = {{"vulnerability_disclosure_url", "https://example.com/security", {}, 5},
             {"support_period_end", "2025-12-31", {}, 6},
             {"direct_carrier_connection", "false", {}, 7}};
  Answer a;
  a.catalog = "etsi-en-303-645";
  a.requirement = "5.8-3";
  a.status = AnswerStatus::kNotApplicable;
  a.justification = "no camera, microphone or other sensor";
  a.line = 9;
  d.answers.push_back(a);
  a.requirement = "5.3-13";
  a.status = AnswerStatus::kSupported;
  a.justification.clear();
  a.note = "on the box";
  d.answers.push_back(a);
  a.requirement = "5.6-9";
  a.status = AnswerStatus::kNotSupported;
  a.justification = "no written process yet";
  d.answers.push_back(a);
  return d;
}

TEST(Evaluate, DeclarationFactsAndAnswers) {
  const Declaration d = declaration();
  auto r = run({finding("lab.json:4", "10.0.0.11", "default-credentials", 4)}, &d);
  ASSERT_TRUE(r) << r.error().message();
  // A published VDP passes conceptually, citing the fact.
  const auto& vdp = result(*r, "etsi-en-303-645", "5.2-1");
  EXPECT_EQ(vdp.verdict, Verdict::kPass);
  EXPECT_EQ(vdp.assessment, Assessment::kConceptual);
  EXPECT_EQ(vdp.evidence, std::vector<std::string>{"cam.yaml:facts.vulnerability_disclosure_url"});
  EXPECT_EQ(result(*r, "uk-psti", "2").verdict, Verdict::kPass);
  // Support ended before the audit date.
  EXPECT_EQ(result(*r, "jp-iot-sg-2016", "U1").verdict, Verdict::kFail);
  // Behind a router: the terminal rules do not apply, even to item 2, whose failing evidence is
  // still cited and said.
  EXPECT_EQ(result(*r, "jp-ter-34-10", "1").verdict, Verdict::kNotApplicable);
  EXPECT_NE(result(*r, "jp-ter-34-10", "1").reason.en.find("router"), std::string::npos);
  const auto& ter2 = result(*r, "jp-ter-34-10", "2");
  EXPECT_EQ(ter2.verdict, Verdict::kNotApplicable);
  EXPECT_EQ(ter2.evidence, (std::vector<std::string>{"cam.yaml:facts.direct_carrier_connection", "lab.json:4"}));
  EXPECT_NE(ter2.reason.en.find("all the same"), std::string::npos) << ter2.reason.en;
  EXPECT_EQ(ter2.assessment, Assessment::kBoth);
  // ICS answers.
  const auto& na = result(*r, "etsi-en-303-645", "5.8-3");
  EXPECT_EQ(na.verdict, Verdict::kNotApplicable);
  EXPECT_NE(na.reason.en.find("no camera"), std::string::npos);
  EXPECT_EQ(na.evidence, std::vector<std::string>{"cam.yaml:answers.etsi-en-303-645.5.8-3"});
  EXPECT_EQ(result(*r, "etsi-en-303-645", "5.3-13").verdict, Verdict::kPass);
  EXPECT_EQ(result(*r, "etsi-en-303-645", "5.6-9").verdict, Verdict::kFail);
  EXPECT_EQ(result(*r, "etsi-en-303-645", "5.6-9").assessment, Assessment::kConceptual);
  // The declaration's subject picked the device.
  EXPECT_EQ(r->device, "10.0.0.11");
  EXPECT_EQ(r->subject.name, "Cam");
}

TEST(Evaluate, OrganisationDeclarationJudgesOrganisationalItems) {
  Declaration d;
  d.path = "org.yaml";
  d.subject.kind = "organisation";
  d.subject.name = "Example K.K.";
  d.date = "2026-11-01";
  d.facts = {{"security_policy_owner", "CISO", {}, 4}, {"insider_threat_controls", "two-person rule", {}, 5}};
  AuditInput in;
  in.declaration = &d;
  in.catalogs = {"jp-iot-sg-2016"};
  in.today = "2026-11-26";
  auto r = evaluate(data().catalogs, data().rules, in);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(result(*r, "jp-iot-sg-2016", "K01").verdict, Verdict::kPass);
  EXPECT_EQ(result(*r, "jp-iot-sg-2016", "K02").verdict, Verdict::kPass);
  EXPECT_EQ(result(*r, "jp-iot-sg-2016", "K07").verdict, Verdict::kInconclusive);
  EXPECT_EQ(result(*r, "jp-iot-sg-2016", "K15").verdict, Verdict::kNotApplicable);
  ASSERT_EQ(r->summaries.size(), 1u);
  EXPECT_EQ(r->summaries[0].pass, 2u);
}

TEST(Evaluate, PicksOneDevice) {
  std::vector<Evidence> ev = {finding("a.json:1", "10.0.0.11", "default-credentials", 1),
                              host("a.json:2", "10.0.0.31", "9")};
  auto r = run(ev);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("2 devices"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("10.0.0.31"), std::string::npos);
  auto strong = run(ev, nullptr, "10.0.0.31");
  ASSERT_TRUE(strong);
  EXPECT_EQ(result(*strong, "etsi-en-303-645", "5.1-1").verdict, Verdict::kPass);
  EXPECT_EQ(strong->evidence.size(), 1u);
  auto missing = run(ev, nullptr, "10.0.0.99");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("10.0.0.99"), std::string::npos);
  // An unknown catalog id.
  AuditInput in;
  in.catalogs = {"iso-27001"};
  in.evidence = {host("a.json:2", "10.0.0.31", "9")};
  auto bad = evaluate(data().catalogs, data().rules, in);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("iso-27001"), std::string::npos);
}

TEST(Evaluate, WatchRecordsFoundByAddressOrMac) {
  Evidence alert;
  alert.id = "eve.json:7";
  alert.source = Source::kWatch;
  alert.kind = "watch.alert";
  alert.ip = "192.168.1.20";
  alert.mac = "74:DA:38:80:7A:08";
  alert.attrs = {{"detector", "outbound_scan"}, {"signature", "IoT outbound telnet scan (Mirai-like)"}};
  Evidence device;
  device.id = "eve.json:2";
  device.source = Source::kWatch;
  device.kind = "watch.device";
  device.mac = "74:da:38:80:7a:08";  // the inventory names it by MAC only
  device.attrs = {{"mud_url", "https://example.com/plug.json"}};
  Evidence other = device;
  other.id = "eve.json:3";
  other.mac = "02:00:00:00:00:01";
  auto r = run({device, other, alert}, nullptr, "192.168.1.20");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->evidence.size(), 2u);
  const auto& k09 = result(*r, "jp-iot-sg-2016", "K09");
  EXPECT_EQ(k09.verdict, Verdict::kFail);
  EXPECT_EQ(k09.evidence, std::vector<std::string>{"eve.json:7"});
  EXPECT_NE(k09.reason.en.find("Mirai-like"), std::string::npos);
  EXPECT_EQ(result(*r, "nistir-8259a", "1").verdict, Verdict::kPass);
}

TEST(Evaluate, WeakTlsFailsBestPracticeCrypto) {
  Evidence tls;
  tls.id = "eve.json:49";
  tls.source = Source::kWatch;
  tls.kind = "watch.tls";
  tls.ip = "10.10.10.39";
  tls.attrs = {{"version", "TLS 1.0"}, {"peer", "52.28.38.154"}, {"dest_port", "443"}, {"weak_ciphers", "4"}};
  auto r = run({tls});
  ASSERT_TRUE(r) << r.error().message();
  const auto& x = result(*r, "etsi-en-303-645", "5.5-1");
  EXPECT_EQ(x.verdict, Verdict::kFail);
  EXPECT_EQ(x.evidence, std::vector<std::string>{"eve.json:49"});
  EXPECT_NE(x.reason.en.find("52.28.38.154:443"), std::string::npos) << x.reason.en;
  EXPECT_NE(x.reason.en.find("4 broken cipher suites"), std::string::npos) << x.reason.en;
  EXPECT_EQ(result(*r, "owasp-iot-2018", "I7").verdict, Verdict::kFail);
}

TEST(Evaluate, BannerVersionFailsDisclosureOnlyWhenShown) {
  Evidence web;
  web.id = "lab.json:3";
  web.kind = "scan.service";
  web.ip = "10.231.0.13";
  web.attrs = {{"service", "http"}, {"port", "80"}, {"product", "lighttpd"}, {"version", "1.4.69"}};
  auto r = run({web});
  ASSERT_TRUE(r);
  const auto& x = result(*r, "etsi-en-303-645", "5.6-2");
  EXPECT_EQ(x.verdict, Verdict::kFail);
  EXPECT_NE(x.reason.en.find("lighttpd 1.4.69"), std::string::npos) << x.reason.en;
  web.attrs[3].second = "";  // "Server: lighttpd" without a version
  auto quiet = run({web});
  ASSERT_TRUE(quiet);
  EXPECT_EQ(result(*quiet, "etsi-en-303-645", "5.6-2").verdict, Verdict::kInconclusive);
}

TEST(Rules, ErrorsNameFileLineAndField) {
  const std::string base = R"(schema = 1
[[rule]]
id = "x"
match = { kind = "scan.finding", id = "default-credentials" }
verdict = "fail"
requirements = ["etsi-en-303-645:5.1-1"]
reason = { en = "e", ja = "j" }
)";
  ASSERT_TRUE(RuleSet::parse(base, "r.toml", data().catalogs, data().facts));
  struct Case {
    std::string from, to, expect;
  };
  const Case cases[] = {
      {"5.1-1\"]", "5.1-77\"]", "r.toml:6: rule 'x': field 'requirements': 'etsi-en-303-645:5.1-77'"},
      {"kind = \"scan.finding\", id", "kind = \"scan.finding\", colour", "no attribute 'colour'"},
      {"kind = \"scan.finding\", id = \"default-credentials\"", "kind = \"declaration.fact\", id = \"shoe_size\"",
       "unknown fact 'shoe_size'"},
      {"verdict = \"fail\"", "verdict = \"maybe\"", "field 'verdict'"},
      {"kind = \"scan.finding\"", "kind = \"scan.packet\"", "unknown evidence kind 'scan.packet'"},
  };
  for (const auto& c : cases) {
    std::string text = base;
    text.replace(text.find(c.from), c.from.size(), c.to);
    auto r = RuleSet::parse(text, "r.toml", data().catalogs, data().facts);
    ASSERT_FALSE(r) << c.to;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
}

TEST(Rules, EveryFindingKindAndDetectorHasARule) {
  // A finding kind the scanner reports or a detector watch runs that no rule maps is a gap.
  std::vector<std::string> kinds;
  for (const auto& r : data().rules.rules())
    for (const auto& t : r.tests) kinds.push_back(r.kind + "=" + t.value);
  for (const char* f : {"default-credentials", "unauthenticated-admin", "anonymous-mqtt", "snmp-public", "telnet-open",
                        "upnp-exposed", "vulnerable-version", "cleartext-login", "anonymous-ftp", "coap-open"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), std::string("scan.finding=") + f), kinds.end()) << f;
  for (const char* d :
       {"outbound_scan", "outbound_flood", "cleartext_credentials", "policy", "blocklist", "idle_device"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), std::string("watch.alert=") + d), kinds.end()) << d;
}

}  // namespace
}  // namespace sekisho::audit
