// Requirement catalogs, the fact schema and the cross-walk (TOML data files; a user can point
// SEKISHO_DATA_DIR at their own). The first byte picks the input:
//   0 a catalog file (parse_catalog): every requirement it keeps resolves by its id and aliases;
//   1 the fact schema (FactSchema::parse): every fact it keeps is found by its id;
//   2 a cross-walk text, resolved against one small fixed catalog (CatalogSet::from);
//   3 a rules file (RuleSet::parse) against that catalog and a small fact schema: every rule it
//     keeps names requirements that resolve, and evaluating it on a few records never fails.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/catalog.h"
#include "audit/declaration.h"
#include "audit/evaluate.h"

namespace {

using namespace sekisho::audit;

constexpr const char* kCatalog = R"t(
schema = 1
id = "uk-psti"
short = "UK PSTI"
version = "2023"
publisher = "UK Government"
kind = "product"
title = { ja = "英国PSTI法", en = "UK PSTI regime" }
sources = ["fuzz"]
[[group]]
id = "psti"
title = { ja = "要求事項", en = "Requirements" }
[[requirement]]
id = "1"
group = "psti"
title = { ja = "共通パスワードの禁止", en = "No universal default passwords" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["scan", "declaration"]
scope = "device"
confidence = "verified"
[[requirement]]
id = "2"
group = "psti"
title = { ja = "脆弱性報告窓口", en = "Vulnerability reporting" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["declaration"]
scope = "device"
confidence = "verified"
aliases = ["2A"]
)t";

const Catalog& fixed_catalog() {
  static const Catalog c = [] {
    auto cat = parse_catalog(kCatalog, "uk-psti.toml");
    if (!cat) std::abort();
    return std::move(cat.value());
  }();
  return c;
}

constexpr const char* kFacts = R"t(
schema = 1
[[fact]]
id = "support_period_end"
type = "date"
subject = "device"
title = { ja = "サポート期間", en = "Support period" }
)t";

struct Fixed {
  CatalogSet set;
  FactSchema facts;
};

const Fixed& fixed() {
  static const Fixed f = [] {
    auto set = CatalogSet::from(
        {fixed_catalog()}, "schema = 1\n[[link]]\nfrom = \"uk-psti:1\"\nto = [\"uk-psti:2\"]\nkind = \"partial\"\n",
        "crosswalk.toml");
    auto facts = FactSchema::parse(kFacts, "facts.toml");
    if (!set || !facts) std::abort();
    return Fixed{std::move(set.value()), std::move(facts.value())};
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t kind = data[0] % 4;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (kind == 0) {
    auto cat = parse_catalog(text, "fuzz.toml");
    if (!cat) return 0;
    if (cat->requirements.empty() || cat->groups.empty()) std::abort();
    for (const Requirement& r : cat->requirements) {
      if (cat->find(r.id) != &r || !cat->group(r.group)) std::abort();
      for (const auto& a : r.aliases)
        if (cat->find(a) != &r) std::abort();
      (void)check_names(r.checks);
      (void)status_name(r.status);
    }
  } else if (kind == 1) {
    auto schema = FactSchema::parse(text, "facts.toml");
    if (!schema) return 0;
    for (const FactDef& f : schema->facts())
      if (schema->find(f.id) != &f || (f.type == FactType::kEnum) == f.values.empty()) std::abort();
  } else if (kind == 3) {
    auto rules = RuleSet::parse(text, "rules.toml", fixed().set, fixed().facts);
    if (!rules) return 0;
    Evidence host;
    host.id = "s.json:1";
    host.kind = "scan.host";
    host.ip = "10.0.0.1";
    host.attrs = {{"logins_tried", "3"}, {"up", "true"}};
    Evidence finding = host;
    finding.id = "s.json:2";
    finding.kind = "scan.finding";
    finding.attrs = {{"id", "default-credentials"}, {"port", "23"}, {"service", "{service}"}};
    AuditInput in;
    in.evidence = {host, finding};
    in.today = "2026-01-01";
    auto report = evaluate(fixed().set, *rules, in);
    if (!report || report->results.size() != 2) std::abort();
  } else {
    auto set = CatalogSet::from({fixed_catalog()}, text, "crosswalk.toml");
    if (!set) return 0;
    for (const Link& l : set->links()) {
      if (!set->resolve(l.from) && !set->is_group(l.from)) std::abort();
      for (const auto& to : l.to)
        if (!set->resolve(to) && !set->is_group(to)) std::abort();
      (void)set->related(l.from);
    }
  }
  return 0;
}
