#include "audit/evaluate.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "audit/toml_read.h"
#include "core/files.h"
#include "core/net.h"
#include "core/time.h"

namespace sekisho::audit {

using detail::at;
using detail::data_error;

namespace {

constexpr size_t kMaxRules = 5000;
constexpr size_t kMaxReasonsShown = 3;

bool parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

bool test_matches(const RuleTest& t, const std::string& value, const std::string& today) {
  const std::string_view v = t.value;
  if (v == "*") return !value.empty();
  if (v == "!*") return value.empty();
  if (v.size() > 1 && v[0] == '!') return !value.empty() && value != v.substr(1);
  if (v == "<today") return core::is_iso_date(value) && value < today;
  if (v == ">=today") return core::is_iso_date(value) && value >= today;
  if (v.size() > 1 && (v[0] == '>' || v[0] == '<')) {
    double want = 0, have = 0;
    if (!parse_number(v.substr(1), want) || !parse_number(value, have)) return false;
    return v[0] == '>' ? have > want : have < want;
  }
  return value == v;
}

bool rule_matches(const Rule& r, const Evidence& e, const std::string& today) {
  if (e.kind != r.kind) return false;
  for (const auto& t : r.tests)
    if (!test_matches(t, e.attr(t.key), today)) return false;
  return true;
}

// "{name}" placeholders filled from the record's attributes.
std::string render(std::string_view text, const Evidence& e) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      const size_t end = text.find('}', i);
      if (end != std::string_view::npos) {
        const std::string key(text.substr(i + 1, end - i - 1));
        out += key == "ip" ? e.ip : key == "mac" ? e.mac : e.attr(key);
        i = end + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

// Joins up to kMaxReasonsShown distinct texts; says how many more there were.
std::string join_reasons(const std::vector<std::string>& texts, bool ja) {
  std::vector<std::string> uniq;
  for (const auto& t : texts)
    if (std::find(uniq.begin(), uniq.end(), t) == uniq.end()) uniq.push_back(t);
  std::string out;
  for (size_t i = 0; i < uniq.size() && i < kMaxReasonsShown; ++i) {
    if (i) out += ja ? " " : " ";
    out += uniq[i];
  }
  if (uniq.size() > kMaxReasonsShown) {
    const std::string n = std::to_string(uniq.size() - kMaxReasonsShown);
    out += ja ? "(ほか " + n + " 件)" : " (and " + n + " more)";
  }
  return out;
}

std::string ensure_period(std::string s, bool ja) {
  if (s.empty()) return s;
  if (ja) {
    if (s.size() < 3 || s.compare(s.size() - 3, 3, "。") != 0) s += "。";
  } else if (s.back() != '.') {
    s += '.';
  }
  return s;
}

Assessment combine(bool conceptual, bool functional) {
  if (conceptual && functional) return Assessment::kBoth;
  if (functional) return Assessment::kFunctional;
  if (conceptual) return Assessment::kConceptual;
  return Assessment::kNone;
}

struct Hit {
  const Rule* rule;
  const Evidence* evidence;
};

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "PASS";
    case Verdict::kFail: return "FAIL";
    case Verdict::kInconclusive: return "INCONCLUSIVE";
    case Verdict::kNotApplicable: return "NOT_APPLICABLE";
  }
  return "INCONCLUSIVE";
}

const Text& verdict_text(Verdict v) {
  static const Text kTexts[] = {
      {"適合", "pass"},
      {"不適合", "fail"},
      {"判定不能", "inconclusive"},
      {"対象外", "not applicable"},
  };
  return kTexts[size_t(v) < std::size(kTexts) ? size_t(v) : 2];
}

const char* assessment_name(Assessment a) {
  switch (a) {
    case Assessment::kNone: return "none";
    case Assessment::kConceptual: return "conceptual";
    case Assessment::kFunctional: return "functional";
    case Assessment::kBoth: return "conceptual+functional";
  }
  return "none";
}

core::Result<RuleSet> RuleSet::parse(std::string_view text, const std::string& file, const CatalogSet& catalogs,
                                     const FactSchema& facts) {
  auto parsed = detail::parse_toml(text, file, "rules file");
  if (!parsed) return parsed.error();
  const toml::table& root = parsed.value();
  if (auto e = detail::unknown_key(root, {"schema", "rule"}, file, "")) return *e;
  const auto schema = root["schema"].value<int64_t>();
  if (!schema || *schema != 1) return data_error(at(file, root.get("schema")), "field 'schema' must be 1");
  const toml::array* arr = root["rule"].as_array();
  if (!arr || arr->empty()) return data_error(file, "expected [[rule]] tables");
  if (arr->size() > kMaxRules) return data_error(file, "more than 5000 rules");

  static const std::map<std::string, std::vector<std::string>> kKinds = {
      {"scan.finding", {"id", "service", "port", "proto", "severity", "confidence", "credential_id", "advisory"}},
      {"scan.service", {"service", "port", "proto", "product", "version", "tls"}},
      {"scan.host", {"up", "open_ports", "findings", "logins_tried", "interrupted"}},
      {"scan.summary", {"hosts", "findings", "login_attempts", "interrupted"}},
      {"watch.alert", {"detector", "signature_id", "signature", "category", "direction", "action"}},
      {"watch.device", {"class", "vendor", "hostname", "mud_url", "event"}},
      {"watch.tls", {"version", "sni", "dest_ip", "dest_port", "peer", "ja3", "weak_ciphers"}},
      {"declaration.fact", {"id", "value"}},
      {"declaration.answer", {"catalog", "requirement", "status", "justification"}},
  };

  RuleSet set;
  for (const toml::node& n : *arr) {
    const toml::table* t = n.as_table();
    if (!t) return data_error(at(file, &n), "[[rule]] must be a table");
    Rule r;
    r.line = int(t->source().begin.line);
    if (auto e = detail::read_string(*t, "id", true, r.id, file, "rule: ", 64)) return *e;
    const std::string ctx = "rule '" + r.id + "': ";
    for (const auto& other : set.rules_)
      if (other.id == r.id) return data_error(at(file, t), ctx + "duplicate rule id");
    if (auto e = detail::unknown_key(*t, {"id", "match", "verdict", "requirements", "reason"}, file, ctx)) return *e;

    const toml::table* m = t->get_as<toml::table>("match");
    if (!m) return data_error(at(file, t), ctx + "field 'match' must be a table with 'kind'");
    if (auto e = detail::read_string(*m, "kind", true, r.kind, file, ctx + "match: ", 64)) return *e;
    const auto kind = kKinds.find(r.kind);
    if (kind == kKinds.end())
      return data_error(at(file, m->get("kind")), ctx + "unknown evidence kind '" + r.kind + "'");
    for (const auto& [k, v] : *m) {
      if (k.str() == "kind") continue;
      const std::string key(k.str());
      if (std::find(kind->second.begin(), kind->second.end(), key) == kind->second.end())
        return data_error(at(file, &v), ctx + "match: '" + r.kind + "' records have no attribute '" + key + "'");
      RuleTest test{key, {}};
      if (auto e = detail::read_string(*m, key, true, test.value, file, ctx + "match: ", 200)) return *e;
      r.tests.push_back(std::move(test));
    }
    if (r.kind == "declaration.fact") {
      const auto id = std::find_if(r.tests.begin(), r.tests.end(), [](const RuleTest& x) { return x.key == "id"; });
      if (id == r.tests.end()) return data_error(at(file, m), ctx + "match: a declaration.fact rule needs 'id'");
      if (!facts.find(id->value))
        return data_error(at(file, m->get("id")), ctx + "match: unknown fact '" + id->value + "'");
    }

    std::string verdict;
    if (auto e = detail::read_string(*t, "verdict", true, verdict, file, ctx, 32)) return *e;
    if (verdict == "fail") {
      r.verdict = Verdict::kFail;
    } else if (verdict == "pass") {
      r.verdict = Verdict::kPass;
    } else if (verdict == "not-applicable") {
      r.verdict = Verdict::kNotApplicable;
    } else {
      return data_error(at(file, t->get("verdict")), ctx + "field 'verdict' must be fail, pass or not-applicable");
    }

    if (auto e = detail::read_strings(*t, "requirements", true, r.requirements, file, ctx, 500)) return *e;
    for (const auto& q : r.requirements) {
      const size_t colon = q.find(':');
      const bool whole = colon != std::string::npos && q.substr(colon + 1) == "*" && catalogs.find(q.substr(0, colon));
      if (!whole && !catalogs.resolve(q) && !catalogs.is_group(q))
        return data_error(at(file, t->get("requirements")), ctx + "field 'requirements': '" + q.substr(0, 80) +
                                                                "' names no catalog requirement or group");
    }
    if (auto e = detail::read_text(*t, "reason", true, r.reason, file, ctx)) return *e;
    set.rules_.push_back(std::move(r));
  }
  return set;
}

core::Result<RuleSet> RuleSet::load(const std::string& path, const CatalogSet& catalogs, const FactSchema& facts) {
  auto text = core::read_file_capped(path, detail::kMaxDataFileBytes, "rules file");
  if (!text) return text.error();
  return parse(text.value(), path, catalogs, facts);
}

namespace {

// A not-applicable rule naming a whole catalog ("catalog:*") takes the subject out of the
// scheme's scope (a device behind a router is outside the terminal equipment rules).
bool names_whole_catalog(const Rule& r, const Catalog& c) {
  const std::string whole = c.id + ":*";
  return std::find(r.requirements.begin(), r.requirements.end(), whole) != r.requirements.end();
}

bool rule_names(const Rule& r, const Catalog& c, const Requirement& req) {
  for (const auto& q : r.requirements) {
    const size_t colon = q.find(':');
    if (colon == std::string::npos || std::string_view(q).substr(0, colon) != c.id) continue;
    const std::string_view local = std::string_view(q).substr(colon + 1);
    if (local == "*" || local == req.group) return true;
    if (c.find(local) == &req) return true;
  }
  return false;
}

// Picks the device the audit is about; every device address or MAC seen when it cannot.
core::Result<std::string> pick_device(const AuditInput& in, std::vector<std::string>& seen) {
  if (!in.device.empty()) return in.device;
  if (in.declaration && in.declaration->subject.kind == "organisation") return std::string();
  if (in.declaration && !in.declaration->subject.address.empty()) return in.declaration->subject.address;
  if (in.declaration && !in.declaration->subject.mac.empty()) return in.declaration->subject.mac;
  std::set<std::string> ips;
  for (const auto& e : in.evidence)
    if (!e.ip.empty()) ips.insert(e.ip);
  if (ips.size() <= 1) return ips.empty() ? std::string() : *ips.begin();
  seen.assign(ips.begin(), ips.end());
  std::string list;
  for (size_t i = 0; i < seen.size() && i < 20; ++i) list += (i ? ", " : "") + seen[i];
  if (seen.size() > 20) list += ", ...";
  return core::make_error(
      core::ErrorCode::kInvalidArgument, "evidence",
      "the evidence is about " + std::to_string(seen.size()) +
          " devices; pick one with --device ADDRESS (or the declaration's subject.address): " + list);
}

// The subject's identities: the address or MAC asked for (and the declaration's), plus the
// MAC seen with any of its addresses and the addresses seen with any of its MACs (a watch
// alert carries both), so records that name the device either way are all found.
std::set<std::string> identities(const std::vector<Evidence>& evidence, const std::string& device,
                                 const Declaration* d) {
  std::set<std::string> ids;
  if (device.empty()) return ids;
  ids.insert(lower(device));
  if (d && !d->subject.address.empty()) ids.insert(lower(d->subject.address));
  if (d && !d->subject.mac.empty()) ids.insert(lower(d->subject.mac));
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& e : evidence) {
      if (e.ip.empty() || e.mac.empty()) continue;
      const std::string ip = lower(e.ip), mac = lower(e.mac);
      if (ids.count(ip) || ids.count(mac)) {
        ids.insert(ip);
        ids.insert(mac);
      }
    }
  return ids;
}

bool about(const Evidence& e, const std::set<std::string>& ids) {
  if (ids.empty()) return true;
  if (e.ip.empty() && e.mac.empty()) return e.source == Source::kDeclaration || e.kind == "scan.summary";
  return (!e.ip.empty() && ids.count(lower(e.ip))) || (!e.mac.empty() && ids.count(lower(e.mac)));
}

}  // namespace

core::Result<AuditReport> evaluate(const CatalogSet& catalogs, const RuleSet& rules, const AuditInput& in) {
  AuditReport report;
  const std::string now = core::iso_time(core::wall_now());
  report.today = in.today.empty() ? now.substr(0, 10) : in.today;
  report.generated = in.generated.empty() ? now.substr(0, 19) + "Z" : in.generated;
  report.inputs = in.evidence_files;
  if (in.declaration) {
    report.subject = in.declaration->subject;
    report.inputs.push_back(in.declaration->path);
  }

  if (in.catalogs.empty()) {
    for (const auto& c : catalogs.catalogs()) report.catalogs.push_back(&c);
  } else {
    for (const auto& id : in.catalogs) {
      const Catalog* c = catalogs.find(id);
      if (!c) {
        std::string known;
        for (const auto& k : catalog_ids()) known += (known.empty() ? "" : ", ") + k;
        return core::make_error(core::ErrorCode::kInvalidArgument, "--catalog",
                                "unknown catalog '" + id + "' (known: " + known + ")");
      }
      if (std::find(report.catalogs.begin(), report.catalogs.end(), c) == report.catalogs.end())
        report.catalogs.push_back(c);
    }
  }

  std::vector<std::string> seen;
  auto device = pick_device(in, seen);
  if (!device) return device.error();
  report.device = device.value();
  if (!in.declaration && !report.device.empty()) {
    // No declaration: the subject is the device judged, named as the evidence names it.
    const bool is_mac = !core::IpAddr::parse(report.device) && core::MacAddr::parse(report.device);
    (is_mac ? report.subject.mac : report.subject.address) = report.device;
  }
  const bool organisation = in.declaration && in.declaration->subject.kind == "organisation";

  // The subject's records: evidence files first, then the declaration.
  bool any_about = report.device.empty();
  const std::set<std::string> ids = identities(in.evidence, report.device, in.declaration);
  for (const auto& e : in.evidence)
    if (about(e, ids)) {
      report.evidence.push_back(e);
      any_about = any_about || !e.ip.empty() || !e.mac.empty();
    }
  if (!any_about && !in.evidence.empty())
    return core::make_error(core::ErrorCode::kInvalidArgument, "--device",
                            "no evidence record is about " + report.device);
  if (in.declaration)
    for (auto& e : declaration_evidence(*in.declaration)) report.evidence.push_back(std::move(e));

  // Which rule fired on which record, once for all requirements.
  std::vector<Hit> hits;
  for (const auto& r : rules.rules())
    for (const auto& e : report.evidence)
      if (rule_matches(r, e, report.today)) hits.push_back({&r, &e});

  for (const Catalog* cat : report.catalogs) {
    CatalogSummary sum;
    sum.catalog = cat;
    for (const auto& req : cat->requirements) {
      RequirementResult res;
      res.catalog = cat;
      res.requirement = &req;
      res.related = catalogs.related(cat->id + ":" + req.id);
      std::vector<Hit> fails, passes, nas;
      for (const auto& h : hits) {
        if (!rule_names(*h.rule, *cat, req)) continue;
        (h.rule->verdict == Verdict::kFail ? fails : h.rule->verdict == Verdict::kPass ? passes : nas).push_back(h);
      }
      const Answer* answer = in.declaration ? in.declaration->answer(cat->id, req.id) : nullptr;
      auto answer_evidence = [&]() -> std::string {
        for (const auto& e : report.evidence)
          if (e.kind == "declaration.answer" && e.attr("catalog") == cat->id && e.attr("requirement") == req.id)
            return e.id;
        return {};
      };
      auto cite = [&](const std::vector<Hit>& from) {
        for (const auto& h : from) {
          if (std::find(res.evidence.begin(), res.evidence.end(), h.evidence->id) == res.evidence.end())
            res.evidence.push_back(h.evidence->id);
          if (std::find(res.rules.begin(), res.rules.end(), h.rule->id) == res.rules.end())
            res.rules.push_back(h.rule->id);
        }
      };
      auto reasons = [&](const std::vector<Hit>& from) {
        std::vector<std::string> ja, en;
        for (const auto& h : from) {
          ja.push_back(ensure_period(render(h.rule->reason.ja, *h.evidence), true));
          en.push_back(ensure_period(render(h.rule->reason.en, *h.evidence), false));
        }
        return Text{join_reasons(ja, true), join_reasons(en, false)};
      };
      auto sources = [&](const std::vector<Hit>& from, bool& conceptual, bool& functional) {
        for (const auto& h : from) (h.evidence->source == Source::kDeclaration ? conceptual : functional) = true;
      };

      std::vector<Hit> out_of_scope;
      for (const auto& h : nas)
        if (names_whole_catalog(*h.rule, *cat)) out_of_scope.push_back(h);

      bool conceptual = false, functional = false;
      if (!out_of_scope.empty()) {
        // Out of the scheme's scope: not applicable, whatever else the evidence shows; what it
        // shows against the requirement is still cited and said.
        res.verdict = Verdict::kNotApplicable;
        cite(out_of_scope);
        sources(out_of_scope, conceptual, functional);
        res.reason = reasons(out_of_scope);
        if (!fails.empty()) {
          cite(fails);
          sources(fails, conceptual, functional);
          const Text against = reasons(fails);
          res.reason.ja += " ただし証拠は要件に反している: " + against.ja;
          res.reason.en += " The evidence goes against the requirement all the same: " + against.en;
        }
      } else if (!fails.empty() || (answer && answer->status == AnswerStatus::kNotSupported)) {
        res.verdict = Verdict::kFail;
        cite(fails);
        sources(fails, conceptual, functional);
        res.reason = reasons(fails);
        if (answer && answer->status == AnswerStatus::kNotSupported) {
          conceptual = true;
          res.evidence.push_back(answer_evidence());
          res.reason.ja +=
              (res.reason.ja.empty() ? "" : " ") + ensure_period("申告では未対応: " + answer->justification, true);
          res.reason.en += (res.reason.en.empty() ? "" : " ") +
                           ensure_period("Declared not supported: " + answer->justification, false);
        }
      } else if (req.scope == Scope::kOrganisation && !organisation) {
        res.verdict = Verdict::kNotApplicable;
        res.reason = {"組織に対する要件です。組織の申告(subject.kind: organisation)で評価します。",
                      "An organisational requirement: it is judged on the organisation's declaration "
                      "(subject.kind: organisation), not per device."};
      } else if (req.scope == Scope::kDevice && organisation) {
        res.verdict = Verdict::kNotApplicable;
        res.reason = {"機器ごとに評価する要件です。機器の申告と証拠で評価します。",
                      "A device requirement: it is judged per device, on that device's evidence and declaration."};
      } else if (answer && answer->status == AnswerStatus::kNotApplicable) {
        res.verdict = Verdict::kNotApplicable;
        conceptual = true;
        res.evidence.push_back(answer_evidence());
        res.reason = {ensure_period("申告により対象外: " + answer->justification, true),
                      ensure_period("Declared not applicable: " + answer->justification, false)};
      } else if (!nas.empty()) {
        res.verdict = Verdict::kNotApplicable;
        cite(nas);
        sources(nas, conceptual, functional);
        res.reason = reasons(nas);
      } else if (!passes.empty() || (answer && answer->status == AnswerStatus::kSupported)) {
        res.verdict = Verdict::kPass;
        cite(passes);
        sources(passes, conceptual, functional);
        res.reason = reasons(passes);
        if (answer && answer->status == AnswerStatus::kSupported) {
          conceptual = true;
          res.evidence.push_back(answer_evidence());
          const std::string note = answer->note.empty() ? "" : ": " + answer->note;
          res.reason.ja += (res.reason.ja.empty() ? "" : " ") + ensure_period("申告では対応済み" + note, true);
          res.reason.en += (res.reason.en.empty() ? "" : " ") + ensure_period("Declared supported" + note, false);
        }
      } else if (req.confidence == Confidence::kUnknown) {
        res.verdict = Verdict::kInconclusive;
        res.reason = {"この要件の本文は未収録のため判定できません(カタログの要約を参照)。",
                      "The text of this requirement is not encoded yet, so it cannot be judged (see the catalog "
                      "summary for where to find it)."};
      } else {
        res.verdict = Verdict::kInconclusive;
        // What would settle it: the facts of pass rules naming it, and the checks the catalog lists.
        std::vector<std::string> facts;
        for (const auto& r : rules.rules())
          if (r.kind == "declaration.fact" && r.verdict != Verdict::kFail && rule_names(r, *cat, req))
            for (const auto& t : r.tests)
              if (t.key == "id" && std::find(facts.begin(), facts.end(), t.value) == facts.end())
                facts.push_back(t.value);
        std::string checks;
        for (const auto& c : check_names(req.checks)) checks += (checks.empty() ? "" : ", ") + c;
        res.reason.en = "No evidence yet. Checked by: " + checks + ".";
        res.reason.ja = "判定に使える証拠がありません。確認方法: " + checks + "。";
        if (!facts.empty()) {
          std::string list;
          for (const auto& f : facts) list += (list.empty() ? "" : ", ") + f;
          res.reason.en += " Declare: " + list + ".";
          res.reason.ja += " 申告する事実: " + list + "。";
        }
        res.reason.en += " Or answer it in the declaration (answers: " + cat->id + ": " + req.id + ").";
        res.reason.ja += " または申告の answers: " + cat->id + ": " + req.id + " で回答してください。";
      }
      res.assessment = combine(conceptual, functional);
      switch (res.verdict) {
        case Verdict::kPass: ++sum.pass; break;
        case Verdict::kFail: ++sum.fail; break;
        case Verdict::kInconclusive: ++sum.inconclusive; break;
        case Verdict::kNotApplicable: ++sum.not_applicable; break;
      }
      report.results.push_back(std::move(res));
    }
    report.summaries.push_back(sum);
  }
  return report;
}

}  // namespace sekisho::audit
