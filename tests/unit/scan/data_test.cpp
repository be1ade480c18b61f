// The scanner's data and its loaders: the credential list, the finding catalog, the offline
// vulnerability data, version comparison and the NVD importer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "scan/credentials.h"
#include "scan/findings.h"
#include "scan/vulns.h"

namespace sekisho::scan {
namespace {

const std::string kData = std::string(SEKISHO_SOURCE_DIR) + "/data";
const std::string kNvdSample = std::string(SEKISHO_SOURCE_DIR) + "/tests/data/nvd/nvdcve-2.0-sample.json";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_non_ascii(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return (unsigned char)c >= 0x80; });
}

// A temporary directory removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/sekisho-data-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

// ---------------------------------------------------------------- credentials

constexpr const char* kSources = R"(version = "1"
[sources.s]
title = "T"
url = "https://example.org"
date = "2026-01-01"
)";

std::string cred_error(const std::string& body) {
  auto r = load_credentials_text(std::string(kSources) + body, "c.toml");
  if (r) return "(loaded)";
  return r.error().message();
}

TEST(Credentials, ShippedFileLoads) {
  auto set = load_credentials(kData + "/credentials/default.toml");
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_EQ(set->version, "2026.11.1");
  EXPECT_EQ(set->path, kData + "/credentials/default.toml");
  EXPECT_GE(set->entries.size(), 100u);
  for (const auto& c : set->entries) {
    EXPECT_NE(set->source(c.source), nullptr) << c.id;
    for (const auto& a : c.also) EXPECT_NE(set->source(a), nullptr) << c.id;
  }
  for (const auto& s : set->sources) {
    EXPECT_FALSE(s.title.empty());
    EXPECT_TRUE(s.url.starts_with("https://")) << s.key;
  }
}

TEST(Credentials, MiraiList) {
  auto set = load_credentials(kData + "/credentials/default.toml");
  ASSERT_TRUE(set) << set.error().message();
  std::vector<const Credential*> mirai;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& c : set->entries)
    if (c.source == "mirai") {
      mirai.push_back(&c);
      pairs.insert({c.user, c.password});
      EXPECT_TRUE(c.id.starts_with("mirai-")) << c.id;
      EXPECT_TRUE(c.services.empty()) << c.id;  // Mirai's pairs go to every login service
    }
  EXPECT_EQ(mirai.size(), 61u);
  EXPECT_EQ(pairs.size(), 61u);
  // The two entries whose source comments are wrong, decoded.
  EXPECT_TRUE(pairs.count({"Administrator", "meinsm"}));
  EXPECT_TRUE(pairs.count({"admin", "4321"}));
  EXPECT_FALSE(pairs.count({"Administrator", "admin"}));
  for (auto p : {std::pair<std::string, std::string>{"root", "xc3511"},
                 {"root", "vizxv"},
                 {"admin", "admin"},
                 {"root", ""},
                 {"admin", ""},
                 {"guest", "12345"},
                 {"mother", "fucker"},
                 {"root", "zlxx."},
                 {"root", "7ujMko0vizxv"},
                 {"ubnt", "ubnt"},
                 {"888888", "888888"}})
    EXPECT_TRUE(pairs.count(p)) << p.first << "/" << p.second;
  // Heaviest first, as Mirai weights them; the list starts with the Mirai pairs.
  EXPECT_EQ(set->entries.front().id, "mirai-01");
  EXPECT_EQ(set->entries.front().weight, 10);
  for (size_t i = 1; i < mirai.size(); ++i) EXPECT_GE(mirai[i - 1]->weight, mirai[i]->weight) << mirai[i]->id;
  for (size_t i = 0; i < mirai.size(); ++i) EXPECT_EQ(&set->entries[i], mirai[i]);
  // Ids are the add_auth_entry() call numbers; call 32 repeats guest/12345.
  const Credential* c27 = set->find("mirai-27");
  ASSERT_NE(c27, nullptr);
  EXPECT_EQ(c27->user, "Administrator");
  EXPECT_EQ(c27->password, "meinsm");
  const Credential* c58 = set->find("mirai-58");
  ASSERT_NE(c58, nullptr);
  EXPECT_EQ(c58->user, "admin");
  EXPECT_EQ(c58->password, "4321");
  EXPECT_EQ(set->find("mirai-32"), nullptr);
  const Credential* anko = set->find("mirai-42");
  ASSERT_NE(anko, nullptr);
  EXPECT_EQ(anko->password, "anko");
  EXPECT_EQ(anko->weight, 4);
}

TEST(Credentials, VendorDefaults) {
  auto set = load_credentials(kData + "/credentials/default.toml");
  ASSERT_TRUE(set) << set.error().message();
  size_t vendor = 0;
  for (const auto& c : set->entries)
    if (c.source != "mirai") {
      ++vendor;
      EXPECT_TRUE(c.id.starts_with("vendor-")) << c.id;
      EXPECT_FALSE(c.vendor.empty()) << c.id;
      EXPECT_EQ(c.weight, 1) << c.id;
    }
  EXPECT_GE(vendor, 40u);
  // Raspberry Pi's default is an SSH login only.
  const Credential* pi = set->find("vendor-raspberry-pi");
  ASSERT_NE(pi, nullptr);
  EXPECT_EQ(pi->user, "pi");
  auto ssh = set->for_service("ssh");
  auto telnet = set->for_service("telnet");
  EXPECT_NE(std::find(ssh.begin(), ssh.end(), pi), ssh.end());
  EXPECT_EQ(std::find(telnet.begin(), telnet.end(), pi), telnet.end());
  EXPECT_EQ(ssh.front()->id, "mirai-01");  // try order kept
  // Vendor defaults that are Mirai pairs carry the vendor's source in `also`.
  const Credential* hik = nullptr;
  for (const auto& c : set->entries)
    if (c.user == "admin" && c.password == "12345") hik = &c;
  ASSERT_NE(hik, nullptr);
  EXPECT_EQ(hik->source, "mirai");
  EXPECT_NE(std::find(hik->also.begin(), hik->also.end(), "seclists"), hik->also.end());
  EXPECT_NE(hik->vendor.find("Hikvision"), std::string::npos);
  // No password contains a line break or other control character.
  for (const auto& c : set->entries)
    for (char ch : c.user + c.password) EXPECT_GE((unsigned char)ch, 0x20) << c.id;
}

TEST(Credentials, DefaultPath) {
  const char* old = std::getenv("SEKISHO_DATA_DIR");
  const std::string saved = old ? old : "";
  setenv("SEKISHO_DATA_DIR", "/opt/sekisho-data", 1);
  EXPECT_EQ(default_credentials_path(), "/opt/sekisho-data/credentials/default.toml");
  EXPECT_EQ(default_findings_path(), "/opt/sekisho-data/advice/findings.toml");
  EXPECT_EQ(default_vulns_path(), "/opt/sekisho-data/vulns");
  unsetenv("SEKISHO_DATA_DIR");
  EXPECT_TRUE(default_credentials_path().ends_with("/credentials/default.toml"));
  EXPECT_TRUE(std::filesystem::exists(default_credentials_path())) << default_credentials_path();
  EXPECT_TRUE(std::filesystem::exists(default_findings_path()));
  EXPECT_TRUE(std::filesystem::exists(default_vulns_path()));
  if (old) setenv("SEKISHO_DATA_DIR", saved.c_str(), 1);
}

TEST(Credentials, LoadsGoodText) {
  auto r = load_credentials_text(std::string(kSources) + R"(
[[credential]]
id = "a-1"
user = "root"
password = ""
source = "s"
weight = 3
[[credential]]
id = "a-2"
user = "admin"
password = "p\"w"
source = "s"
services = ["ssh", "http"]
vendor = "Acme"
[[credential]]
id = "a-3"
user = "admin"
password = "p\"w"
source = "s"
services = ["telnet"]
)",
                                 "mem.toml");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->path, "mem.toml");
  ASSERT_EQ(r->entries.size(), 3u);
  EXPECT_EQ(r->entries[0].password, "");
  EXPECT_EQ(r->entries[0].weight, 3);
  EXPECT_EQ(r->entries[1].password, "p\"w");
  EXPECT_EQ(r->entries[1].vendor, "Acme");
  EXPECT_EQ(r->for_service("ssh").size(), 2u);
  EXPECT_EQ(r->for_service("telnet").size(), 2u);
  EXPECT_EQ(r->for_service("mqtt").size(), 1u);
  EXPECT_EQ(r->find("a-2")->services.size(), 2u);
  EXPECT_EQ(r->find("nope"), nullptr);
}

TEST(Credentials, ErrorsNameFileRecordAndField) {
  const std::string one = "[[credential]]\nid = \"x\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\n";
  EXPECT_EQ(cred_error(one + "[[credential]]\nid = \"y\"\nuser = 1\npassword = \"p\"\nsource = \"s\"\n"),
            "c.toml: credential 2 (id 'y'): field 'user' must be a string");
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\npassword = \"p\"\nsource = \"s\"\n"),
            "c.toml: credential 1 (id 'y'): field 'user' is missing");
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"a\\nb\"\nsource = \"s\"\n"),
            "c.toml: credential 1 (id 'y'): field 'password' contains a control character");
  EXPECT_EQ(cred_error(one + one), "c.toml: credential 2 (id 'x'): duplicate id 'x'");
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"p\"\nsource = \"nope\"\n"),
            "c.toml: credential 1 (id 'y'): field 'source': no [sources.nope] table");
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\nalso = [\"q\"]\n"),
            "c.toml: credential 1 (id 'y'): field 'also': no [sources.q] table");
  EXPECT_NE(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\nservices = "
                       "[\"smtp\"]\n")
                .find("field 'services': unknown service 'smtp'"),
            std::string::npos);
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\nweight = 0\n"),
            "c.toml: credential 1 (id 'y'): field 'weight' must be an integer 1..1000");
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\ncolour = 1\n"),
            "c.toml: credential 1 (id 'y'): unknown field 'colour'");
  EXPECT_NE(cred_error("[[credential]]\nid = \"Bad Id\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\n")
                .find("field 'id' must be"),
            std::string::npos);
  EXPECT_NE(cred_error(one + "[[credential]]\nid = \"z\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\nservices = "
                             "[\"ssh\"]\n")
                .find("credential 2 (id 'z'): the same user and password as credential 'x'"),
            std::string::npos);
  EXPECT_EQ(cred_error(""), "c.toml: expected [[credential]] tables");
  EXPECT_EQ(cred_error("[[credential]]\nid = \"y\"\nuser = \"u\"\npassword = \"p\"\nsource = \"s\"\nservices = "
                       "[\"ssh\", \"ssh\"]\n"),
            "c.toml: credential 1 (id 'y'): field 'services' lists 'ssh' twice");
}

TEST(Credentials, FileLevelErrors) {
  auto syntax = load_credentials_text("version = \n", "bad.toml");
  ASSERT_FALSE(syntax);
  EXPECT_TRUE(syntax.error().where.starts_with("bad.toml:1:")) << syntax.error().where;
  auto noversion = load_credentials_text("[sources.s]\ntitle = \"t\"\nurl = \"u\"\ndate = \"d\"\n", "f.toml");
  ASSERT_FALSE(noversion);
  EXPECT_EQ(noversion.error().where, "f.toml: version");
  auto nosources = load_credentials_text("version = \"1\"\n", "f.toml");
  ASSERT_FALSE(nosources);
  EXPECT_EQ(nosources.error().where, "f.toml: sources");
  auto nourl = load_credentials_text("version = \"1\"\n[sources.s]\ntitle = \"t\"\ndate = \"d\"\n", "f.toml");
  ASSERT_FALSE(nourl);
  EXPECT_EQ(nourl.error().message(), "f.toml: sources.s: field 'url' is missing");
  auto nodate = load_credentials_text("version = \"1\"\n[sources.s]\ntitle = \"t\"\nurl = \"u\"\n", "f.toml");
  ASSERT_FALSE(nodate);
  EXPECT_NE(nodate.error().what.find("'commit' or the 'date'"), std::string::npos);
  auto unknown = load_credentials_text("extra = 1\n" + std::string(kSources), "f.toml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "f.toml: extra: unknown key");
  auto missing = load_credentials("/nonexistent/sekisho/default.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().where, "/nonexistent/sekisho/default.toml");
}

// ---------------------------------------------------------------- findings

TEST(Findings, ShippedCatalogHasEveryKindInBothLanguages) {
  auto cat = FindingCatalog::load(kData + "/advice/findings.toml");
  ASSERT_TRUE(cat) << cat.error().message();
  EXPECT_EQ(cat->version(), "2026.11.1");
  EXPECT_EQ(cat->kinds().size(), required_finding_ids().size());
  for (std::string_view id : required_finding_ids()) {
    const FindingKind* k = cat->find(id);
    ASSERT_NE(k, nullptr) << id;
    EXPECT_FALSE(k->title_en.empty()) << id;
    EXPECT_FALSE(k->advice_en.empty()) << id;
    EXPECT_TRUE(has_non_ascii(k->title_ja)) << id;
    EXPECT_TRUE(has_non_ascii(k->advice_ja)) << id;
    EXPECT_FALSE(k->technical_en.empty()) << id;
    EXPECT_TRUE(has_non_ascii(k->technical_ja)) << id;
    EXPECT_GE(k->advice_en.size(), 150u) << id << ": advice must say what to do";
    bool key_point = false, etsi = false;
    for (const auto& g : k->guidelines) {
      EXPECT_TRUE(is_guideline_id(g)) << id << " " << g;
      key_point |= g.starts_with("K");
      etsi |= g.starts_with("ETSI-");
    }
    EXPECT_TRUE(key_point) << id << " names no key point";
    EXPECT_TRUE(etsi) << id << " names no ETSI EN 303 645 provision";
    // Placeholders are filled; nothing else in braces.
    const std::string en = render(k->advice_en, "telnet", 23), ja = render(k->advice_ja, "telnet", 23);
    EXPECT_EQ(en.find('{'), std::string::npos) << id;
    EXPECT_EQ(ja.find('{'), std::string::npos) << id;
  }
}

TEST(Findings, SeveritiesAndGuidelines) {
  auto cat = FindingCatalog::load(kData + "/advice/findings.toml");
  ASSERT_TRUE(cat) << cat.error().message();
  const std::pair<const char*, Severity> expected[] = {
      {"default-credentials", Severity::kCritical}, {"unauthenticated-admin", Severity::kHigh},
      {"anonymous-mqtt", Severity::kHigh},          {"snmp-public", Severity::kMedium},
      {"telnet-open", Severity::kMedium},           {"upnp-exposed", Severity::kLow},
      {"vulnerable-version", Severity::kHigh},      {"cleartext-login", Severity::kMedium},
      {"anonymous-ftp", Severity::kMedium},         {"coap-open", Severity::kLow},
  };
  for (const auto& [id, sev] : expected) EXPECT_EQ(cat->find(id)->severity, sev) << id;
  auto has = [&](const char* id, const char* g) {
    const auto& gs = cat->find(id)->guidelines;
    return std::find(gs.begin(), gs.end(), g) != gs.end();
  };
  EXPECT_TRUE(has("default-credentials", "K15"));
  EXPECT_TRUE(has("default-credentials", "ETSI-5.1-1"));
  EXPECT_TRUE(has("default-credentials", "TER-34-10-2"));
  EXPECT_TRUE(has("unauthenticated-admin", "K16"));
  EXPECT_TRUE(has("unauthenticated-admin", "ETSI-5.5-5"));
  EXPECT_TRUE(has("unauthenticated-admin", "TER-34-10-1"));
  EXPECT_TRUE(has("telnet-open", "ETSI-5.6-1"));
  EXPECT_TRUE(has("upnp-exposed", "K14"));
  EXPECT_TRUE(has("vulnerable-version", "K17"));
  EXPECT_TRUE(has("vulnerable-version", "TER-34-10-3"));
  EXPECT_TRUE(has("vulnerable-version", "U1"));
  const std::string advice = render(cat->find("default-credentials")->advice_en, "telnet", 2323);
  EXPECT_NE(advice.find("telnet, port 2323"), std::string::npos) << advice;
}

// Every guideline id the catalog uses is in the reference's tables.
TEST(Findings, GuidelineIdsExistInTheReference) {
  const std::string ref = read(std::string(SEKISHO_SOURCE_DIR) + "/../shared/reference/guidelines.md");
  if (ref.empty()) GTEST_SKIP() << "shared/reference/guidelines.md not present";
  auto cat = FindingCatalog::load(kData + "/advice/findings.toml");
  ASSERT_TRUE(cat) << cat.error().message();
  for (const auto& k : cat->kinds())
    for (const auto& g : k.guidelines) {
      const std::string cell = g.starts_with("ETSI-") ? "| " + g.substr(5) + " |" : "| " + g + " |";
      EXPECT_NE(ref.find(cell), std::string::npos) << k.id << ": " << g;
    }
  for (const auto& g : guideline_ids()) {
    const std::string cell = g.starts_with("ETSI-") ? "| " + g.substr(5) + " |" : "| " + g + " |";
    EXPECT_NE(ref.find(cell), std::string::npos) << g;
  }
}

TEST(Findings, GuidelineIdScheme) {
  for (const char* ok : {"K01", "K09", "K15", "K21", "U1", "U4", "TER-34-10-1", "TER-34-10-4", "ETSI-4-1", "ETSI-5.1-1",
                         "ETSI-5.1-5", "ETSI-5.3-16", "ETSI-5.5-5", "ETSI-5.6-9", "ETSI-5.13-1", "ETSI-6-5"})
    EXPECT_TRUE(is_guideline_id(ok)) << ok;
  for (const char* bad : {"K1", "K22", "K00", "U5", "TER-34-10-5", "ETSI-5.1-6", "ETSI-5.14-1", "ETSI-6-6", "5.1-1",
                          "ETSI-645-5.1-1", "k15", ""})
    EXPECT_FALSE(is_guideline_id(bad)) << bad;
  EXPECT_EQ(guideline_ids().size(), 21u + 4u + 4u + 68u);
}

TEST(Findings, SeverityNames) {
  for (auto s : {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical})
    EXPECT_EQ(parse_severity(severity_name(s)), s);
  EXPECT_EQ(parse_severity("CRITICAL"), Severity::kCritical);
  EXPECT_EQ(parse_severity("High"), Severity::kHigh);
  EXPECT_FALSE(parse_severity("severe"));
  EXPECT_FALSE(parse_severity(""));
  EXPECT_STREQ(severity_name(Severity::kMedium), "medium");
}

TEST(Findings, Render) {
  EXPECT_EQ(render("{service} on {port}: {service}", "ssh", 22), "ssh on 22: ssh");
  EXPECT_EQ(render("no placeholders", "x", 1), "no placeholders");
  EXPECT_EQ(render("{other}", "x", 1), "{other}");
  EXPECT_EQ(render("", "x", 1), "");
}

std::string finding(const std::string& extra, const std::string& id = "a-b") {
  return "version = \"1\"\n[[finding]]\nid = \"" + id +
         "\"\nseverity = \"low\"\nguidelines = [\"K14\"]\ntitle_en = \"t\"\ntitle_ja = \"t\"\nadvice_en = \"a\"\n"
         "advice_ja = \"a\"\n" +
         extra;
}

TEST(Findings, LoaderErrors) {
  ASSERT_TRUE(FindingCatalog::load_text(finding(""), "f.toml"));
  auto err = [](const std::string& text) {
    auto r = FindingCatalog::load_text(text, "f.toml");
    return r ? std::string("(loaded)") : r.error().message();
  };
  EXPECT_EQ(err(finding("technical_en = \"on {prot}\"\n")),
            "f.toml: finding 1 (id 'a-b'): field 'technical_en': unknown placeholder {prot} (only {service} and "
            "{port})");
  EXPECT_NE(err(finding("", "a-b\"\nguidelines = [\"K99\"]\nx = \"")).find("f.toml"), std::string::npos);
  EXPECT_NE(err("version = \"1\"\n[[finding]]\nid = \"a\"\nseverity = \"low\"\nguidelines = [\"K99\"]\ntitle_en = "
                "\"t\"\ntitle_ja = \"t\"\nadvice_en = \"a\"\nadvice_ja = \"a\"\n")
                .find("finding 1 (id 'a'): field 'guidelines': unknown guideline id 'K99'"),
            std::string::npos);
  EXPECT_EQ(err("version = \"1\"\n[[finding]]\nid = \"a\"\nseverity = \"severe\"\nguidelines = [\"K14\"]\ntitle_en = "
                "\"t\"\ntitle_ja = \"t\"\nadvice_en = \"a\"\nadvice_ja = \"a\"\n"),
            "f.toml: finding 1 (id 'a'): field 'severity' must be info, low, medium, high or critical");
  EXPECT_EQ(err("version = \"1\"\n[[finding]]\nid = \"a\"\nseverity = \"low\"\nguidelines = [\"K14\"]\ntitle_en = "
                "\"t\"\nadvice_en = \"a\"\nadvice_ja = \"a\"\n"),
            "f.toml: finding 1 (id 'a'): field 'title_ja' is missing");
  EXPECT_EQ(err(finding("colour = \"red\"\n")), "f.toml: finding 1 (id 'a-b'): unknown field 'colour'");
  EXPECT_EQ(err(finding("") + finding("").substr(std::string("version = \"1\"\n").size())),
            "f.toml: finding 2 (id 'a-b'): duplicate finding id 'a-b'");
  EXPECT_EQ(err(finding("advice_x = 1\n")), "f.toml: finding 1 (id 'a-b'): unknown field 'advice_x'");
  EXPECT_EQ(err("[[finding]]\n"), "f.toml: version: expected a version string such as \"2026.11.1\"");
  EXPECT_EQ(err("version = \"1\"\n"), "f.toml: expected [[finding]] tables");
  EXPECT_TRUE(err("version = [\n").starts_with("f.toml:1:"));
  auto missing = FindingCatalog::load("/nonexistent/findings.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

// ---------------------------------------------------------------- versions

int sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

TEST(Versions, Dotted) {
  const auto D = VersionScheme::kDotted;
  struct Case {
    const char *a, *b;
    int want;
  };
  const Case cases[] = {
      {"1.4.69", "1.4.69", 0},
      {"1.4.69-1", "1.4.69", 0},
      {"1.4.69", "1.4.7", 1},
      {"1.4", "1.4.0", 0},
      {"1.4", "1.4.1", -1},
      {"3.0.3", "2.3.4", 1},
      {"9.2p1", "9.2", 1},
      {"9.2p1", "9.6", -1},
      {"9.6p1", "9.6", 1},
      {"9.2p1", "9.2p2", -1},
      {"8.5p1", "9.7p1", -1},
      {"1.0.2k", "1.0.2", 1},
      {"1.0.2k", "1.0.2l", -1},
      {"2.0rc1", "2.0", -1},
      {"2.0-rc1", "2.0", -1},
      {"2.0beta2", "2.0rc1", -1},
      {"2.0.0", "2.0rc1", 1},
      {"v1.2", "1.2", 0},
      {"lighttpd/1.4.69", "1.4.69", 0},
      {"1.35.0", "1.25.0", 1},
      {"2022.83+deb12u1", "2022.83", 0},
      {"0.94.14rc21", "0.94.14", -1},
      {"007", "7", 0},
      {"10", "9", 1},
      {"1.2.3 (Debian)", "1.2.3", 0},
      {"99999999999999999999", "1", 1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sign(compare_versions(c.a, c.b, D)), c.want) << c.a << " vs " << c.b;
    EXPECT_EQ(sign(compare_versions(c.b, c.a, D)), -c.want) << c.b << " vs " << c.a;
  }
}

TEST(Versions, DropbearAndRomPager) {
  const auto DB = VersionScheme::kDropbear, RP = VersionScheme::kRomPager;
  EXPECT_EQ(compare_versions("2022.83", "2022.83", DB), 0);
  EXPECT_LT(compare_versions("2020.81", "2022.83", DB), 0);
  EXPECT_LT(compare_versions("0.52", "2011.54", DB), 0);
  EXPECT_GT(compare_versions("2024.84", "2022.83", DB), 0);
  EXPECT_EQ(compare_versions("dropbear_2022.83", "2022.83", DB), 0);
  EXPECT_LT(compare_versions("4.07", "4.34", RP), 0);
  EXPECT_GT(compare_versions("4.5", "4.34", RP), 0);  // a decimal fraction: 4.50
  EXPECT_LT(compare_versions("4.5", "4.34", VersionScheme::kDotted), 0);
  EXPECT_EQ(compare_versions("4.50", "4.5", RP), 0);
  EXPECT_EQ(compare_versions("RomPager/4.07", "4.07", RP), 0);
  EXPECT_GT(compare_versions("5.0", "4.99", RP), 0);
  EXPECT_EQ(scheme_for_product("allegrosoft:rompager"), RP);
  EXPECT_EQ(scheme_for_product("dropbear_ssh_project:dropbear_ssh"), DB);
  EXPECT_EQ(scheme_for_product("lighttpd:lighttpd"), VersionScheme::kDotted);
  VersionScheme s;
  EXPECT_TRUE(parse_scheme("rompager", s));
  EXPECT_EQ(s, RP);
  EXPECT_FALSE(parse_scheme("semver", s));
}

TEST(Versions, Ranges) {
  const auto D = VersionScheme::kDotted;
  VersionRange r{"1.4.56", "", "", "1.4.67"};
  EXPECT_TRUE(r.contains("1.4.56", D));
  EXPECT_TRUE(r.contains("1.4.66", D));
  EXPECT_FALSE(r.contains("1.4.67", D));
  EXPECT_FALSE(r.contains("1.4.55", D));
  VersionRange excl{"", "1.20.0", "1.22.1", ""};
  EXPECT_FALSE(excl.contains("1.20.0", D));
  EXPECT_TRUE(excl.contains("1.20.1", D));
  EXPECT_TRUE(excl.contains("1.22.1", D));
  EXPECT_FALSE(excl.contains("1.22.2", D));
  VersionRange all{};
  EXPECT_TRUE(all.contains("0.1", D));
}

TEST(Versions, ProductKeys) {
  EXPECT_EQ(product_key("lighttpd:lighttpd"), "lighttpd:lighttpd");
  EXPECT_EQ(product_key("cpe:2.3:a:AllegroSoft:RomPager:4.07:*:*:*:*:*:*:*"), "allegrosoft:rompager");
  EXPECT_EQ(product_key("cpe:/a:openbsd:openssh:9.2p1"), "openbsd:openssh");
  EXPECT_EQ(product_key("cpe:/a:vsftpd:vsftpd:3.0.3"), "beasts:vsftpd");
  EXPECT_EQ(product_key("vsftpd_project:vsftpd"), "beasts:vsftpd");
  EXPECT_EQ(product_key("acme:mini_httpd"), "acme:mini-httpd");
  EXPECT_EQ(product_key("cpe:/a:matt_johnston:dropbear_ssh_server:2022.83"), "dropbear_ssh_project:dropbear_ssh");
  EXPECT_EQ(product_key("lighttpd"), "");
  EXPECT_EQ(product_key("a:b:c"), "");
  EXPECT_EQ(product_key("*:x"), "");
  EXPECT_EQ(product_key("a b:c"), "");
  EXPECT_EQ(product_key(""), "");
  EXPECT_EQ(product_key("cpe:2.3:a:x"), "");
}

// ---------------------------------------------------------------- vulnerability data

TEST(Vulns, ShippedDataLoadsAndMatches) {
  auto db = VulnDb::load(kData + "/vulns");
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_GE(db->size(), 20u);
  // "CVE-YYYY-NNNN..." (std::regex trips GCC 12's -Wmaybe-uninitialized).
  auto is_cve = [](const std::string& id) {
    if (id.size() < 13 || !id.starts_with("CVE-") || id[8] != '-') return false;
    for (size_t i = 4; i < id.size(); ++i)
      if (i != 8 && (id[i] < '0' || id[i] > '9')) return false;
    return true;
  };
  for (const auto& r : db->rules()) {
    EXPECT_TRUE(is_cve(r.id)) << r.id;
    ASSERT_FALSE(r.references.empty()) << r.id;
    EXPECT_EQ(r.references.front(), "https://nvd.nist.gov/vuln/detail/" + r.id);
    EXPECT_FALSE(r.summary.empty()) << r.id;
    EXPECT_GT(r.cvss, 0) << r.id;
  }
  auto ids = [&](const char* product, const char* version) {
    std::vector<std::string> out;
    for (const auto& m : db->match(product, version)) {
      EXPECT_EQ(m.confidence, "version");
      out.push_back(m.rule->id);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  // The lab's tr069-modem: "Server: RomPager/4.07".
  EXPECT_EQ(ids("allegrosoft:rompager", "4.07"), V{"CVE-2014-9222"});
  ASSERT_EQ(db->match("allegrosoft:rompager", "4.07").size(), 1u);
  EXPECT_EQ(db->match("allegrosoft:rompager", "4.07").front().rule->severity, Severity::kCritical);
  EXPECT_EQ(ids("cpe:/a:allegrosoft:rompager:4.07", "4.07"), V{"CVE-2014-9222"});
  EXPECT_EQ(ids("allegrosoft:rompager", "4.34"), V{});
  // Terrapin by version, with the active check that can clear it.
  auto terrapin = db->match("dropbear_ssh_project:dropbear_ssh", "2022.83");
  ASSERT_EQ(terrapin.size(), 1u);
  EXPECT_EQ(terrapin[0].rule->id, "CVE-2023-48795");
  EXPECT_EQ(terrapin[0].rule->check, "ssh-strict-kex");
  EXPECT_EQ(ids("dropbear_ssh_project:dropbear_ssh", "2024.84"), V{});
  EXPECT_EQ(ids("dropbear_ssh_project:dropbear_ssh", "2016.73"),
            (V{"CVE-2016-7406", "CVE-2017-9078", "CVE-2023-48795"}));
  EXPECT_EQ(ids("openbsd:openssh", "9.2p1"), (V{"CVE-2023-48795", "CVE-2024-6387"}));
  EXPECT_EQ(ids("openbsd:openssh", "9.6p1"), V{"CVE-2024-6387"});
  EXPECT_EQ(ids("openbsd:openssh", "9.8p1"), V{});
  EXPECT_EQ(ids("openbsd:openssh", "8.4p1"), V{"CVE-2023-48795"});
  EXPECT_EQ(ids("openbsd:openssh", "7.7p1"), (V{"CVE-2018-15473", "CVE-2023-48795"}));
  EXPECT_EQ(ids("beasts:vsftpd", "2.3.4"), V{"CVE-2011-2523"});
  EXPECT_EQ(ids("cpe:/a:vsftpd:vsftpd:2.3.4", "2.3.4"), V{"CVE-2011-2523"});
  EXPECT_EQ(ids("beasts:vsftpd", "2.3.2"), V{"CVE-2011-0762"});
  EXPECT_EQ(ids("miniupnp_project:miniupnpd", "1.0"), (V{"CVE-2013-0229", "CVE-2013-0230"}));
  EXPECT_EQ(ids("boa:boa", "0.94.14rc21"), V{"CVE-2017-9833"});
  EXPECT_EQ(ids("embedthis:goahead", "3.6.4"), V{"CVE-2017-17562"});
  ASSERT_EQ(db->match("embedthis:goahead", "3.6.4").size(), 1u);
  EXPECT_TRUE(db->match("embedthis:goahead", "3.6.4").front().rule->kev);
  EXPECT_EQ(ids("lighttpd:lighttpd", "1.4.60"), V{"CVE-2022-41556"});
  // The Debian 12 daemons of the lab: nothing but Terrapin on dropbear (which the
  // ssh-strict-kex check clears there).
  EXPECT_EQ(ids("lighttpd:lighttpd", "1.4.69"), V{});
  EXPECT_EQ(ids("busybox:busybox", "1.35.0"), V{});
  EXPECT_EQ(ids("beasts:vsftpd", "3.0.3"), V{});
  EXPECT_EQ(ids("net-snmp:net-snmp", "5.9.3"), V{});
  EXPECT_EQ(ids("miniupnp_project:miniupnpd", "2.3.1"), V{});
  // No version, no product, no match.
  EXPECT_EQ(ids("allegrosoft:rompager", ""), V{});
  EXPECT_EQ(ids("allegrosoft:rompager", "unknown"), V{});
  EXPECT_EQ(ids("example:nothing", "1.0"), V{});
  EXPECT_EQ(ids("garbage", "1.0"), V{});
}

std::string vfile(const std::string& rules, const std::string& extra = "") {
  return "{\"format\": \"sekisho-vulns/1\", \"version\": \"1\"" + extra + ", \"rules\": [" + rules + "]}";
}
const std::string kRule = R"({"id": "CVE-2000-0001", "product": "boa:boa", "ranges": [{"end_excl": "1.0"}]})";

std::string vuln_error(const std::string& text) {
  auto r = VulnDb::load_text(text, "v.json");
  return r ? std::string("(loaded)") : r.error().message();
}

TEST(Vulns, LoaderDefaultsAndErrors) {
  auto ok = VulnDb::load_text(vfile(kRule), "v.json");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->rules()[0].severity, Severity::kHigh);  // the default
  EXPECT_EQ(ok->rules()[0].scheme, VersionScheme::kDotted);
  EXPECT_EQ(ok->versions(), std::vector<std::string>{"1"});
  EXPECT_TRUE(vuln_error("{").starts_with("v.json: not JSON: parse error")) << vuln_error("{");
  EXPECT_EQ(vuln_error(std::string(40, '[') + std::string(40, ']')), "v.json: nested deeper than 16 levels at byte 16");
  EXPECT_EQ(vuln_error("[]"), "v.json: expected a JSON object with \"version\" and \"rules\"");
  EXPECT_EQ(vuln_error(R"({"rules": []})"), "v.json: version: expected a version string such as \"2026.11.1\"");
  EXPECT_EQ(vuln_error(R"({"version": "1", "rulez": []})"), "v.json: rulez: unknown key");
  EXPECT_EQ(vuln_error(R"({"format": "x", "version": "1", "rules": []})"),
            "v.json: format: expected \"sekisho-vulns/1\"");
  EXPECT_EQ(vuln_error(vfile(kRule + "," + kRule)),
            "v.json: rule 2 (CVE-2000-0001): a second rule for CVE-2000-0001 on boa:boa");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "Boa", "ranges": [{}]})")),
            "v.json: rule 1 (CVE-1): field 'product' must be a lower-case CPE \"vendor:product\", got 'Boa'");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "vsftpd_project:vsftpd", "ranges": [{}]})")),
            "v.json: rule 1 (CVE-1): field 'product': write 'beasts:vsftpd' for 'vsftpd_project:vsftpd'");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": []})")),
            "v.json: rule 1 (CVE-1): field 'ranges' must be a non-empty array of {start_incl, start_excl, "
            "end_incl, end_excl}");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end": "1"}]})")),
            "v.json: rule 1 (CVE-1): field 'ranges' item 1: unknown bound 'end'");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "x"}]})")),
            "v.json: rule 1 (CVE-1): field 'ranges' item 1: end_excl must be a version such as \"4.34\", got 'x'");
  EXPECT_EQ(
      vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1", "end_incl": "1"}]})")),
      "v.json: rule 1 (CVE-1): field 'ranges' item 1: give end_incl or end_excl, not both");
  EXPECT_EQ(
      vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1"}], "severity": "bad"})")),
      "v.json: rule 1 (CVE-1): field 'severity' must be info, low, medium, high or critical");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1"}], "cvss": 11})")),
            "v.json: rule 1 (CVE-1): field 'cvss' must be a number 0..10");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1"}], "kev": 1})")),
            "v.json: rule 1 (CVE-1): field 'kev' must be true or false");
  EXPECT_EQ(
      vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1"}], "check": "No Way"})")),
      "v.json: rule 1 (CVE-1): field 'check' must be a check name such as \"ssh-strict-kex\"");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1"}], "x": 1})")),
            "v.json: rule 1 (CVE-1): unknown field 'x'");
  EXPECT_EQ(vuln_error(vfile(R"({"product": "boa:boa", "ranges": [{"end_excl": "1"}]})")),
            "v.json: rule 1: field 'id' must be an advisory id such as \"CVE-2014-9222\"");
  EXPECT_EQ(vuln_error(vfile(R"({"id": "CVE-1", "product": "boa:boa", "ranges": [{"end_excl": "1"}], "references": )"
                             R"(["ftp://x"]})")),
            "v.json: rule 1 (CVE-1): field 'references' must hold http(s) URLs");
  EXPECT_EQ(vuln_error(vfile(kRule, R"(, "sources": {"a": {"title": "t"}})")),
            "v.json: sources.a: expected {\"title\": ..., \"url\": ...}");
}

TEST(Vulns, LoadsDirectoriesAndFiles) {
  TempDir dir;
  dir.write("a.json", vfile(kRule));
  dir.write("b.json", vfile(R"({"id": "CVE-2000-0002", "product": "boa:boa", "ranges": [{"end_excl": "2.0"}]})"));
  dir.write("notes.txt", "ignored");
  auto db = VulnDb::load(dir.path.string());
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_EQ(db->size(), 2u);
  EXPECT_EQ(db->match("boa:boa", "0.9").size(), 2u);
  EXPECT_EQ(db->match("boa:boa", "1.5").size(), 1u);
  auto one = VulnDb::load((dir.path / "a.json").string());
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
  // A rule repeated by a later file: the earlier file's wins.
  dir.write("c.json", vfile(R"({"id": "CVE-2000-0001", "product": "boa:boa", "ranges": [{"end_excl": "9.0"}]})"));
  auto dup = VulnDb::load(dir.path.string());
  ASSERT_TRUE(dup) << dup.error().message();
  EXPECT_EQ(dup->size(), 2u);
  EXPECT_EQ(dup->shadowed(), 1u);
  EXPECT_EQ(dup->match("boa:boa", "1.5").size(), 1u);  // CVE-2000-0002 only: a.json's range holds
  // Within one file a repeat is an error naming the file and the rule.
  dir.write("d.json", vfile(kRule + "," + kRule));
  auto bad = VulnDb::load(dir.path.string());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, (dir.path / "d.json").string() + ": rule 2 (CVE-2000-0001)");
  TempDir empty;
  auto none = VulnDb::load(empty.path.string());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, core::ErrorCode::kNotFound);
  auto missing = VulnDb::load("/nonexistent/vulns.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

// ---------------------------------------------------------------- NVD import

const VulnRule* find_rule(const std::vector<VulnRule>& rules, const std::string& id, const std::string& product) {
  for (const auto& r : rules)
    if (r.id == id && r.product == product) return &r;
  return nullptr;
}

TEST(Nvd, ImportsTheSampleFeed) {
  const std::string feed = read(kNvdSample);
  ASSERT_FALSE(feed.empty());
  auto rules = import_nvd(feed, "sample.json", default_vuln_products());
  ASSERT_TRUE(rules) << rules.error().message();
  EXPECT_EQ(rules->size(), 8u);

  const VulnRule* rp = find_rule(*rules, "CVE-2014-9222", "allegrosoft:rompager");
  ASSERT_NE(rp, nullptr);
  EXPECT_EQ(rp->scheme, VersionScheme::kRomPager);
  EXPECT_EQ(rp->severity, Severity::kHigh);  // CVSS v2 only: HIGH
  EXPECT_DOUBLE_EQ(rp->cvss, 10.0);
  ASSERT_EQ(rp->ranges.size(), 1u);
  EXPECT_EQ(rp->ranges[0].end_incl, "4.07");
  EXPECT_FALSE(rp->kev);
  EXPECT_EQ(rp->references.front(), "https://nvd.nist.gov/vuln/detail/CVE-2014-9222");
  EXPECT_NE(std::find(rp->references.begin(), rp->references.end(), "http://www.kb.cert.org/vuls/id/561444"),
            rp->references.end());
  EXPECT_TRUE(rp->summary.starts_with("AllegroSoft RomPager")) << rp->summary;  // English, not Spanish

  const VulnRule* ga = find_rule(*rules, "CVE-2017-17562", "embedthis:goahead");
  ASSERT_NE(ga, nullptr);
  EXPECT_TRUE(ga->kev);
  EXPECT_EQ(ga->severity, Severity::kHigh);
  EXPECT_DOUBLE_EQ(ga->cvss, 8.1);
  EXPECT_EQ(ga->ranges[0].end_excl, "3.6.5");

  const VulnRule* mh = find_rule(*rules, "CVE-2018-18778", "acme:mini-httpd");
  ASSERT_NE(mh, nullptr);
  EXPECT_EQ(mh->severity, Severity::kMedium);  // v3.0 before v2
  EXPECT_DOUBLE_EQ(mh->cvss, 6.5);

  // NVD's vsftpd_project:vsftpd is the scanner's beasts:vsftpd; an exact version is a one-version range.
  const VulnRule* vs = find_rule(*rules, "CVE-2011-2523", "beasts:vsftpd");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->severity, Severity::kCritical);
  ASSERT_EQ(vs->ranges.size(), 1u);
  EXPECT_EQ(vs->ranges[0].start_incl, "2.3.4");
  EXPECT_EQ(vs->ranges[0].end_incl, "2.3.4");

  const VulnRule* os = find_rule(*rules, "CVE-2024-6387", "openbsd:openssh");
  ASSERT_NE(os, nullptr);
  ASSERT_EQ(os->ranges.size(), 5u);
  EXPECT_EQ(os->ranges[1].start_incl, "8.6");
  EXPECT_EQ(os->ranges[1].end_excl, "9.8");
  EXPECT_EQ(os->ranges[2].end_incl, "4.4");    // "4.4:-": the update field '-' is dropped
  EXPECT_EQ(os->ranges[3].end_incl, "8.5p1");  // "8.5:p1": appended
  EXPECT_DOUBLE_EQ(os->cvss, 8.1);

  // Only the vulnerable application of an AND configuration is kept.
  const VulnRule* db = find_rule(*rules, "CVE-2017-9078", "dropbear_ssh_project:dropbear_ssh");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->scheme, VersionScheme::kDropbear);

  // A record without configurations yields nothing; nor does a rejected one.
  EXPECT_EQ(find_rule(*rules, "CVE-2023-48795", "openbsd:openssh"), nullptr);
  for (const auto& r : *rules) EXPECT_NE(r.id, "SEKISHO-TEST-2");

  // Negated nodes, vulnerable:false and unlisted products are left out; v4.0 is the last resort.
  const VulnRule* t1 = find_rule(*rules, "SEKISHO-TEST-1", "busybox:busybox");
  ASSERT_NE(t1, nullptr);
  ASSERT_EQ(t1->ranges.size(), 1u);
  EXPECT_EQ(t1->ranges[0].start_excl, "1.20.0");
  EXPECT_EQ(t1->ranges[0].end_incl, "1.22.1");
  EXPECT_EQ(t1->severity, Severity::kLow);
  EXPECT_EQ(t1->summary.find('\n'), std::string::npos);
  EXPECT_EQ(t1->summary.find('\t'), std::string::npos);

  // No metrics: high; a '-' version is skipped.
  const VulnRule* t3 = find_rule(*rules, "SEKISHO-TEST-3", "lighttpd:lighttpd");
  ASSERT_NE(t3, nullptr);
  EXPECT_EQ(t3->severity, Severity::kHigh);
  EXPECT_EQ(t3->cvss, 0);
  ASSERT_EQ(t3->ranges.size(), 1u);
  EXPECT_EQ(t3->ranges[0].start_incl, "1.4.30");
}

TEST(Nvd, ProductFilterAndErrors) {
  const std::string feed = read(kNvdSample);
  auto only = import_nvd(feed, "sample.json", {"busybox:busybox", "cpe:2.3:a:example:odd\\:name"});
  ASSERT_FALSE(only);  // "odd:name" cannot be a product key
  EXPECT_EQ(only.error().code, core::ErrorCode::kInvalidArgument);
  auto bb = import_nvd(feed, "sample.json", {"busybox:busybox"});
  ASSERT_TRUE(bb) << bb.error().message();
  ASSERT_EQ(bb->size(), 1u);
  EXPECT_EQ((*bb)[0].id, "SEKISHO-TEST-1");

  auto err = [](std::string_view text, const std::vector<std::string>& products = {"busybox:busybox"}) {
    auto r = import_nvd(text, "feed.json", products);
    return r ? std::string("(imported)") : r.error().message();
  };
  EXPECT_EQ(err("\x1f\x8b\x08\x00"), "feed.json: gzip-compressed; run gunzip on it first");
  EXPECT_EQ(err(R"({"CVE_data_type": "CVE", "CVE_Items": []})"),
            "feed.json: an NVD 1.1 feed (CVE_Items); download the JSON 2.0 feeds (nvdcve-2.0-*.json)");
  EXPECT_EQ(err(R"({"format": "NVD_CVE"})"), "feed.json: not an NVD CVE JSON 2.0 feed (no \"vulnerabilities\" array)");
  EXPECT_TRUE(err("{\"vulnerabilities\": [").starts_with("feed.json: not JSON:")) << err("{\"vulnerabilities\": [");
  EXPECT_EQ(err(R"({"vulnerabilities": []})", {}), "feed.json: no products to import");
  EXPECT_EQ(err(R"({"vulnerabilities": []})", {"busybox"}), "'busybox': not a CPE vendor:product");
  EXPECT_EQ(err(R"({"vulnerabilities": [1, "x", {"cve": 3}, {"cve": {"id": 7}}]})"), "(imported)");
  EXPECT_EQ(err(std::string(100, '[')), "feed.json: nested deeper than 32 levels at byte 32; not an NVD feed");
}

TEST(Nvd, DuplicateRecordsKeepTheLast) {
  const std::string rec = R"({"cve": {"id": "CVE-2000-0001", "configurations": [{"nodes": [{"cpeMatch": [
      {"vulnerable": true, "criteria": "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*", "versionEndExcluding": "V"}]}]}]}})";
  std::string a = rec, b = rec;
  a.replace(a.find("\"V\""), 3, "\"1.0\"");
  b.replace(b.find("\"V\""), 3, "\"2.0\"");
  auto r = import_nvd("{\"vulnerabilities\": [" + a + "," + b + "]}", "f.json", {"busybox:busybox"});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].ranges[0].end_excl, "2.0");
}

TEST(Nvd, WrittenDataLoadsBackTheSame) {
  auto rules = import_nvd(read(kNvdSample), "sample.json", default_vuln_products());
  ASSERT_TRUE(rules) << rules.error().message();
  const std::string json = write_vulns_json(*rules, "2026.11.25", {{"nvd", "NVD feed", "https://nvd.nist.gov/"}});
  EXPECT_EQ(json, write_vulns_json(*rules, "2026.11.25", {{"nvd", "NVD feed", "https://nvd.nist.gov/"}}));
  auto db = VulnDb::load_text(json, "written.json");
  ASSERT_TRUE(db) << db.error().message();
  ASSERT_EQ(db->size(), rules->size());
  EXPECT_EQ(db->versions(), std::vector<std::string>{"2026.11.25"});
  // Sorted by (product, id).
  for (size_t i = 1; i < db->size(); ++i)
    EXPECT_LE(std::tie(db->rules()[i - 1].product, db->rules()[i - 1].id),
              std::tie(db->rules()[i].product, db->rules()[i].id));
  for (const auto& back : db->rules()) {
    const VulnRule* orig = find_rule(*rules, back.id, back.product);
    ASSERT_NE(orig, nullptr) << back.id;
    EXPECT_EQ(back.scheme, orig->scheme);
    EXPECT_EQ(back.severity, orig->severity);
    EXPECT_DOUBLE_EQ(back.cvss, orig->cvss);
    EXPECT_EQ(back.kev, orig->kev);
    EXPECT_EQ(back.summary, orig->summary);
    EXPECT_EQ(back.references, orig->references);
    ASSERT_EQ(back.ranges.size(), orig->ranges.size());
    for (size_t i = 0; i < back.ranges.size(); ++i) {
      EXPECT_EQ(back.ranges[i].start_incl, orig->ranges[i].start_incl);
      EXPECT_EQ(back.ranges[i].start_excl, orig->ranges[i].start_excl);
      EXPECT_EQ(back.ranges[i].end_incl, orig->ranges[i].end_incl);
      EXPECT_EQ(back.ranges[i].end_excl, orig->ranges[i].end_excl);
    }
  }
  // The imported rules match like the curated ones.
  EXPECT_EQ(db->match("allegrosoft:rompager", "4.07").size(), 1u);
  EXPECT_EQ(db->match("openbsd:openssh", "8.5p1").size(), 1u);
  EXPECT_EQ(db->match("openbsd:openssh", "9.8p1").size(), 0u);
  // The one-argument form writes version "imported".
  auto plain = VulnDb::load_text(write_vulns_json(*rules), "plain.json");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->versions(), std::vector<std::string>{"imported"});
}

// An operator's import next to the curated file: the curated rules win.
TEST(Nvd, ImportNextToCuratedData) {
  TempDir dir;
  dir.write("iot.json", read(kData + "/vulns/iot.json"));
  auto rules = import_nvd(read(kNvdSample), "sample.json", default_vuln_products());
  ASSERT_TRUE(rules) << rules.error().message();
  dir.write("nvd.json", write_vulns_json(*rules));
  auto db = VulnDb::load(dir.path.string());
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_GE(db->shadowed(), 1u);
  auto rp = db->match("allegrosoft:rompager", "4.33");  // iot.json's range (before 4.34), not NVD's (to 4.07)
  ASSERT_EQ(rp.size(), 1u);
  EXPECT_EQ(rp[0].rule->severity, Severity::kCritical);
  auto goahead = db->match("embedthis:goahead", "3.6.4");
  ASSERT_EQ(goahead.size(), 1u);
  EXPECT_TRUE(goahead[0].rule->kev);
  EXPECT_EQ(db->match("acme:mini-httpd", "1.29").size(), 1u);
}

// The shipped file is in the writer's canonical form, so an import diff stays readable.
TEST(Nvd, ShippedFileIsCanonical) {
  auto db = VulnDb::load(kData + "/vulns/iot.json");
  ASSERT_TRUE(db) << db.error().message();
  const std::string text = read(kData + "/vulns/iot.json");
  const std::string written = write_vulns_json(db->rules(), db->versions()[0], {});
  const auto rules_at = text.find("\"rules\"");
  ASSERT_NE(rules_at, std::string::npos);
  EXPECT_EQ(text.substr(rules_at), written.substr(written.find("\"rules\"")));
}

}  // namespace
}  // namespace sekisho::scan
