#include "audit/report.h"

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/json_writer.h"
#include "core/utf8.h"

namespace sekisho::audit {

namespace {

// Only "ja" selects Japanese; anything else is English (as Text::in does).
std::string_view norm_lang(std::string_view lang) { return lang == "ja" ? "ja" : "en"; }

struct Counts {
  size_t pass = 0, fail = 0, inconclusive = 0, not_applicable = 0;
  void add(Verdict v) {
    switch (v) {
      case Verdict::kPass: ++pass; break;
      case Verdict::kFail: ++fail; break;
      case Verdict::kInconclusive: ++inconclusive; break;
      case Verdict::kNotApplicable: ++not_applicable; break;
    }
  }
  size_t total() const { return pass + fail + inconclusive + not_applicable; }
};

// The evaluator's summary when it is there and lines up with the catalogs; otherwise counted
// from the results, so a hand-made report still adds up.
Counts catalog_counts(const AuditReport& r, size_t index) {
  const Catalog* c = r.catalogs[index];
  if (r.summaries.size() == r.catalogs.size() && r.summaries[index].catalog == c) {
    const CatalogSummary& s = r.summaries[index];
    return {s.pass, s.fail, s.inconclusive, s.not_applicable};
  }
  Counts n;
  for (const RequirementResult& res : r.results)
    if (res.catalog == c) n.add(res.verdict);
  return n;
}

const std::string& empty_string() {
  static const std::string kEmpty;
  return kEmpty;
}
const std::string& catalog_id(const RequirementResult& res) { return res.catalog ? res.catalog->id : empty_string(); }
const std::string& requirement_id(const RequirementResult& res) {
  return res.requirement ? res.requirement->id : empty_string();
}
const std::string& group_id(const RequirementResult& res) {
  return res.requirement ? res.requirement->group : empty_string();
}
const std::string& requirement_title(const RequirementResult& res, std::string_view lang) {
  return res.requirement ? res.requirement->title.in(lang) : empty_string();
}
const char* requirement_status(const RequirementResult& res) {
  return status_name(res.requirement ? res.requirement->status : Status::kUnknown);
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Texts come from evidence files and declarations: bytes that are not UTF-8, and control
// characters other than tab and line ends, become U+FFFD so both outputs stay valid text.
// `ascii` handles the (valid) ASCII bytes.
template <typename Ascii>
void append_clean(std::string& out, std::string_view s, Ascii ascii) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        out += kReplacement;
      else
        ascii(out, static_cast<char>(c));
      ++i;
      continue;
    }
    size_t n = core::utf8_len(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

void write_evidence_json(core::JsonWriter& w, const Evidence& e) {
  w.begin_object();
  w.field("id", e.id);
  w.field("source", source_name(e.source));
  w.field("kind", e.kind);
  w.field("file", e.file);
  w.field("line", uint64_t{e.line});
  w.field("time", e.time);
  w.field("ip", e.ip);
  w.field("mac", e.mac);
  w.field("summary", e.summary);
  w.key("attrs").begin_object();
  for (const auto& [k, v] : e.attrs) {
    // Attribute names come from the records, so they are escaped too (JsonWriter::key trusts
    // its input): the pair is written as one already-encoded member.
    std::string member = "\"";
    core::JsonWriter::escape_into(member, k);
    member += "\":\"";
    core::JsonWriter::escape_into(member, v);
    member += '"';
    w.raw(member);
  }
  w.end_object();
  w.end_object();
}

// ---------------------------------------------------------------------------------------------
// CSV

// RFC 4180: a field with a comma, a quote or a line end is quoted, its quotes doubled.
// Spreadsheets run a cell starting with = + - @ (or tab / CR) as a formula, so such a cell gets
// a leading apostrophe (OWASP "CSV Injection"): the texts here come partly from device
// responses and declarations, which an attacker can shape.
void append_csv_field(std::string& out, std::string_view s) {
  std::string cell;
  cell.reserve(s.size() + 1);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    cell += '\'';
  append_clean(cell, s, [](std::string& o, char c) { o += c; });
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// ---------------------------------------------------------------------------------------------
// HTML

void append_html(std::string& out, std::string_view s) {
  append_clean(out, s, [](std::string& o, char c) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  });
}

// An id usable as an HTML id and a URL fragment with no escaping: letters, digits, '-', '.'
// and ':' stay; every other byte (the escape '_' included) becomes _XX, so distinct evidence
// ids never share an anchor.
std::string anchor(std::string_view prefix, std::string_view id) {
  std::string out(prefix);
  for (char ch : id) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == ':') {
      out += ch;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "_%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string evidence_anchor(std::string_view id) { return anchor("ev-", id); }

// A label in both languages; the page shows the one for its language.
struct Label {
  std::string_view ja, en;
  std::string_view in(std::string_view lang) const { return lang == "ja" ? ja : en; }
};

constexpr Label kTitle{"監査報告", "Conformance audit"};
constexpr Label kSubjectDevice{"対象機器", "Device audited"};
constexpr Label kSubjectOrganisation{"対象組織", "Organisation audited"};
constexpr Label kName{"名称", "Name"};
constexpr Label kMaker{"メーカー", "Maker"};
constexpr Label kModel{"型番", "Model"};
constexpr Label kFirmware{"ファームウェア", "Firmware"};
constexpr Label kAddress{"機器アドレス", "Device address"};
constexpr Label kMac{"MACアドレス", "MAC address"};
constexpr Label kDate{"監査日", "Audit date"};
constexpr Label kGenerated{"作成日時", "Generated"};
constexpr Label kInputs{"入力", "Inputs"};
constexpr Label kChanges{"前回の監査からの変化:", "Changes since the audit of"};
constexpr Label kNoChanges{"判定の変化はありません。", "No verdict changed."};
constexpr Label kBefore{"前回", "Before"};
constexpr Label kNow{"今回", "Now"};
constexpr Label kNotJudged{"（未評価）", "(not judged)"};
constexpr Label kNone{"なし", "none"};
constexpr Label kSummary{"概要", "Summary"};
constexpr Label kCatalog{"カタログ", "Catalog"};
constexpr Label kVersion{"版", "Version"};
constexpr Label kTotal{"計", "Total"};
constexpr Label kGroupSummary{"グループ別の概要", "Summary by group"};
constexpr Label kGroup{"グループ", "Group"};
constexpr Label kDetail{"詳細", "Details"};
constexpr Label kId{"ID", "ID"};
constexpr Label kRequirement{"要件", "Requirement"};
constexpr Label kStatus{"区分", "Status"};
constexpr Label kVerdict{"判定", "Verdict"};
constexpr Label kAssessment{"評価の種類", "Assessment"};
constexpr Label kReason{"理由", "Reason"};
constexpr Label kEvidence{"証拠", "Evidence"};
constexpr Label kRelated{"関連する要件", "Related"};
constexpr Label kCondition{"条件", "Condition"};
constexpr Label kPublisher{"発行者", "Publisher"};
constexpr Label kSource{"出所", "Source"};
constexpr Label kKind{"種類", "Kind"};
constexpr Label kTime{"時刻", "Time"};
constexpr Label kDescription{"内容", "Summary"};
constexpr Label kLocation{"ファイル:行", "File:line"};
constexpr Label kNoEvidence{"証拠の記録はありません。", "No evidence records."};
constexpr Label kNoCatalogs{"カタログが選ばれていません。", "No catalog selected."};
constexpr Label kLegend{"判定の意味", "What the verdicts mean"};
constexpr Label kOther{"（グループ不明）", "(unknown group)"};
constexpr Label kLegendPass{"証拠が要件を満たしていることを示している。", "The evidence shows the requirement is met."};
constexpr Label kLegendFail{"要件を満たしていないことを示す証拠がある。",
                            "At least one piece of evidence shows the requirement is not met."};
constexpr Label kLegendInconclusive{"判断できる証拠がない。理由欄に、判定に必要なものを示す。",
                                    "Nothing to judge on; the reason says what would settle it."};
constexpr Label kLegendNotApplicable{"宣言、規則、範囲または対象により、この要件は当てはまらない。",
                                     "The requirement does not apply (by declaration, rule, scope or subject)."};
constexpr Label kDisclaimer{
    "この報告は、収集した証拠と宣言に基づく自動判定であり、認証や第三者による適合性評価の結果ではありません。",
    "This report is an automated judgement on the evidence collected and the declaration given; it is not a "
    "certification or a third-party conformity assessment."};

Label assessment_label(Assessment a) {
  switch (a) {
    case Assessment::kNone: return {"なし", "none"};
    case Assessment::kConceptual: return {"概念評価（宣言）", "conceptual (declaration)"};
    case Assessment::kFunctional: return {"機能評価（観測）", "functional (observed)"};
    case Assessment::kBoth: return {"概念評価＋機能評価", "conceptual + functional"};
  }
  return {"なし", "none"};
}

Label source_label(Source s) {
  switch (s) {
    case Source::kScan: return {"スキャン", "scan"};
    case Source::kWatch: return {"通信監視", "watch"};
    case Source::kDeclaration: return {"宣言", "declaration"};
    case Source::kFirmware: return {"ファームウェア", "firmware"};
  }
  return {"", ""};
}

const char* verdict_class(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "v-pass";
    case Verdict::kFail: return "v-fail";
    case Verdict::kInconclusive: return "v-inconclusive";
    case Verdict::kNotApplicable: return "v-na";
  }
  return "v-na";
}

// "not applicable" and "NOT_APPLICABLE" say the same: the machine name is then not repeated.
bool same_word(std::string_view text, std::string_view name) {
  if (text.size() != name.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    auto a = static_cast<unsigned char>(text[i]), b = static_cast<unsigned char>(name[i]);
    if (a >= 'a' && a <= 'z') a = static_cast<unsigned char>(a - 'a' + 'A');
    if (a == ' ' || a == '-') a = '_';
    if (a != b) return false;
  }
  return true;
}

// The verdict is always written out (its word in the page's language and its machine name,
// once where they are the same word):
// the colour only repeats it, so a black-and-white print or a colour-blind reader loses nothing.
void append_badge(std::string& out, Verdict v, std::string_view lang) {
  const std::string& text = verdict_text(v).in(lang);
  out += "<span class=\"badge ";
  out += verdict_class(v);
  out += "\">";
  if (same_word(text, verdict_name(v))) {  // English: the machine name is the word
    out += verdict_name(v);
  } else {
    append_html(out, text);
    out += " <span class=\"code\">";
    out += verdict_name(v);
    out += "</span>";
  }
  out += "</span>";
}

constexpr Verdict kVerdicts[] = {Verdict::kPass, Verdict::kFail, Verdict::kInconclusive, Verdict::kNotApplicable};

size_t count_of(const Counts& n, Verdict v) {
  switch (v) {
    case Verdict::kPass: return n.pass;
    case Verdict::kFail: return n.fail;
    case Verdict::kInconclusive: return n.inconclusive;
    case Verdict::kNotApplicable: return n.not_applicable;
  }
  return 0;
}

void append_count_headers(std::string& out, std::string_view lang) {
  for (Verdict v : kVerdicts) {
    out += "<th class=\"n\">";
    append_badge(out, v, lang);
    out += "</th>";
  }
  out += "<th class=\"n\">";
  out += kTotal.in(lang);
  out += "</th>";
}

void append_count_cells(std::string& out, const Counts& n) {
  for (Verdict v : kVerdicts) {
    size_t k = count_of(n, v);
    out += "<td class=\"n";
    if (k == 0)
      out += " zero";
    else if (v == Verdict::kFail)
      out += " alert";
    out += "\">";
    out += std::to_string(k);
    out += "</td>";
  }
  out += "<td class=\"n\">";
  out += std::to_string(n.total());
  out += "</td>";
}

// Print: the verdict word carries the meaning, borders replace the (often unprinted)
// backgrounds, headers repeat on each page and rows are not split.
constexpr std::string_view kStyle = R"css(
:root { --pass: #1b5e20; --fail: #b71c1c; --inconclusive: #ffb300; --na: #5f6368; --rule: #c8ccd0; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif;
       color: #1a1a1a; background: #fff; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       line-height: 1.5; font-size: 14px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #333; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.subject-name { font-size: 1.2rem; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .45rem; text-align: left; vertical-align: top; }
thead th { background: #eef0f2; }
table.meta { width: auto; }
table.meta th { background: #f6f7f8; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.zero { color: #6b6f73; }
.nowrap { white-space: nowrap; }
td.alert { color: var(--fail); font-weight: 700; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: .3rem; font-weight: 700;
         white-space: nowrap; border: 1.5px solid transparent; }
.badge .code { font-weight: 400; font-size: .8em; }
.v-pass { background: var(--pass); color: #fff; border-color: var(--pass); }
.v-fail { background: var(--fail); color: #fff; border-color: var(--fail); }
.v-inconclusive { background: var(--inconclusive); color: #000; border-color: #8a6100; }
.v-na { background: var(--na); color: #fff; border-color: var(--na); }
code, .mono { font-family: ui-monospace, "Noto Sans Mono CJK JP", Consolas, monospace; font-size: .9em;
              overflow-wrap: anywhere; }
.muted { color: #5f6368; }
.gist { margin-top: .2rem; font-size: .85em; color: #333; }
.related { margin-top: .2rem; font-size: .8em; color: #555; }
.condition { margin-top: .25rem; font-size: .9em; color: #444; }
ul.evidence { list-style: none; margin: 0; padding: 0; }
ul.evidence li { overflow-wrap: anywhere; }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: .5rem 0 1rem; }
dl.legend dd { margin: 0; }
footer { margin-top: 2rem; font-size: .85rem; color: #444; border-top: 1px solid var(--rule); padding-top: .5rem; }
a { color: #0b57d0; }
@page { size: A4; margin: 15mm 12mm 15mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  thead { display: table-header-group; }
  tr, .badge, dl.legend { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  section.catalog, section.appendix { break-before: page; page-break-before: always; }
  .badge { background: none !important; color: #000 !important; }
  .v-pass { border-color: var(--pass); } .v-fail { border-color: var(--fail); }
  .v-inconclusive { border-color: #8a6100; border-style: dashed; } .v-na { border-color: var(--na); border-style: dotted; }
  thead th, table.meta th { background: none; }
  a { color: inherit; text-decoration: none; }
}
)css";

class HtmlReport {
 public:
  HtmlReport(const AuditReport& r, std::string_view lang) : r_(r), lang_(norm_lang(lang)) {
    for (const Evidence& e : r_.evidence) known_.insert(e.id);
  }

  std::string render() {
    out_.reserve(64 * 1024);
    head();
    out_ += "<body>\n";
    header();
    summary();
    changes();
    for (size_t i = 0; i < r_.catalogs.size(); ++i) catalog(i);
    appendix();
    footer();
    out_ += "</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  std::string_view L(const Label& l) const { return l.in(lang_); }
  void text(std::string_view s) { append_html(out_, s); }

  void head() {
    out_ += "<!doctype html>\n<html lang=\"";
    out_ += lang_;
    out_ += "\">\n<head>\n<meta charset=\"utf-8\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    out_ += L(kTitle);
    if (!r_.subject.name.empty()) {
      out_ += " — ";
      text(r_.subject.name);
    }
    out_ += "</title>\n<style>";
    out_ += kStyle;
    out_ += "</style>\n</head>\n";
  }

  void meta_row(const Label& label, std::string_view value, bool mono = false) {
    if (value.empty()) return;
    out_ += "<tr><th scope=\"row\">";
    out_ += L(label);
    out_ += "</th><td>";
    if (mono) out_ += "<code>";
    text(value);
    if (mono) out_ += "</code>";
    out_ += "</td></tr>\n";
  }

  void header() {
    const Subject& s = r_.subject;
    out_ += "<header>\n<h1>";
    out_ += L(kTitle);
    out_ += "</h1>\n";
    if (!s.name.empty()) {
      out_ += "<p class=\"subject-name\">";
      text(s.name);
      out_ += "</p>\n";
    }
    out_ += "<h2>";
    out_ += L(s.kind == "organisation" ? kSubjectOrganisation : kSubjectDevice);
    out_ += "</h2>\n<table class=\"meta\">\n<tbody>\n";
    meta_row(kName, s.name.empty() ? L(kNone) : std::string_view(s.name));
    meta_row(kMaker, s.maker);
    meta_row(kModel, s.model);
    meta_row(kFirmware, s.firmware);
    meta_row(kAddress, r_.device.empty() ? std::string_view(s.address) : std::string_view(r_.device), true);
    if (!s.mac.empty() && s.mac != r_.device) meta_row(kMac, s.mac, true);
    meta_row(kDate, r_.today);
    meta_row(kGenerated, r_.generated);
    out_ += "</tbody>\n</table>\n<h2>";
    out_ += L(kInputs);
    out_ += "</h2>\n";
    if (r_.inputs.empty()) {
      out_ += "<p class=\"muted\">";
      out_ += L(kNone);
      out_ += "</p>\n";
    } else {
      out_ += "<ul class=\"inputs\">\n";
      for (const std::string& in : r_.inputs) {
        out_ += "<li><code>";
        text(in);
        out_ += "</code></li>\n";
      }
      out_ += "</ul>\n";
    }
    out_ += "</header>\n";
  }

  void summary() {
    out_ += "<main>\n<section id=\"summary\">\n<h2>";
    out_ += L(kSummary);
    out_ += "</h2>\n";
    if (r_.catalogs.empty()) {
      out_ += "<p class=\"muted\">";
      out_ += L(kNoCatalogs);
      out_ += "</p>\n";
    } else {
      out_ += "<table class=\"summary\">\n<thead><tr><th>";
      out_ += L(kCatalog);
      out_ += "</th><th>";
      out_ += L(kVersion);
      out_ += "</th>";
      append_count_headers(out_, lang_);
      out_ += "</tr></thead>\n<tbody>\n";
      for (size_t i = 0; i < r_.catalogs.size(); ++i) {
        const Catalog& c = *r_.catalogs[i];
        out_ += "<tr><td><a href=\"#";
        out_ += anchor("cat-", c.id);
        out_ += "\">";
        text(c.short_name.empty() ? c.id : c.short_name);
        out_ += "</a><br><span class=\"muted\">";
        text(c.title.in(lang_));
        out_ += "</span></td><td>";
        text(c.version);
        out_ += "</td>";
        append_count_cells(out_, catalog_counts(r_, i));
        out_ += "</tr>\n";
      }
      out_ += "</tbody>\n</table>\n";
    }
    out_ += "<h3>";
    out_ += L(kLegend);
    out_ += "</h3>\n<dl class=\"legend\">\n";
    const Label* meanings[] = {&kLegendPass, &kLegendFail, &kLegendInconclusive, &kLegendNotApplicable};
    for (size_t i = 0; i < 4; ++i) {
      out_ += "<dt>";
      append_badge(out_, kVerdicts[i], lang_);
      out_ += "</dt><dd>";
      out_ += L(*meanings[i]);
      out_ += "</dd>\n";
    }
    out_ += "</dl>\n</section>\n";
  }

  // What moved since the earlier report given with --previous.
  void changes() {
    if (r_.previous.empty()) return;
    out_ += "<section id=\"changes\">\n<h2>";
    out_ += L(kChanges);
    out_ += " ";
    text(r_.previous_date);
    out_ += "</h2>\n<p class=\"muted\">";
    text(r_.previous);
    out_ += "</p>\n";
    if (r_.changes.empty()) {
      out_ += "<p>";
      out_ += L(kNoChanges);
      out_ += "</p>\n</section>\n";
      return;
    }
    out_ += "<table class=\"detail\">\n<thead><tr><th>";
    out_ += L(kCatalog);
    out_ += "</th><th>";
    out_ += L(kId);
    out_ += "</th><th>";
    out_ += L(kRequirement);
    out_ += "</th><th>";
    out_ += L(kBefore);
    out_ += "</th><th>";
    out_ += L(kNow);
    out_ += "</th></tr></thead>\n<tbody>\n";
    for (const Change& c : r_.changes) {
      if (!c.catalog || !c.requirement) continue;
      out_ += "<tr><td>";
      text(c.catalog->short_name);
      out_ += "</td><td class=\"nowrap\"><a href=\"#";
      out_ += anchor("req-", c.catalog->id + ":" + c.requirement->id);
      out_ += "\"><code>";
      text(c.requirement->id);
      out_ += "</code></a></td><td>";
      text(c.requirement->title.in(lang_));
      out_ += "</td><td>";
      if (c.before.empty()) {
        out_ += L(kNotJudged);
      } else {
        for (Verdict v : kVerdicts)
          if (c.before == verdict_name(v)) append_badge(out_, v, lang_);
      }
      out_ += "</td><td>";
      append_badge(out_, c.after, lang_);
      out_ += "</td></tr>\n";
    }
    out_ += "</tbody>\n</table>\n</section>\n";
  }

  void catalog(size_t index) {
    const Catalog& c = *r_.catalogs[index];
    std::vector<const RequirementResult*> results;
    for (const RequirementResult& res : r_.results)
      if (res.catalog == &c) results.push_back(&res);

    out_ += "<section class=\"catalog\" id=\"";
    out_ += anchor("cat-", c.id);
    out_ += "\">\n<h2>";
    text(c.short_name.empty() ? c.id : c.short_name);
    if (!c.version.empty()) {
      out_ += " <span class=\"muted\">";
      text(c.version);
      out_ += "</span>";
    }
    out_ += "</h2>\n<p>";
    text(c.title.in(lang_));
    if (!c.publisher.empty()) {
      out_ += " <span class=\"muted\">(";
      out_ += L(kPublisher);
      out_ += ": ";
      text(c.publisher);
      out_ += ")</span>";
    }
    out_ += "</p>\n";
    groups(c, results);
    details(c, results);
    out_ += "</section>\n";
  }

  void groups(const Catalog& c, const std::vector<const RequirementResult*>& results) {
    out_ += "<h3>";
    out_ += L(kGroupSummary);
    out_ += "</h3>\n<table class=\"groups\">\n<thead><tr><th>";
    out_ += L(kGroup);
    out_ += "</th>";
    append_count_headers(out_, lang_);
    out_ += "</tr></thead>\n<tbody>\n";
    for (const Group& g : c.groups) {
      Counts n;
      for (const RequirementResult* res : results)
        if (group_id(*res) == g.id) n.add(res->verdict);
      out_ += "<tr><td><code>";
      text(g.id);
      out_ += "</code> ";
      text(g.title.in(lang_));
      out_ += "</td>";
      append_count_cells(out_, n);
      out_ += "</tr>\n";
    }
    // Results whose group the catalog does not list (should not happen) still add up.
    Counts other;
    for (const RequirementResult* res : results)
      if (!c.group(group_id(*res))) other.add(res->verdict);
    if (other.total() > 0) {
      out_ += "<tr><td>";
      out_ += L(kOther);
      out_ += "</td>";
      append_count_cells(out_, other);
      out_ += "</tr>\n";
    }
    out_ += "</tbody>\n</table>\n";
  }

  void details(const Catalog& c, const std::vector<const RequirementResult*>& results) {
    out_ += "<h3>";
    out_ += L(kDetail);
    out_ += "</h3>\n<table class=\"detail\">\n<thead><tr>";
    for (const Label* l : {&kId, &kRequirement, &kStatus, &kVerdict, &kAssessment, &kReason, &kEvidence}) {
      out_ += "<th>";
      out_ += L(*l);
      out_ += "</th>";
    }
    out_ += "</tr></thead>\n<tbody>\n";
    for (const RequirementResult* res : results) {
      const Requirement* q = res->requirement;
      out_ += "<tr id=\"";
      out_ += anchor("req-", c.id + ":" + requirement_id(*res));
      out_ += "\"><td class=\"nowrap\"><code>";
      text(requirement_id(*res));
      out_ += "</code></td><td>";
      text(requirement_title(*res, lang_));
      if (q && !q->summary.in(lang_).empty()) {
        out_ += "<div class=\"gist\">";
        text(q->summary.in(lang_));
        out_ += "</div>";
      }
      if (!res->related.empty()) {
        out_ += "<div class=\"related\">";
        out_ += L(kRelated);
        out_ += ": ";
        for (size_t i = 0; i < res->related.size(); ++i) {
          if (i) out_ += ", ";
          text(res->related[i]);
        }
        out_ += "</div>";
      }
      if (q && q->condition) {
        out_ += "<div class=\"condition\">";
        out_ += L(kCondition);
        out_ += ": ";
        text(q->condition->in(lang_));
        out_ += "</div>";
      }
      out_ += "</td><td class=\"nowrap\">";
      text(status_text(q ? q->status : Status::kUnknown).in(lang_));
      out_ += "</td><td>";
      append_badge(out_, res->verdict, lang_);
      out_ += "</td><td>";
      out_ += assessment_label(res->assessment).in(lang_);
      out_ += "</td><td>";
      text(res->reason.in(lang_));
      out_ += "</td><td>";
      evidence_links(res->evidence);
      out_ += "</td></tr>\n";
    }
    out_ += "</tbody>\n</table>\n";
  }

  // A link per evidence id; an id with no record in the appendix (should not happen) is shown
  // without a link rather than pointing nowhere.
  void evidence_links(const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    out_ += "<ul class=\"evidence\">";
    for (const std::string& id : ids) {
      out_ += "<li>";
      if (known_.count(id)) {
        out_ += "<a href=\"#";
        out_ += evidence_anchor(id);
        out_ += "\"><code>";
        text(id);
        out_ += "</code></a>";
      } else {
        out_ += "<code>";
        text(id);
        out_ += "</code>";
      }
      out_ += "</li>";
    }
    out_ += "</ul>";
  }

  void appendix() {
    out_ += "<section class=\"appendix\" id=\"evidence\">\n<h2>";
    out_ += L(kEvidence);
    out_ += "</h2>\n";
    if (r_.evidence.empty()) {
      out_ += "<p class=\"muted\">";
      out_ += L(kNoEvidence);
      out_ += "</p>\n</section>\n</main>\n";
      return;
    }
    out_ += "<table class=\"evidence\">\n<thead><tr>";
    for (const Label* l : {&kId, &kSource, &kKind, &kTime, &kDescription, &kLocation}) {
      out_ += "<th>";
      out_ += L(*l);
      out_ += "</th>";
    }
    out_ += "</tr></thead>\n<tbody>\n";
    std::unordered_set<std::string> written;  // a repeated id gets its anchor once
    for (const Evidence& e : r_.evidence) {
      out_ += "<tr";
      if (written.insert(e.id).second) {
        out_ += " id=\"";
        out_ += evidence_anchor(e.id);
        out_ += "\"";
      }
      out_ += "><td><code>";
      text(e.id);
      out_ += "</code></td><td>";
      out_ += source_label(e.source).in(lang_);
      out_ += "</td><td><code>";
      text(e.kind);
      out_ += "</code></td><td>";
      text(e.time);
      out_ += "</td><td>";
      text(e.summary);
      out_ += "</td><td><code>";
      text(e.file);
      if (e.line > 0) {
        out_ += ':';
        out_ += std::to_string(e.line);
      }
      out_ += "</code></td></tr>\n";
    }
    out_ += "</tbody>\n</table>\n</section>\n</main>\n";
  }

  void footer() {
    out_ += "<footer>\n<p>";
    out_ += L(kDisclaimer);
    out_ += "</p>\n<p class=\"muted\">sekisho audit";
    if (!r_.generated.empty()) {
      out_ += " · ";
      text(r_.generated);
    }
    out_ += "</p>\n</footer>\n";
  }

  const AuditReport& r_;
  std::string_view lang_;
  std::unordered_set<std::string> known_;
  std::string out_;
};

}  // namespace

std::string report_json(const AuditReport& r, std::string_view lang_in) {
  std::string_view lang = norm_lang(lang_in);
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.field("sekisho_audit", 1);
  w.field("generated", r.generated);
  w.field("today", r.today);
  w.field("lang", lang);
  w.key("subject").begin_object();
  w.field("kind", r.subject.kind);
  w.field("name", r.subject.name);
  w.field("maker", r.subject.maker);
  w.field("model", r.subject.model);
  w.field("firmware", r.subject.firmware);
  w.field("address", r.subject.address);
  w.field("mac", r.subject.mac);
  w.end_object();
  w.field("device", r.device);
  w.key("inputs").begin_array();
  for (const std::string& in : r.inputs) w.value(in);
  w.end_array();

  w.key("catalogs").begin_array();
  for (size_t i = 0; i < r.catalogs.size(); ++i) {
    const Catalog& c = *r.catalogs[i];
    Counts n = catalog_counts(r, i);
    w.begin_object();
    w.field("id", c.id);
    w.field("short", c.short_name);
    w.field("version", c.version);
    w.field("title", c.title.in(lang));
    w.field("pass", uint64_t{n.pass});
    w.field("fail", uint64_t{n.fail});
    w.field("inconclusive", uint64_t{n.inconclusive});
    w.field("not_applicable", uint64_t{n.not_applicable});
    w.end_object();
  }
  w.end_array();

  w.key("results").begin_array();
  for (const RequirementResult& res : r.results) {
    w.begin_object();
    w.field("catalog", catalog_id(res));
    w.field("requirement", requirement_id(res));
    w.field("group", group_id(res));
    w.field("title", requirement_title(res, lang));
    w.field("status", requirement_status(res));
    w.field("verdict", verdict_name(res.verdict));
    w.field("assessment", assessment_name(res.assessment));
    w.key("evidence").begin_array();
    for (const std::string& id : res.evidence) w.value(id);
    w.end_array();
    w.key("rules").begin_array();
    for (const std::string& id : res.rules) w.value(id);
    w.end_array();
    w.field("reason", res.reason.in(lang));
    w.field("reason_ja", res.reason.ja);
    w.field("reason_en", res.reason.en);
    w.key("related").begin_array();
    for (const std::string& id : res.related) w.value(id);
    w.end_array();
    w.end_object();
  }
  w.end_array();

  w.key("evidence").begin_array();
  for (const Evidence& e : r.evidence) write_evidence_json(w, e);
  w.end_array();
  if (!r.previous.empty()) {
    w.key("changes").begin_object();
    w.field("previous", r.previous);
    w.field("since", r.previous_date);
    w.key("items").begin_array();
    for (const Change& c : r.changes) {
      w.begin_object();
      w.field("catalog", c.catalog ? c.catalog->id : std::string());
      w.field("requirement", c.requirement ? c.requirement->id : std::string());
      w.field("before", c.before);
      w.field("after", verdict_name(c.after));
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_object();
  out += '\n';
  return out;
}

std::string report_csv(const AuditReport& r, std::string_view lang_in) {
  std::string_view lang = norm_lang(lang_in);
  std::string out = "\xEF\xBB\xBF";  // BOM: Excel reads the file as UTF-8 only with it
  out += "catalog,requirement,group,title,status,verdict,assessment,evidence,reason\r\n";
  for (const RequirementResult& res : r.results) {
    std::string evidence;
    for (const std::string& id : res.evidence) {
      if (!evidence.empty()) evidence += ' ';
      evidence += id;
    }
    const std::string_view cells[] = {catalog_id(res),
                                      requirement_id(res),
                                      group_id(res),
                                      requirement_title(res, lang),
                                      requirement_status(res),
                                      verdict_name(res.verdict),
                                      assessment_name(res.assessment),
                                      evidence,
                                      res.reason.in(lang)};
    bool first = true;
    for (std::string_view cell : cells) {
      if (!first) out += ',';
      first = false;
      append_csv_field(out, cell);
    }
    out += "\r\n";
  }
  return out;
}

std::string report_html(const AuditReport& r, std::string_view lang) { return HtmlReport(r, lang).render(); }

}  // namespace sekisho::audit
