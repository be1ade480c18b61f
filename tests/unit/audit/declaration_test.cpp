#include "audit/declaration.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace sekisho::audit {
namespace {

// Two small catalogs in the real schema (data/catalogs/), one with ETSI V3 aliases.
constexpr const char* kEtsi = R"t(
schema = 1
id = "etsi-en-303-645"
short = "ETSI EN 303 645"
version = "V2.1.1 (2020-06)"
publisher = "ETSI"
kind = "product"
title = { ja = "コンシューマIoTのサイバーセキュリティ", en = "Cyber Security for Consumer IoT" }
sources = ["test"]

[[group]]
id = "5.1"
title = { ja = "共通デフォルトパスワードの禁止", en = "No universal default passwords" }

[[group]]
id = "5.3"
title = { ja = "ソフトウェアを最新に保つ", en = "Keep software updated" }

[[group]]
id = "5.8"
title = { ja = "個人データの保護", en = "Ensure that personal data is secure" }

[[group]]
id = "5.13"
title = { ja = "入力データの検証", en = "Validate input data" }

[[requirement]]
id = "5.1-1"
group = "5.1"
title = { ja = "固有のパスワード", en = "Unique passwords" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["scan", "declaration"]
scope = "device"
confidence = "verified"

[[requirement]]
id = "5.3-13"
group = "5.3"
title = { ja = "サポート期間の公開", en = "Published support period" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["declaration"]
scope = "device"
confidence = "verified"

[[requirement]]
id = "5.8-3"
group = "5.8"
title = { ja = "外部センサの説明", en = "External sensors described" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["declaration"]
scope = "device"
confidence = "verified"

[[requirement]]
id = "5.13-1"
group = "5.13"
title = { ja = "入力の検証", en = "Input validated" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["device-test"]
scope = "device"
confidence = "verified"
aliases = ["5.13-1A", "5.13-1B"]
)t";

constexpr const char* kJp = R"t(
schema = 1
id = "jp-iot-sg-2016"
short = "IoT Security Guidelines v1.0"
version = "ver 1.0 (2016-07)"
publisher = "IoT推進コンソーシアム"
kind = "mixed"
title = { ja = "IoTセキュリティガイドライン", en = "IoT Security Guidelines" }
sources = ["test"]

[[group]]
id = "P1"
title = { ja = "方針", en = "Policy" }

[[requirement]]
id = "K01"
group = "P1"
title = { ja = "経営者がコミットする", en = "Top management commits" }
summary = { ja = "要約。", en = "Summary." }
status = "guidance"
checks = ["organisational"]
scope = "organisation"
confidence = "verified"

[[requirement]]
id = "K15"
group = "P1"
title = { ja = "初期設定に留意する", en = "Mind the initial settings" }
summary = { ja = "要約。", en = "Summary." }
status = "guidance"
checks = ["scan"]
scope = "device"
confidence = "verified"
)t";

constexpr const char* kCrosswalk = R"t(
schema = 1
[[link]]
from = "jp-iot-sg-2016:K15"
to = ["etsi-en-303-645:5.1-1"]
kind = "partial"
)t";

constexpr const char* kSchema = R"t(
schema = 1
[[fact]]
id = "vulnerability_disclosure_url"
type = "url"
subject = "device"
title = { ja = "脆弱性開示ポリシー", en = "Vulnerability disclosure policy" }
[[fact]]
id = "support_period_end"
type = "date"
subject = "device"
title = { ja = "サポート終了日", en = "End of support" }
[[fact]]
id = "updates_signed"
type = "bool"
subject = "device"
title = { ja = "署名付き更新", en = "Signed updates" }
[[fact]]
id = "update_mechanism"
type = "enum"
subject = "device"
values = ["none", "manual", "automatic"]
title = { ja = "更新の仕組み", en = "Update mechanism" }
[[fact]]
id = "external_sensors"
type = "list"
subject = "device"
title = { ja = "外部センサ", en = "External sensors" }
[[fact]]
id = "security_contact"
type = "string"
subject = "device"
title = { ja = "連絡先", en = "Contact" }
[[fact]]
id = "data_deletion_procedure"
type = "text"
subject = "device"
title = { ja = "データ消去手順", en = "Data deletion procedure" }
[[fact]]
id = "security_policy_owner"
type = "string"
subject = "organisation"
title = { ja = "方針の責任者", en = "Policy owner" }
[[fact]]
id = "note_any"
type = "string"
subject = "any"
title = { ja = "備考", en = "Note" }
)t";

// The example of declaration.h, line numbers as in the text.
constexpr const char* kGood = R"t(sekisho_declaration: 1
subject:
  kind: device
  name: Acme Cam 200
  maker: Acme
  model: CAM-200
  firmware: 1.2.3
  address: 10.0.0.5
  mac: 02:00:00:00:00:05
declared_by: { name: Jane Doe, role: maker, date: 2026-11-01 }
facts:
  vulnerability_disclosure_url: https://acme.example/security
  support_period_end: 2030-12-31
  updates_signed: true
  update_mechanism: automatic
  external_sensors: [camera, microphone]
  security_contact: "security@acme.example"
  note_any: applies to every subject
  data_deletion_procedure: |
    Hold the reset button for ten seconds.
    The device erases its settings and recordings.
answers:
  etsi-en-303-645:
    5.3-13: { status: supported, note: "published on the box and the web" }
    5.8-3:
      status: not-applicable
      justification: "no camera, microphone or other sensor"
      reference: manual section 4
    5.13-1A: { status: not-supported, justification: "input validation is still being reviewed" }
  jp-iot-sg-2016:
    K15: { status: supported }
)t";

class DeclarationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto etsi = parse_catalog(kEtsi, "etsi-en-303-645.toml");
    ASSERT_TRUE(etsi.ok()) << etsi.error().message();
    auto jp = parse_catalog(kJp, "jp-iot-sg-2016.toml");
    ASSERT_TRUE(jp.ok()) << jp.error().message();
    auto set = CatalogSet::from({etsi.value(), jp.value()}, kCrosswalk, "crosswalk.toml");
    ASSERT_TRUE(set.ok()) << set.error().message();
    catalogs_ = new CatalogSet(std::move(set.value()));
    auto schema = FactSchema::parse(kSchema, "facts.toml");
    ASSERT_TRUE(schema.ok()) << schema.error().message();
    schema_ = new FactSchema(std::move(schema.value()));
  }
  static void TearDownTestSuite() {
    delete catalogs_;
    delete schema_;
    catalogs_ = nullptr;
    schema_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(catalogs_, nullptr);
    ASSERT_NE(schema_, nullptr);
  }

  core::Result<Declaration> parse(const std::string& text, const std::string& name = "decl/acme.yaml") {
    return parse_declaration(text, name, *catalogs_, *schema_);
  }
  // `text` must fail: the error names the file and `line`, and `what` is a part of it.
  void expect_error(const std::string& text, int line, const std::string& what) {
    auto d = parse(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.error().code, core::ErrorCode::kFormat);
    EXPECT_EQ(d.error().where, "decl/acme.yaml:" + std::to_string(line)) << d.error().message();
    EXPECT_NE(d.error().what.find(what), std::string::npos) << d.error().message();
  }
  // The good declaration with `from` replaced by `to` (the first occurrence).
  static std::string good_with(const std::string& from, const std::string& to) {
    std::string s = kGood;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  }

  static CatalogSet* catalogs_;
  static FactSchema* schema_;
};

CatalogSet* DeclarationTest::catalogs_ = nullptr;
FactSchema* DeclarationTest::schema_ = nullptr;

TEST_F(DeclarationTest, ParsesTheExample) {
  auto d = parse(kGood);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->path, "decl/acme.yaml");
  EXPECT_EQ(d->subject.kind, "device");
  EXPECT_EQ(d->subject.name, "Acme Cam 200");
  EXPECT_EQ(d->subject.maker, "Acme");
  EXPECT_EQ(d->subject.model, "CAM-200");
  EXPECT_EQ(d->subject.firmware, "1.2.3");
  EXPECT_EQ(d->subject.address, "10.0.0.5");
  EXPECT_EQ(d->subject.mac, "02:00:00:00:00:05");
  EXPECT_EQ(d->declared_by, "Jane Doe");
  EXPECT_EQ(d->role, "maker");
  EXPECT_EQ(d->date, "2026-11-01");

  ASSERT_EQ(d->facts.size(), 8u);
  const Fact* url = d->fact("vulnerability_disclosure_url");
  ASSERT_NE(url, nullptr);
  EXPECT_EQ(url->value, "https://acme.example/security");
  EXPECT_EQ(url->line, 12);
  EXPECT_EQ(d->fact("support_period_end")->value, "2030-12-31");
  EXPECT_EQ(d->fact("updates_signed")->value, "true");
  EXPECT_EQ(d->fact("update_mechanism")->value, "automatic");
  const Fact* sensors = d->fact("external_sensors");
  ASSERT_NE(sensors, nullptr);
  EXPECT_EQ(sensors->items, (std::vector<std::string>{"camera", "microphone"}));
  EXPECT_EQ(sensors->value, "camera, microphone");
  EXPECT_EQ(d->fact("security_contact")->value, "security@acme.example");
  EXPECT_EQ(d->fact("data_deletion_procedure")->value,
            "Hold the reset button for ten seconds.\nThe device erases its settings and recordings.");
  EXPECT_EQ(d->fact("secure_boot"), nullptr);

  ASSERT_EQ(d->answers.size(), 4u);
  const Answer* a = d->answer("etsi-en-303-645", "5.3-13");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->status, AnswerStatus::kSupported);
  EXPECT_EQ(a->note, "published on the box and the web");
  EXPECT_EQ(a->line, 24);
  const Answer* na = d->answer("etsi-en-303-645", "5.8-3");
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(na->status, AnswerStatus::kNotApplicable);
  EXPECT_EQ(na->justification, "no camera, microphone or other sensor");
  EXPECT_EQ(na->reference, "manual section 4");
  EXPECT_EQ(na->line, 25);
  // An alias in the file is stored as the catalog's own id.
  EXPECT_EQ(d->answer("etsi-en-303-645", "5.13-1A"), nullptr);
  const Answer* alias = d->answer("etsi-en-303-645", "5.13-1");
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->status, AnswerStatus::kNotSupported);
  EXPECT_EQ(alias->requirement, "5.13-1");
  EXPECT_NE(d->answer("jp-iot-sg-2016", "K15"), nullptr);
}

TEST_F(DeclarationTest, EvidenceFromFactsAndAnswers) {
  auto d = parse(kGood);
  ASSERT_TRUE(d.ok()) << d.error().message();
  const std::vector<Evidence> ev = declaration_evidence(d.value());
  ASSERT_EQ(ev.size(), 12u);
  const Evidence& f = ev[1];
  EXPECT_EQ(f.id, "acme.yaml:facts.support_period_end");
  EXPECT_EQ(f.source, Source::kDeclaration);
  EXPECT_EQ(f.kind, "declaration.fact");
  EXPECT_EQ(f.file, "decl/acme.yaml");
  EXPECT_EQ(f.line, 13u);
  EXPECT_EQ(f.time, "2026-11-01");
  EXPECT_EQ(f.ip, "10.0.0.5");
  EXPECT_EQ(f.mac, "02:00:00:00:00:05");
  EXPECT_EQ(f.attr("id"), "support_period_end");
  EXPECT_EQ(f.attr("value"), "2030-12-31");
  EXPECT_FALSE(f.summary.empty());
  EXPECT_EQ(f.summary.find('\n'), std::string::npos);
  for (const Evidence& e : ev) EXPECT_EQ(e.summary.find('\n'), std::string::npos) << e.id;

  const Evidence& a = ev[9];
  EXPECT_EQ(a.id, "acme.yaml:answers.etsi-en-303-645.5.8-3");
  EXPECT_EQ(a.kind, "declaration.answer");
  EXPECT_EQ(a.attr("catalog"), "etsi-en-303-645");
  EXPECT_EQ(a.attr("requirement"), "5.8-3");
  EXPECT_EQ(a.attr("status"), "not-applicable");
  EXPECT_EQ(a.attr("justification"), "no camera, microphone or other sensor");
  EXPECT_EQ(ev[10].id, "acme.yaml:answers.etsi-en-303-645.5.13-1");
}

TEST_F(DeclarationTest, MinimalAndOrganisation) {
  auto d = parse("sekisho_declaration: 1\nsubject: { name: Acme }\ndeclared_by: { date: 2024-02-29 }\n");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->subject.kind, "device");
  EXPECT_TRUE(d->facts.empty());
  EXPECT_TRUE(d->answers.empty());

  auto org = parse(
      "sekisho_declaration: 1\nsubject: { kind: organisation, name: Acme Inc. }\n"
      "declared_by: { name: CISO, role: operator, date: 2026-01-31 }\n"
      "facts:\n  security_policy_owner: CISO\n  note_any: x\n"
      "answers:\n  jp-iot-sg-2016:\n    K01: { status: supported, note: board minutes 2025-04 }\n");
  ASSERT_TRUE(org.ok()) << org.error().message();
  EXPECT_EQ(org->subject.kind, "organisation");
  EXPECT_EQ(org->fact("security_policy_owner")->value, "CISO");
}

TEST_F(DeclarationTest, EmptyListMeansNone) {
  auto d = parse(good_with("[camera, microphone]", "[]"));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_TRUE(d->fact("external_sensors")->items.empty());
  EXPECT_EQ(d->fact("external_sensors")->value, "none");
  auto block = parse(good_with("[camera, microphone]", "\n    - camera\n    - door contact"));
  ASSERT_TRUE(block.ok()) << block.error().message();
  EXPECT_EQ(block->fact("external_sensors")->items.size(), 2u);
}

TEST_F(DeclarationTest, UnknownIdsAreErrors) {
  expect_error(good_with("5.3-13:", "5.3-99:"), 24, "field \"answers.etsi-en-303-645.5.3-99\": unknown requirement");
  expect_error(good_with("jp-iot-sg-2016:", "owasp-iot-2018:"), 30,
               "field \"answers.owasp-iot-2018\": unknown catalog");
  expect_error(good_with("support_period_end:", "support_end:"), 13, "field \"facts.support_end\": unknown fact");
  expect_error(good_with("declared_by:", "declared_by: {}\nsigned_by:"), 11, "field \"signed_by\": unknown key");
  expect_error(good_with("  model:", "  colour: red\n  model:"), 6, "field \"subject.colour\": unknown key");
  expect_error(good_with("role: maker", "role: maker, email: x"), 10, "field \"declared_by.email\": unknown key");
  expect_error(good_with("note: \"published", "notes: \"published"), 24,
               "field \"answers.etsi-en-303-645.5.3-13.notes\": unknown key");
}

TEST_F(DeclarationTest, DuplicatesAreErrors) {
  // The same requirement by its id and by its alias.
  expect_error(good_with("  jp-iot-sg-2016:", "    5.13-1: { status: supported }\n  jp-iot-sg-2016:"), 30,
               "answered twice (as 5.13-1, also at line 29)");
  expect_error(good_with("  updates_signed: true", "  updates_signed: true\n  updates_signed: false"), 15,
               "field \"facts.updates_signed\": given twice");
  expect_error(std::string(kGood) + "  jp-iot-sg-2016:\n    K01: { status: supported }\n", 32,
               "field \"answers.jp-iot-sg-2016\": given twice");
}

TEST_F(DeclarationTest, FieldErrorsNameLineAndField) {
  expect_error(good_with("sekisho_declaration: 1", "sekisho_declaration: 2"), 1,
               "field \"sekisho_declaration\": expected 1");
  expect_error(good_with("sekisho_declaration: 1", "# no version"), 1, "field \"sekisho_declaration\": missing");
  expect_error(good_with("kind: device", "kind: gadget"), 3, "field \"subject.kind\": expected device or organisation");
  expect_error(good_with("  name: Acme Cam 200\n", ""), 2, "field \"subject.name\": missing");
  expect_error(good_with("address: 10.0.0.5", "address: 10.0.0.500"), 8, "field \"subject.address\"");
  expect_error(good_with("mac: 02:00:00:00:00:05", "mac: 02:00:00"), 9, "field \"subject.mac\"");
  expect_error(good_with("date: 2026-11-01", "date: 2026-02-29"), 10,
               "field \"declared_by.date\": expected a date YYYY-MM-DD");
  expect_error(good_with("date: 2026-11-01", "date: 01/11/2026"), 10, "field \"declared_by.date\"");
  expect_error(good_with(", date: 2026-11-01", ""), 10, "field \"declared_by.date\": missing");
  expect_error(good_with("role: maker", "role: vendor"), 10, "field \"declared_by.role\"");
  expect_error(good_with("declared_by: { name: Jane Doe, role: maker, date: 2026-11-01 }\n", ""), 1,
               "field \"declared_by\": missing");
  expect_error("sekisho_declaration: 1\nsubject: [a]\ndeclared_by: { date: 2026-01-01 }\n", 2,
               "field \"subject\": expected a mapping");
  expect_error(good_with("declared_by:", "declared_by: {}\nsigned_by:"), 11, "field \"signed_by\": unknown key");
}

TEST_F(DeclarationTest, FactValuesFitTheirType) {
  const int line = 12;
  for (const char* bad : {"ftp://acme.example/", "https://", "https:///path", "acme.example/security",
                          "https://acme example/", "[https://a.example]", "{ url: https://a.example }"}) {
    expect_error(good_with("https://acme.example/security", bad), line, "field \"facts.vulnerability_disclosure_url\"");
  }
  for (const char* ok : {"http://acme.example", "https://acme.example:8443/x?y#z", "https://[2001:db8::1]/sec",
                         "https://user@acme.example/"}) {
    auto d = parse(good_with("https://acme.example/security", ok));
    EXPECT_TRUE(d.ok()) << ok << ": " << d.error().message();
  }
  expect_error(good_with("2030-12-31", "2030-13-01"), 13, "field \"facts.support_period_end\": expected a date");
  expect_error(good_with("2030-12-31", "2030-04-31"), 13, "expected a date");
  expect_error(good_with("2030-12-31", "soon"), 13, "expected a date");
  EXPECT_TRUE(parse(good_with("2030-12-31", "2032-02-29")).ok());
  expect_error(good_with("updates_signed: true", "updates_signed: yes"), 14,
               "field \"facts.updates_signed\": expected true or false");
  expect_error(good_with("update_mechanism: automatic", "update_mechanism: magic"), 15,
               "field \"facts.update_mechanism\": expected one of: none, manual, automatic");
  expect_error(good_with("[camera, microphone]", "camera"), 16, "field \"facts.external_sensors\": expected a list");
  expect_error(good_with("[camera, microphone]", "[camera, [mic]]"), 16, "field \"facts.external_sensors\"");
  expect_error(good_with("\"security@acme.example\"", "\"line one\\nline two\""), 17,
               "field \"facts.security_contact\": expected a one-line text");
  expect_error(good_with("\"security@acme.example\"", std::string(201, 'x')), 17, "longer than 200 characters");
  EXPECT_TRUE(parse(good_with("\"security@acme.example\"", std::string(200, 'x'))).ok());
  // 200 characters of three bytes each are still 200 characters.
  std::string kana;
  for (int i = 0; i < 200; ++i) kana += "あ";
  EXPECT_TRUE(parse(good_with("\"security@acme.example\"", kana)).ok());
  expect_error(good_with("    Hold the reset", "    " + std::string(4001, 'y') + "\n    Hold the reset"), 19,
               "field \"facts.data_deletion_procedure\": longer than 4000 characters");
  expect_error(good_with("support_period_end: 2030-12-31", "support_period_end:"), 13,
               "field \"facts.support_period_end\": expected a value");
  expect_error(
      good_with("  vulnerability_disclosure_url", "  security_policy_owner: CISO\n  vulnerability_disclosure_url"), 12,
      "field \"facts.security_policy_owner\": a fact for subject kind organisation, but subject.kind is device");
}

TEST_F(DeclarationTest, AnswersNeedStatusAndJustification) {
  expect_error(good_with("status: not-applicable\n      justification: \"no camera, microphone or other sensor\"\n",
                         "status: not-applicable\n"),
               25, "field \"answers.etsi-en-303-645.5.8-3.justification\": missing");
  expect_error(good_with("{ status: not-supported, justification: \"input validation is still being reviewed\" }",
                         "{ status: not-supported }"),
               29, "field \"answers.etsi-en-303-645.5.13-1A.justification\": missing");
  expect_error(good_with("{ status: supported, note", "{ note"), 24,
               "field \"answers.etsi-en-303-645.5.3-13.status\": missing");
  expect_error(good_with("{ status: supported, note", "{ status: partly, note"), 24,
               "field \"answers.etsi-en-303-645.5.3-13.status\": expected supported, not-supported or not-applicable");
  expect_error(good_with("K15: { status: supported }", "K15: supported"), 31,
               "field \"answers.jp-iot-sg-2016.K15\": expected { status");
  expect_error(good_with("justification: \"no camera", "justification: \"\"\n      x: \"no camera"), 27,
               "field \"answers.etsi-en-303-645.5.8-3.justification\": is empty");
}

TEST_F(DeclarationTest, YamlErrorsAndBombs) {
  expect_error("sekisho_declaration: 1\nsubject: { name: [unclosed\n", 3, "not valid YAML");
  expect_error("sekisho_declaration: 1\nsubject:\n  name: a\n    bad: indent\n", 4, "not valid YAML");
  expect_error("", 1, "empty");
  expect_error("- a\n- b\n", 1, "expected a mapping");
}

TEST_F(DeclarationTest, RejectsAnchorsDepthAndSize) {
  auto anchors =
      parse("sekisho_declaration: 1\nsubject: &s { name: a }\ndeclared_by: { date: 2026-01-01 }\nfacts: *s\n");
  ASSERT_FALSE(anchors.ok());
  EXPECT_EQ(anchors.error().where, "decl/acme.yaml:2");
  EXPECT_NE(anchors.error().what.find("anchors"), std::string::npos) << anchors.error().what;

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c)
    bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  auto laughs = parse(bomb);
  ASSERT_FALSE(laughs.ok());
  EXPECT_EQ(laughs.error().where, "decl/acme.yaml:1");

  auto deep_flow = parse("sekisho_declaration: 1\nfacts: " + std::string(100, '[') + std::string(100, ']') + "\n");
  ASSERT_FALSE(deep_flow.ok());
  EXPECT_EQ(deep_flow.error().where, "decl/acme.yaml:2");
  EXPECT_NE(deep_flow.error().what.find("deeper than 64"), std::string::npos) << deep_flow.error().what;
  auto very_deep = parse(std::string(100000, '[') + "\n");
  ASSERT_FALSE(very_deep.ok());
  EXPECT_NE(very_deep.error().what.find("deeper than 64"), std::string::npos) << very_deep.error().what;

  std::string deep_block = "sekisho_declaration: 1\nfacts:\n";
  for (int i = 0; i < 80; ++i) deep_block += std::string(size_t(2 * i + 2), ' ') + "k" + std::to_string(i) + ":\n";
  auto block = parse(deep_block);
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.error().what.find("deeper than 64"), std::string::npos) << block.error().what;

  auto big = parse("sekisho_declaration: 1\n# " + std::string(1u << 20, 'x') + "\n");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().where, "decl/acme.yaml");
  EXPECT_NE(big.error().what.find("larger than 1 MiB"), std::string::npos);
}

TEST_F(DeclarationTest, OneDocumentOnly) {
  auto d = parse(std::string(kGood) + "---\nsekisho_declaration: 1\n");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().what.find("more than one YAML document"), std::string::npos) << d.error().what;
}

TEST_F(DeclarationTest, LoadsFromFile) {
  const std::string path = ::testing::TempDir() + "sekisho_declaration_test.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << kGood;
  }
  auto d = load_declaration(path, *catalogs_, *schema_);
  std::remove(path.c_str());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->path, path);
  EXPECT_EQ(declaration_evidence(d.value())[0].id, "sekisho_declaration_test.yaml:facts.vulnerability_disclosure_url");

  auto missing = load_declaration("/nonexistent/acme.yaml", *catalogs_, *schema_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().where, "/nonexistent/acme.yaml");
}

TEST(AnswerStatus, Names) {
  EXPECT_STREQ(answer_status_name(AnswerStatus::kSupported), "supported");
  EXPECT_STREQ(answer_status_name(AnswerStatus::kNotSupported), "not-supported");
  EXPECT_STREQ(answer_status_name(AnswerStatus::kNotApplicable), "not-applicable");
}

// ---- the fact schema --------------------------------------------------------------------------

TEST(FactSchema, RealFileLoads) {
  auto s = FactSchema::load(std::string(SEKISHO_SOURCE_DIR) + "/data/audit/facts.toml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->facts().size(), 37u);
  for (const char* id : {"vulnerability_disclosure_url",
                         "security_contact",
                         "support_period_end",
                         "support_period_url",
                         "model_designation",
                         "update_mechanism",
                         "updates_signed",
                         "updates_over_tls",
                         "automatic_updates_default_on",
                         "password_scheme",
                         "password_change_prompt",
                         "brute_force_protection",
                         "settings_persist_power_loss",
                         "data_deletion_procedure",
                         "data_deletion_url",
                         "external_sensors",
                         "personal_data_notice_url",
                         "secure_setup_guide_url",
                         "telemetry",
                         "secure_boot",
                         "debug_interfaces_disabled",
                         "unused_interfaces_disabled",
                         "direct_carrier_connection",
                         "constrained_device",
                         "jc_star_label",
                         "psti_statement_url",
                         "update_notification",
                         "sbom_url"}) {
    const FactDef* f = s->find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(f->subject, "device") << id;
    EXPECT_FALSE(f->title.ja.empty()) << id;
    EXPECT_FALSE(f->title.en.empty()) << id;
    EXPECT_GT(f->line, 0) << id;
  }
  for (const char* id :
       {"security_policy_owner", "security_policy_url", "insider_threat_controls", "incident_learning_process",
        "risk_communication_url", "stakeholder_roles", "psirt_contact", "device_inventory", "security_training"}) {
    const FactDef* f = s->find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(f->subject, "organisation") << id;
  }
  EXPECT_EQ(s->find("support_period_end")->type, FactType::kDate);
  EXPECT_EQ(s->find("vulnerability_disclosure_url")->type, FactType::kUrl);
  EXPECT_EQ(s->find("external_sensors")->type, FactType::kList);
  EXPECT_EQ(s->find("data_deletion_procedure")->type, FactType::kText);
  EXPECT_EQ(s->find("telemetry")->type, FactType::kBool);
  EXPECT_EQ(s->find("update_mechanism")->values, (std::vector<std::string>{"none", "manual", "automatic"}));
  EXPECT_EQ(s->find("password_scheme")->values,
            (std::vector<std::string>{"unique-per-device", "user-set-at-setup", "no-passwords", "shared-default"}));
  EXPECT_EQ(s->find("nope"), nullptr);
}

struct BadSchema {
  const char* text;
  const char* where;
  const char* what;
};

class FactSchemaErrors : public ::testing::TestWithParam<BadSchema> {};

TEST_P(FactSchemaErrors, NameLineAndField) {
  auto s = FactSchema::parse(GetParam().text, "facts.toml");
  ASSERT_FALSE(s.ok()) << GetParam().text;
  EXPECT_EQ(s.error().where, GetParam().where) << s.error().message();
  EXPECT_NE(s.error().what.find(GetParam().what), std::string::npos) << s.error().message();
}

#define FACT(body) "schema = 1\n[[fact]]\n" body "\ntitle = { ja = \"題\", en = \"Title\" }\n"

INSTANTIATE_TEST_SUITE_P(
    Texts, FactSchemaErrors,
    ::testing::Values(
        BadSchema{"schema = 2\n[[fact]]\nid = \"a\"\n", "facts.toml:1", "field \"schema\": expected 1"},
        BadSchema{"[[fact]]\nid = \"a\"\n", "facts.toml", "field \"schema\": expected 1"},
        BadSchema{"schema = 1\n", "facts.toml", "expected [[fact]] tables"},
        BadSchema{"schema = 1\nfacts = 3\n", "facts.toml:2", "unknown key \"facts\""},
        BadSchema{"schema = 1\n[[fact]\n", "facts.toml:2:8", ""},
        BadSchema{FACT("id = \"Bad-Id\"\ntype = \"url\"\nsubject = \"device\""), "facts.toml:2", "field \"id\""},
        BadSchema{FACT("type = \"url\"\nsubject = \"device\""), "facts.toml:2", "field \"id\""},
        BadSchema{FACT("id = \"a\"\ntype = \"number\"\nsubject = \"device\""), "facts.toml:2", "field \"type\""},
        BadSchema{FACT("id = \"a\"\ntype = \"url\"\nsubject = \"person\""), "facts.toml:2", "field \"subject\""},
        BadSchema{FACT("id = \"a\"\ntype = \"url\"\nsubject = \"device\"\ncolour = 1"), "facts.toml:6",
                  "unknown key \"colour\""},
        BadSchema{"schema = 1\n[[fact]]\nid = \"a\"\ntype = \"url\"\nsubject = \"device\"\n", "facts.toml:2",
                  "field \"title\""},
        BadSchema{"schema = 1\n[[fact]]\nid = \"a\"\ntype = \"url\"\nsubject = \"device\"\ntitle = { en = \"x\" }\n",
                  "facts.toml:2", "field \"title\": expected a string for ja"},
        BadSchema{FACT("id = \"a\"\ntype = \"enum\"\nsubject = \"device\""), "facts.toml:2", "field \"values\""},
        BadSchema{FACT("id = \"a\"\ntype = \"enum\"\nsubject = \"device\"\nvalues = [\"x\", \"x\"]"), "facts.toml:2",
                  "field \"values\": \"x\" listed twice"},
        BadSchema{FACT("id = \"a\"\ntype = \"enum\"\nsubject = \"device\"\nvalues = [1]"), "facts.toml:2",
                  "field \"values\""},
        BadSchema{FACT("id = \"a\"\ntype = \"bool\"\nsubject = \"device\"\nvalues = [\"x\"]"), "facts.toml:2",
                  "field \"values\": only for type = \"enum\""},
        BadSchema{FACT("id = \"a\"\ntype = \"bool\"\nsubject = \"device\"") "[[fact]]\nid = \"a\"\ntype = \"url\"\n"
                                                                            "subject = \"any\"\ntitle = { ja = \"題\", "
                                                                            "en = \"T\" }\n",
                  "facts.toml:7", "field \"id\": \"a\" defined twice"}));

#undef FACT

TEST(FactSchema, MissingFile) {
  auto s = FactSchema::load("/nonexistent/facts.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sekisho::audit
