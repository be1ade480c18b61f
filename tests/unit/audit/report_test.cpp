// The three report formats over a report built by hand: every verdict, texts that need
// escaping or quoting, evidence ids that need sanitising for anchors.
#include "audit/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace sekisho::audit {
namespace {

Requirement req(std::string id, std::string group, Text title, Status status) {
  Requirement q;
  q.id = std::move(id);
  q.group = std::move(group);
  q.title = std::move(title);
  q.summary = {"要約", "summary"};
  q.status = status;
  q.checks = kCheckScan | kCheckDeclaration;
  return q;
}

Evidence ev(std::string id, Source source, std::string kind, std::string file, size_t line, std::string summary) {
  Evidence e;
  e.id = std::move(id);
  e.source = source;
  e.kind = std::move(kind);
  e.file = std::move(file);
  e.line = line;
  e.time = "2026-11-02T10:00:00Z";
  e.ip = "10.0.0.5";
  e.summary = std::move(summary);
  return e;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.id = "cat-a";
    a_.short_name = "Cat A";
    a_.version = "1.0 (2026)";
    a_.publisher = "Example Body";
    a_.kind = "product";
    a_.title = {"カタログA", "Catalog A"};
    a_.groups = {{"G1", {"認証", "Authentication"}}, {"G2", {"更新", "Updates"}}};
    a_.requirements = {
        req("R1", "G1", {"パスワード、\"固有\"", "Passwords, \"unique\""}, Status::kMandatory),
        req("R2", "G1", {"=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"}, Status::kRecommended),
        req("R3", "G2", {"<b>太字</b> & 'x'", "<b>bold</b> & 'x'"}, Status::kGuidance),
        req("R4", "G2", {"対象外の要件", "Not applicable one"}, Status::kUnknown),
    };
    a_.requirements[1].condition = Text{"パスワードを使う場合", "where passwords are used"};

    b_.id = "cat-b";
    b_.short_name = "Cat B";
    b_.version = "2";
    b_.kind = "product";
    b_.title = {"カタログB", "Catalog B"};
    b_.groups = {{"1", {"一般", "General"}}};
    b_.requirements = {req("1", "1", {"監視", "Monitoring"}, Status::kMandatory)};

    r_.subject.name = "Acme Cam 200";
    r_.subject.maker = "Acme";
    r_.subject.model = "CAM-200";
    r_.subject.firmware = "1.2.3";
    r_.subject.address = "10.0.0.5";
    r_.device = "10.0.0.5";
    r_.today = "2026-11-02";
    r_.generated = "2026-11-02T10:30:00Z";
    r_.inputs = {"scan-lab.json", "acme.yaml"};
    r_.catalogs = {&a_, &b_};

    Evidence finding = ev("scan-lab.json:12", Source::kScan, "scan.finding", "lab/scan-lab.json", 12,
                          "telnet/23: default-credentials");
    finding.attrs = {{"id", "default-credentials"}, {"service", "telnet"}, {"port", "23"}, {"we\"ird", "a\\b"}};
    r_.evidence = {
        finding,
        ev("acme.yaml:facts.vulnerability_disclosure_url", Source::kDeclaration, "declaration.fact", "acme.yaml", 0,
           "vulnerability_disclosure_url = https://acme.example/security"),
        ev("watch eve.json:3", Source::kWatch, "watch.alert", "watch eve.json", 3, "<script>alert(1)</script>"),
        ev("odd_id:1", Source::kFirmware, "firmware.x", "odd_id", 1, "firmware"),
    };

    r_.results = {
        result(a_, 0, Verdict::kFail, Assessment::kFunctional, {"scan-lab.json:12"},
               {"パスワードが初期値のまま", "default password accepted on telnet/23"}),
        result(a_, 1, Verdict::kPass, Assessment::kConceptual, {"acme.yaml:facts.vulnerability_disclosure_url"},
               {"宣言で対応済み", "declared supported"}),
        result(a_, 2, Verdict::kInconclusive, Assessment::kNone, {}, {"証拠なし", "no evidence,\nneeds a test"}),
        result(a_, 3, Verdict::kNotApplicable, Assessment::kConceptual, {"missing-record:9"},
               {"対象外", "-not applicable"}),
        result(b_, 0, Verdict::kPass, Assessment::kBoth, {"watch eve.json:3", "odd_id:1"}, {"観測済み", "observed"}),
    };
    r_.results[0].rules = {"default-password-accepted"};
    r_.summaries = {{&a_, 1, 1, 1, 1}, {&b_, 1, 0, 0, 0}};
  }

  static RequirementResult result(const Catalog& c, size_t i, Verdict v, Assessment a,
                                  std::vector<std::string> evidence, Text reason) {
    RequirementResult res;
    res.catalog = &c;
    res.requirement = &c.requirements[i];
    res.verdict = v;
    res.assessment = a;
    res.evidence = std::move(evidence);
    res.reason = std::move(reason);
    return res;
  }

  Catalog a_, b_;
  AuditReport r_;
};

std::vector<std::string> keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) out.push_back(k);
  return out;
}

TEST_F(ReportTest, JsonHasTheDocumentedShapeInOrder) {
  auto j = nlohmann::ordered_json::parse(report_json(r_, "en"));
  EXPECT_EQ(keys(j), (std::vector<std::string>{"sekisho_audit", "generated", "today", "lang", "subject", "device",
                                               "inputs", "catalogs", "results", "evidence"}));
  EXPECT_EQ(j["sekisho_audit"], 1);
  EXPECT_EQ(j["generated"], "2026-11-02T10:30:00Z");
  EXPECT_EQ(j["today"], "2026-11-02");
  EXPECT_EQ(j["lang"], "en");
  EXPECT_EQ(j["subject"]["name"], "Acme Cam 200");
  EXPECT_EQ(j["subject"]["firmware"], "1.2.3");
  EXPECT_EQ(j["device"], "10.0.0.5");
  EXPECT_EQ(j["inputs"], nlohmann::ordered_json({"scan-lab.json", "acme.yaml"}));

  ASSERT_EQ(j["catalogs"].size(), 2u);
  const auto& c = j["catalogs"][0];
  EXPECT_EQ(keys(c), (std::vector<std::string>{"id", "short", "version", "title", "pass", "fail", "inconclusive",
                                               "not_applicable"}));
  EXPECT_EQ(c["id"], "cat-a");
  EXPECT_EQ(c["short"], "Cat A");
  EXPECT_EQ(c["title"], "Catalog A");
  EXPECT_EQ(c["pass"], 1);
  EXPECT_EQ(c["fail"], 1);
  EXPECT_EQ(c["inconclusive"], 1);
  EXPECT_EQ(c["not_applicable"], 1);
  EXPECT_EQ(j["catalogs"][1]["pass"], 1);
  EXPECT_EQ(j["catalogs"][1]["fail"], 0);

  ASSERT_EQ(j["results"].size(), 5u);
  const auto& res = j["results"][0];
  EXPECT_EQ(keys(res),
            (std::vector<std::string>{"catalog", "requirement", "group", "title", "status", "verdict", "assessment",
                                      "evidence", "rules", "reason", "reason_ja", "reason_en", "related"}));
  EXPECT_EQ(res["catalog"], "cat-a");
  EXPECT_EQ(res["requirement"], "R1");
  EXPECT_EQ(res["group"], "G1");
  EXPECT_EQ(res["title"], "Passwords, \"unique\"");
  EXPECT_EQ(res["status"], status_name(Status::kMandatory));
  EXPECT_EQ(res["verdict"], "FAIL");
  EXPECT_EQ(res["assessment"], assessment_name(Assessment::kFunctional));
  EXPECT_EQ(res["evidence"], nlohmann::ordered_json({"scan-lab.json:12"}));
  EXPECT_EQ(res["rules"], nlohmann::ordered_json({"default-password-accepted"}));
  EXPECT_EQ(res["reason"], "default password accepted on telnet/23");
  EXPECT_EQ(res["reason_ja"], "パスワードが初期値のまま");
  EXPECT_EQ(res["reason_en"], "default password accepted on telnet/23");
  EXPECT_EQ(j["results"][1]["verdict"], "PASS");
  EXPECT_EQ(j["results"][2]["verdict"], "INCONCLUSIVE");
  EXPECT_EQ(j["results"][3]["verdict"], "NOT_APPLICABLE");
  EXPECT_EQ(j["results"][4]["catalog"], "cat-b");

  ASSERT_EQ(j["evidence"].size(), 4u);
  const auto& e = j["evidence"][0];
  EXPECT_EQ(keys(e), (std::vector<std::string>{"id", "source", "kind", "file", "line", "time", "ip", "mac", "summary",
                                               "attrs"}));
  EXPECT_EQ(e["id"], "scan-lab.json:12");
  EXPECT_EQ(e["source"], source_name(Source::kScan));
  EXPECT_EQ(e["kind"], "scan.finding");
  EXPECT_EQ(e["line"], 12);
  EXPECT_EQ(e["attrs"]["port"], "23");
  EXPECT_EQ(e["attrs"]["we\"ird"], "a\\b");  // attribute names are escaped too
  EXPECT_EQ(j["evidence"][2]["summary"], "<script>alert(1)</script>");
}

TEST_F(ReportTest, JsonTextsFollowTheLanguage) {
  auto j = nlohmann::json::parse(report_json(r_, "ja"));
  EXPECT_EQ(j["lang"], "ja");
  EXPECT_EQ(j["catalogs"][0]["title"], "カタログA");
  EXPECT_EQ(j["results"][0]["title"], "パスワード、\"固有\"");
  EXPECT_EQ(j["results"][0]["reason"], "パスワードが初期値のまま");
  EXPECT_EQ(j["results"][0]["reason_en"], "default password accepted on telnet/23");
  // Anything but "ja" is English.
  EXPECT_EQ(nlohmann::json::parse(report_json(r_, "fr"))["lang"], "en");
}

TEST_F(ReportTest, JsonCountsFromResultsWithoutSummaries) {
  r_.summaries.clear();
  auto j = nlohmann::json::parse(report_json(r_, "en"));
  EXPECT_EQ(j["catalogs"][0]["fail"], 1);
  EXPECT_EQ(j["catalogs"][0]["not_applicable"], 1);
  EXPECT_EQ(j["catalogs"][1]["pass"], 1);
}

// RFC 4180 reader for the checks: records of fields, CRLF line ends required.
std::vector<std::vector<std::string>> parse_csv(const std::string& s, size_t pos) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  rows.back().emplace_back();
  for (size_t i = pos; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r') {
      EXPECT_EQ(s[i + 1], '\n') << "bare CR at " << i;
      ++i;
      if (i + 1 < s.size()) {
        rows.emplace_back();
        rows.back().emplace_back();
      }
    } else {
      EXPECT_NE(c, '\n') << "bare LF outside quotes at " << i;
      rows.back().back() += c;
    }
  }
  return rows;
}

TEST_F(ReportTest, CsvHasBomCrlfAndQuoting) {
  std::string csv = report_csv(r_, "en");
  ASSERT_GE(csv.size(), 3u);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(csv.substr(3, csv.find("\r\n") + 2 - 3),
            "catalog,requirement,group,title,status,verdict,assessment,evidence,reason\r\n");
  EXPECT_EQ(csv.substr(csv.size() - 2), "\r\n");
  EXPECT_NE(csv.find("\"Passwords, \"\"unique\"\"\""), std::string::npos);

  auto rows = parse_csv(csv, 3);
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 9u);
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"cat-a", "R1", "G1", "Passwords, \"unique\"", status_name(Status::kMandatory),
                                      "FAIL", assessment_name(Assessment::kFunctional), "scan-lab.json:12",
                                      "default password accepted on telnet/23"}));
  EXPECT_EQ(rows[3][8], "no evidence,\nneeds a test");  // a line end inside a quoted field
  EXPECT_EQ(rows[5][7], "watch eve.json:3 odd_id:1");   // ids joined with a space
}

TEST_F(ReportTest, CsvGuardsAgainstFormulas) {
  auto rows = parse_csv(report_csv(r_, "en"), 3);
  EXPECT_EQ(rows[2][3], "'=HYPERLINK(\"x\")");
  EXPECT_EQ(rows[4][8], "'-not applicable");
  for (const auto& row : rows) {
    for (const auto& cell : row) {
      if (!cell.empty()) {
        EXPECT_EQ(std::string("=+-@").find(cell[0]), std::string::npos) << cell;
      }
    }
  }
}

TEST_F(ReportTest, CsvTextsFollowTheLanguage) {
  auto rows = parse_csv(report_csv(r_, "ja"), 3);
  EXPECT_EQ(rows[0][3], "title");  // the header stays machine names
  EXPECT_EQ(rows[1][3], "パスワード、\"固有\"");
  EXPECT_EQ(rows[1][8], "パスワードが初期値のまま");
}

TEST_F(ReportTest, CsvReplacesInvalidUtf8) {
  r_.results[0].reason.en = "bad \xff byte";
  auto rows = parse_csv(report_csv(r_, "en"), 3);
  EXPECT_EQ(rows[1][8], "bad \xEF\xBF\xBD byte");
}

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// The values of every `prefix"..."` in the page, e.g. prefix `href=` (std::regex trips GCC 12's
// -Wmaybe-uninitialized under the sanitizers).
std::vector<std::string> attr_values(const std::string& h, const std::string& prefix) {
  std::vector<std::string> out;
  std::string open = prefix + "\"";
  for (size_t at = h.find(open); at != std::string::npos; at = h.find(open, at + 1)) {
    size_t start = at + open.size(), end = h.find('"', start);
    if (end == std::string::npos) break;
    out.push_back(h.substr(start, end - start));
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

TEST_F(ReportTest, HtmlIsSelfContained) {
  for (const char* lang : {"ja", "en"}) {
    std::string h = report_html(r_, lang);
    std::string l = lower(h);
    EXPECT_EQ(h.rfind("<!doctype html>", 0), 0u) << lang;
    EXPECT_TRUE(contains(h, std::string("<html lang=\"") + lang + "\">")) << lang;
    EXPECT_TRUE(contains(h, "<meta charset=\"utf-8\">"));
    EXPECT_TRUE(contains(h, "<style>"));
    EXPECT_TRUE(contains(h, "Noto Sans CJK JP"));
    EXPECT_TRUE(contains(h, "@media print"));
    EXPECT_TRUE(contains(h, "@page"));
    EXPECT_TRUE(contains(h, "<thead>"));
    EXPECT_FALSE(contains(l, "<script")) << lang;
    EXPECT_FALSE(contains(l, "src=")) << lang;
    EXPECT_FALSE(contains(l, "url(")) << lang;
    EXPECT_FALSE(contains(l, "@import")) << lang;
    EXPECT_FALSE(contains(l, "<link")) << lang;
    // Every link stays inside the page.
    for (const std::string& link : attr_values(h, "href=")) EXPECT_EQ(link.rfind('#', 0), 0u) << link;
    // The URL in an evidence summary is text, not a link.
    EXPECT_TRUE(contains(h, "https://acme.example/security"));
    EXPECT_FALSE(contains(h, "href=\"https://"));
    EXPECT_TRUE(contains(h, "</html>"));
  }
}

TEST_F(ReportTest, HtmlEscapesEveryText) {
  for (const char* lang : {"ja", "en"}) {
    std::string h = report_html(r_, lang);
    EXPECT_FALSE(contains(h, "<b>")) << lang;
    EXPECT_TRUE(contains(h, "&lt;b&gt;")) << lang;
    EXPECT_TRUE(contains(h, "&amp; &#39;x&#39;")) << lang;
    EXPECT_TRUE(contains(h, "&lt;script&gt;alert(1)&lt;/script&gt;")) << lang;
  }
  r_.subject.name = "Cam \"<x>\" \xff";
  std::string h = report_html(r_, "en");
  EXPECT_TRUE(contains(h, "Cam &quot;&lt;x&gt;&quot; \xEF\xBF\xBD"));
}

TEST_F(ReportTest, HtmlShowsSubjectVerdictsAndLabelsInItsLanguage) {
  std::string ja = report_html(r_, "ja");
  std::string en = report_html(r_, "en");
  for (const std::string* h : {&ja, &en}) {
    for (const char* s : {"Acme Cam 200", "Acme", "CAM-200", "1.2.3", "10.0.0.5", "2026-11-02", "scan-lab.json",
                          "acme.yaml", "Cat A", "1.0 (2026)", "R1", "R4", "G2", "lab/scan-lab.json:12"})
      EXPECT_TRUE(contains(*h, s)) << s;
    // The machine name is always printed next to the word.
    for (const char* s : {"FAIL", "PASS", "INCONCLUSIVE", "NOT_APPLICABLE"}) EXPECT_TRUE(contains(*h, s)) << s;
  }
  for (Verdict v : {Verdict::kPass, Verdict::kFail, Verdict::kInconclusive, Verdict::kNotApplicable}) {
    EXPECT_TRUE(contains(ja, verdict_text(v).ja)) << verdict_name(v);
    EXPECT_TRUE(contains(lower(en), lower(verdict_text(v).en))) << verdict_name(v);
  }
  EXPECT_TRUE(contains(ja, "適合"));
  EXPECT_TRUE(contains(ja, "監査報告"));
  EXPECT_TRUE(contains(ja, "概要"));
  EXPECT_TRUE(contains(ja, "詳細"));
  EXPECT_TRUE(contains(ja, "証拠"));
  EXPECT_TRUE(contains(ja, "入力"));
  EXPECT_TRUE(contains(ja, "対象機器"));
  EXPECT_TRUE(contains(ja, "カタログA"));
  EXPECT_TRUE(contains(ja, "認証"));
  EXPECT_TRUE(contains(ja, "パスワードが初期値のまま"));
  EXPECT_TRUE(contains(ja, "パスワードを使う場合"));  // the condition
  EXPECT_TRUE(contains(ja, status_text(Status::kMandatory).ja));
  EXPECT_FALSE(contains(ja, "Conformance audit"));

  EXPECT_TRUE(contains(en, "Conformance audit"));
  EXPECT_TRUE(contains(en, "Catalog A"));
  EXPECT_TRUE(contains(en, "Authentication"));
  EXPECT_TRUE(contains(en, "default password accepted on telnet/23"));
  EXPECT_TRUE(contains(en, "where passwords are used"));
  EXPECT_TRUE(contains(en, status_text(Status::kMandatory).en));
  EXPECT_FALSE(contains(en, "監査報告"));
}

TEST_F(ReportTest, HtmlEvidenceLinksHaveTargets) {
  for (const char* lang : {"ja", "en"}) {
    std::string h = report_html(r_, lang);
    std::set<std::string> ids;
    for (const std::string& id : attr_values(h, " id=")) {
      EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
      EXPECT_EQ(id.find_first_of(" \t\n%#"), std::string::npos) << id;
    }
    std::vector<std::string> links = attr_values(h, "href=");
    for (const std::string& link : links) EXPECT_TRUE(ids.count(link.substr(1))) << "no target for " << link;
    // Each cited evidence id that has a record is linked: 4 cited records plus 2 catalog links.
    EXPECT_EQ(links.size(), 6u) << lang;
    for (const Evidence& e : r_.evidence) EXPECT_TRUE(contains(h, e.id)) << e.id;
    // An id with no record is shown, not linked.
    EXPECT_TRUE(contains(h, "<code>missing-record:9</code>"));
    // Ids with a space or the escape character still get distinct, valid anchors.
    EXPECT_TRUE(ids.count("ev-watch_20eve.json:3"));
    EXPECT_TRUE(ids.count("ev-odd_5Fid:1"));
  }
}

TEST(ReportEmpty, AllFormatsHandleAnEmptyReport) {
  AuditReport r;
  auto j = nlohmann::json::parse(report_json(r, "en"));
  EXPECT_TRUE(j["results"].empty());
  EXPECT_EQ(report_csv(r, "en"),
            "\xEF\xBB\xBF"
            "catalog,requirement,group,title,status,verdict,assessment,evidence,reason\r\n");
  std::string h = report_html(r, "ja");
  EXPECT_TRUE(contains(h, "<html lang=\"ja\">"));
  EXPECT_TRUE(contains(h, "</html>"));
}

}  // namespace
}  // namespace sekisho::audit
