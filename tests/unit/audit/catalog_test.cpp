// The catalog files: every entry loads through the schema, the counts and ids match the
// reference (shared/reference/guidelines.md), the cross-walk resolves, and a catalog change
// that breaks the cross-walk fails.
#include "audit/catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace sekisho::audit {
namespace {

const std::string kDir = std::string(SEKISHO_SOURCE_DIR) + "/data/catalogs";
const std::string kReference = std::string(SEKISHO_SHARED_DATA) + "/../reference/guidelines.md";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const CatalogSet& all() {
  static const CatalogSet set = [] {
    auto s = CatalogSet::load(kDir);
    if (!s) {
      ADD_FAILURE() << s.error().message();
      std::abort();
    }
    return std::move(s.value());
  }();
  return set;
}

// The first cell of every table row under the section heading `heading`, up to the next "## ".
// Id shapes: a prefix, then digits, dots and dashes (what the reference's first cells hold).
using IdTest = bool (*)(std::string_view);
bool digits_tail(std::string_view s, size_t from, bool dots) {
  if (s.size() <= from) return false;
  for (size_t i = from; i < s.size(); ++i)
    if (!((s[i] >= '0' && s[i] <= '9') || (dots && (s[i] == '.' || s[i] == '-')))) return false;
  return true;
}
bool key_point(std::string_view s) { return s.size() == 3 && s[0] == 'K' && digits_tail(s, 1, false); }
bool user_rule(std::string_view s) { return s.size() == 2 && s[0] == 'U' && digits_tail(s, 1, false); }
bool ter_item(std::string_view s) { return s.rfind("TER-34-10-", 0) == 0 && digits_tail(s, 10, false); }
bool etsi_provision(std::string_view s) {
  return !s.empty() && (s[0] == '4' || s[0] == '5' || s[0] == '6') && s.find('-') != std::string_view::npos &&
         digits_tail(s, 0, true) && s.back() != '-';
}
bool etsi_clause(std::string_view s) { return s == "6" || (s.rfind("5.", 0) == 0 && digits_tail(s, 2, false)); }
bool owasp_item(std::string_view s) { return s.size() >= 2 && s[0] == 'I' && digits_tail(s, 1, false); }
bool psti_item(std::string_view s) { return s.rfind("PSTI-", 0) == 0 && digits_tail(s, 5, false); }

std::vector<std::string> reference_ids(const std::string& heading, IdTest id) {
  const std::string text = read(kReference);
  std::vector<std::string> out;
  const size_t start = text.find(heading);
  if (start == std::string::npos) return out;
  std::istringstream in(text.substr(start + heading.size()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0 || line.rfind("### ", 0) == 0) break;
    if (line.rfind("| ", 0) != 0) continue;
    const std::string cell = line.substr(2, line.find(" |", 2) - 2);
    if (id(cell)) out.push_back(cell);
  }
  return out;
}

std::vector<std::string> ids_of(const Catalog& c) {
  std::vector<std::string> out;
  for (const auto& r : c.requirements) out.push_back(r.id);
  return out;
}

std::vector<std::string> groups_of(const Catalog& c) {
  std::vector<std::string> out;
  for (const auto& g : c.groups) out.push_back(g.id);
  return out;
}

TEST(Catalog, EveryCatalogLoadsAndIsNamedForItsFile) {
  ASSERT_EQ(all().catalogs().size(), catalog_ids().size());
  for (const auto& id : catalog_ids()) {
    const Catalog* c = all().find(id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->title.ja.empty());
    EXPECT_FALSE(c->title.en.empty());
    EXPECT_FALSE(c->sources.empty()) << id;
    for (const auto& r : c->requirements) {
      SCOPED_TRACE(id + ":" + r.id);
      EXPECT_FALSE(r.title.ja.empty());
      EXPECT_FALSE(r.title.en.empty());
      EXPECT_FALSE(r.summary.ja.empty());
      EXPECT_FALSE(r.summary.en.empty());
      EXPECT_NE(r.checks, 0u);
      EXPECT_NE(c->group(r.group), nullptr);
      EXPECT_GT(r.line, 0);
      if (r.condition) {
        EXPECT_FALSE(r.condition->ja.empty());
        EXPECT_FALSE(r.condition->en.empty());
      }
      // A Japanese text has Japanese in it (a UTF-8 lead byte of the CJK/kana ranges).
      EXPECT_NE(r.title.ja.find_first_of("\xe3\xe4\xe5\xe6\xe7\xe8\xe9"), std::string::npos) << r.title.ja;
    }
  }
}

TEST(Catalog, JapaneseGuidelinesMatchTheReference) {
  const Catalog& c = *all().find("jp-iot-sg-2016");
  EXPECT_EQ(groups_of(c), (std::vector<std::string>{"P1", "P2", "P3", "P4", "P5", "U"}));
  auto ref = reference_ids("### 1.2 The 21 key points", key_point);
  ASSERT_EQ(ref.size(), 21u);
  for (const auto& u : reference_ids("### 1.3 The four rules", user_rule)) ref.push_back(u);
  ASSERT_EQ(ref.size(), 25u);
  EXPECT_EQ(ids_of(c), ref);
  // The key points sit under their policy; the organisational ones are scoped so.
  const std::map<std::string, std::string> policy = {{"K01", "P1"}, {"K03", "P2"}, {"K08", "P3"},
                                                     {"K13", "P4"}, {"K17", "P5"}, {"U1", "U"}};
  for (const auto& [k, p] : policy) EXPECT_EQ(c.find(k)->group, p) << k;
  for (const char* k : {"K01", "K02", "K07", "K18", "K20"}) EXPECT_EQ(c.find(k)->scope, Scope::kOrganisation) << k;
  EXPECT_EQ(c.find("K15")->scope, Scope::kDevice);
}

TEST(Catalog, TerminalEquipmentRulesMatchTheReference) {
  const Catalog& c = *all().find("jp-ter-34-10");
  const auto ref = reference_ids("### 1.5 Technical standard revision", ter_item);
  ASSERT_EQ(ref.size(), 4u);
  EXPECT_EQ(ids_of(c), (std::vector<std::string>{"1", "2", "3", "4"}));
  for (const auto& r : c.requirements) EXPECT_EQ(r.status, Status::kMandatory);
}

TEST(Catalog, EtsiMatchesTheReferenceRowForRow) {
  const Catalog& c = *all().find("etsi-en-303-645");
  const auto ref = reference_ids("### 2.2 Provisions", etsi_provision);
  ASSERT_EQ(ref.size(), 68u);
  EXPECT_EQ(ids_of(c), ref);
  const auto clauses = reference_ids("### 2.1 The 13 + 1 categories", etsi_clause);
  std::vector<std::string> want = {"4"};
  want.insert(want.end(), clauses.begin(), clauses.end());
  EXPECT_EQ(groups_of(c), want);
  // Status from the reference's M/R column, condition exactly where it says C.
  const std::string text = read(kReference);
  for (const auto& r : c.requirements) {
    const size_t row = text.find("| " + r.id + " | ");
    ASSERT_NE(row, std::string::npos) << r.id;
    const std::string status =
        text.substr(row + r.id.size() + 5, text.find(" |", row + r.id.size() + 5) - row - r.id.size() - 5);
    EXPECT_EQ(r.status, status[0] == 'M' ? Status::kMandatory : Status::kRecommended) << r.id << " " << status;
    EXPECT_EQ(r.condition.has_value(), status.find('C') != std::string::npos) << r.id << " " << status;
  }
  EXPECT_EQ(c.find("5.0-1"), c.find("4-1"));  // V3 alias
  EXPECT_EQ(c.find("5.13-1A"), c.find("5.13-1"));
}

TEST(Catalog, OtherSchemesMatchTheReference) {
  EXPECT_EQ(ids_of(*all().find("nistir-8259a")), (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(ids_of(*all().find("nistir-8259b")), (std::vector<std::string>{"1", "2", "3", "4"}));
  const auto owasp = reference_ids("## 5. OWASP IoT Top 10", owasp_item);
  ASSERT_EQ(owasp.size(), 10u);
  EXPECT_EQ(ids_of(*all().find("owasp-iot-2018")), owasp);
  const auto psti = reference_ids("### 7.1 UK Product Security", psti_item);
  ASSERT_EQ(psti.size(), 3u);
  EXPECT_EQ(ids_of(*all().find("uk-psti")), (std::vector<std::string>{"1", "2", "3"}));

  // JC-STAR star 1: 16 items; the ones whose text the reference lacks are marked unknown.
  const Catalog& jc = *all().find("jc-star-1");
  ASSERT_EQ(jc.requirements.size(), 16u);
  for (int i = 1; i <= 16; ++i) {
    const std::string id = std::string("S1.1-") + (i < 10 ? "0" : "") + std::to_string(i);
    const Requirement* r = jc.find(id);
    ASSERT_NE(r, nullptr) << id;
    const bool unknown = i >= 7 && i <= 15;
    EXPECT_EQ(r->confidence == Confidence::kUnknown, unknown) << id;
    EXPECT_EQ(r->status == Status::kUnknown, unknown) << id;
  }
}

TEST(Crosswalk, EveryReferenceRowIsLinkedAndResolves) {
  // Every JP item and TER item of the reference's section 8 has a link.
  std::set<std::string> from;
  for (const auto& l : all().links()) from.insert(l.from);
  for (int k = 1; k <= 21; ++k)
    EXPECT_TRUE(from.count(std::string("jp-iot-sg-2016:K") + (k < 10 ? "0" : "") + std::to_string(k))) << k;
  for (int u = 1; u <= 4; ++u) EXPECT_TRUE(from.count("jp-iot-sg-2016:U" + std::to_string(u))) << u;
  for (int t = 1; t <= 4; ++t) EXPECT_TRUE(from.count("jp-ter-34-10:" + std::to_string(t))) << t;
  for (const auto& l : all().links())
    for (const auto& q : l.to) EXPECT_TRUE(all().resolve(q) || all().is_group(q)) << q;
  // The default-password row, as the reference has it.
  const auto rel = all().related("jp-iot-sg-2016:K15");
  for (const char* q : {"etsi-en-303-645:5.1-1", "jp-ter-34-10:2", "uk-psti:1", "owasp-iot-2018:I1"})
    EXPECT_NE(std::find(rel.begin(), rel.end(), q), rel.end()) << q;
}

TEST(Crosswalk, ACatalogChangeThatBreaksItFails) {
  std::vector<Catalog> catalogs;
  for (const auto& id : catalog_ids()) {
    auto c = load_catalog(kDir + "/" + id + ".toml");
    ASSERT_TRUE(c) << c.error().message();
    catalogs.push_back(std::move(c.value()));
  }
  // Renumber ETSI 5.1-1 (as a careless edit would): the cross-walk no longer resolves.
  for (auto& c : catalogs)
    if (c.id == "etsi-en-303-645") c.requirements[1].id = "5.1-99";
  const std::string cw = read(kDir + "/crosswalk.toml");
  auto set = CatalogSet::from(std::move(catalogs), cw, "crosswalk.toml");
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message().find("etsi-en-303-645:5.1-1"), std::string::npos) << set.error().message();
  EXPECT_NE(set.error().message().find("crosswalk.toml:"), std::string::npos) << set.error().message();
}

constexpr const char* kSmall = R"(schema = 1
id = "t"
short = "T"
version = "1"
publisher = "P"
kind = "product"
title = { ja = "テスト", en = "Test" }
sources = ["here"]
[[group]]
id = "g"
title = { ja = "群", en = "Group" }
[[requirement]]
id = "r1"
group = "g"
title = { ja = "要件", en = "Req" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["scan"]
scope = "device"
confidence = "verified"
)";

TEST(Catalog, ErrorsNameFileLineAndField) {
  auto ok = parse_catalog(kSmall, "t.toml");
  ASSERT_TRUE(ok) << ok.error().message();

  struct Case {
    std::string from, to, expect;
  };
  const Case cases[] = {
      {"status = \"mandatory\"", "status = \"must\"", "t.toml:17: requirement 'r1': field 'status'"},
      {"group = \"g\"\ntitle = { ja = \"要件\"", "group = \"h\"\ntitle = { ja = \"要件\"",
       "field 'group': no [[group]]"},
      {"checks = [\"scan\"]", "checks = [\"x-ray\"]", "unknown check 'x-ray'"},
      {"checks = [\"scan\"]", "checks = [\"scan\"]\ncolour = \"red\"", "unknown field 'colour'"},
      {"summary = { ja = \"要約。\", en = \"Summary.\" }", "summary = { ja = \"要約。\" }", "field 'en' is missing"},
      {"schema = 1", "schema = 2", "t.toml:1: field 'schema' must be 1"},
      {"confidence = \"verified\"", "confidence = \"unknown\"", "status 'unknown' goes with confidence 'unknown'"},
      {"kind = \"product\"", "kind = ", "t.toml:6:"},
  };
  for (const auto& c : cases) {
    std::string text = kSmall;
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    auto r = parse_catalog(text, "t.toml");
    ASSERT_FALSE(r) << c.to;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
  // A duplicate id.
  std::string dup = std::string(kSmall) + R"([[requirement]]
id = "r1"
group = "g"
title = { ja = "要件", en = "Req" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["scan"]
scope = "device"
confidence = "verified"
)";
  auto d = parse_catalog(dup, "t.toml");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message().find("id already used"), std::string::npos) << d.error().message();
}

}  // namespace
}  // namespace sekisho::audit
