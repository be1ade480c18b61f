// Declarations (YAML, written by makers and operators): any bytes must give a declaration or an
// error naming the file, never a crash, a hang or unbounded memory (anchors, deep nesting).
// The catalogs and the fact schema are small fixed ones, built once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/declaration.h"

namespace {

using namespace sekisho::audit;

constexpr const char* kCatalog = R"t(
schema = 1
id = "etsi-en-303-645"
short = "ETSI EN 303 645"
version = "V2.1.1 (2020-06)"
publisher = "ETSI"
kind = "product"
title = { ja = "IoTのサイバーセキュリティ", en = "Cyber Security for Consumer IoT" }
sources = ["fuzz"]
[[group]]
id = "5.3"
title = { ja = "ソフトウェアを最新に保つ", en = "Keep software updated" }
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
id = "5.13-1"
group = "5.3"
title = { ja = "入力の検証", en = "Input validated" }
summary = { ja = "要約。", en = "Summary." }
status = "mandatory"
checks = ["device-test"]
scope = "device"
confidence = "verified"
aliases = ["5.13-1A"]
)t";

constexpr const char* kCrosswalk = R"t(
schema = 1
[[link]]
from = "etsi-en-303-645:5.3-13"
to = ["etsi-en-303-645:5.13-1"]
kind = "partial"
)t";

constexpr const char* kFacts = R"t(
schema = 1
[[fact]]
id = "support_period_end"
type = "date"
subject = "device"
title = { ja = "サポート終了日", en = "End of support" }
[[fact]]
id = "vulnerability_disclosure_url"
type = "url"
subject = "device"
title = { ja = "脆弱性開示", en = "Disclosure policy" }
[[fact]]
id = "updates_signed"
type = "bool"
subject = "device"
title = { ja = "署名", en = "Signed" }
[[fact]]
id = "update_mechanism"
type = "enum"
subject = "device"
values = ["none", "manual", "automatic"]
title = { ja = "更新", en = "Updates" }
[[fact]]
id = "external_sensors"
type = "list"
subject = "device"
title = { ja = "センサ", en = "Sensors" }
[[fact]]
id = "data_deletion_procedure"
type = "text"
subject = "device"
title = { ja = "消去", en = "Deletion" }
[[fact]]
id = "security_policy_owner"
type = "string"
subject = "organisation"
title = { ja = "責任者", en = "Owner" }
)t";

struct Fixed {
  CatalogSet catalogs;
  FactSchema facts;
};

const Fixed& fixed() {
  static const Fixed f = [] {
    auto cat = parse_catalog(kCatalog, "etsi-en-303-645.toml");
    if (!cat) std::abort();
    auto set = CatalogSet::from({cat.value()}, kCrosswalk, "crosswalk.toml");
    auto facts = FactSchema::parse(kFacts, "facts.toml");
    if (!set || !facts) std::abort();
    return Fixed{std::move(set.value()), std::move(facts.value())};
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixed& f = fixed();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = parse_declaration(text, "decl/fuzz.yaml", f.catalogs, f.facts);
  if (!d) {
    if (d.error().where.rfind("decl/fuzz.yaml", 0) != 0) std::abort();
    return 0;
  }
  if (d->date.size() != 10 || d->subject.name.empty()) std::abort();
  for (const Answer& a : d->answers) {
    const Catalog* c = f.catalogs.find(a.catalog);
    if (!c || !c->find(a.requirement) || c->find(a.requirement)->id != a.requirement) std::abort();
    if (a.status != AnswerStatus::kSupported && a.justification.empty()) std::abort();
  }
  for (const Fact& fact : d->facts)
    if (!f.facts.find(fact.id)) std::abort();
  const auto ev = declaration_evidence(d.value());
  if (ev.size() != d->facts.size() + d->answers.size()) std::abort();
  return 0;
}
