#pragma once
// The evaluator: per requirement a verdict PASS / FAIL / INCONCLUSIVE / NOT_APPLICABLE in the
// shape of ETSI TS 103 701 (conceptual assessment = the declaration, functional assessment =
// what scan, watch or firmware analysis observed), with the evidence ids behind it and a reason.
//
// Rules that map evidence to requirements are data (data/audit/rules.toml):
//   schema = 1
//   [[rule]]
//   id = "default-password-accepted"
//   match = { kind = "scan.finding", id = "default-credentials" }   # kind + attribute tests
//   verdict = "fail"                                                # fail | pass | not-applicable
//   requirements = ["etsi-en-303-645:5.1-1", "jp-iot-sg-2016:K15", "jp-ter-34-10:*"]
//   reason = { en = "... {service}/{port} ...", ja = "..." }        # {attr} filled from the record
// Attribute tests: "*" = present and non-empty; "!*" = absent or empty; "!x" = present and not x;
// ">N" / "<N" = numeric; "<today" / ">=today" = a date before / not before the audit date;
// anything else = equal. "catalog:*" names every
// requirement of a catalog, "catalog:group" every requirement of a group.
//
// Precedence per requirement: out of the scheme's scope (a not-applicable rule naming
// "catalog:*"; failing evidence is still cited and said) > FAIL (any failing evidence, which
// also beats a declared N/A it contradicts) > NOT_APPLICABLE (declared, by rule, by scope or by
// subject) > PASS > INCONCLUSIVE (nothing to judge on, or a requirement whose text
// is not encoded; the reason says what would settle it). A declaration's ICS answer counts as conceptual evidence:
// supported = PASS, not-supported = FAIL, not-applicable = NOT_APPLICABLE with its justification.
#include <string>
#include <string_view>
#include <vector>

#include "audit/catalog.h"
#include "audit/declaration.h"
#include "audit/evidence.h"
#include "core/result.h"

namespace sekisho::audit {

enum class Verdict : uint8_t { kPass, kFail, kInconclusive, kNotApplicable };
const char* verdict_name(Verdict v);  // "PASS", "FAIL", "INCONCLUSIVE", "NOT_APPLICABLE"
const Text& verdict_text(Verdict v);  // "適合" / "pass", ...

enum class Assessment : uint8_t { kNone, kConceptual, kFunctional, kBoth };
const char* assessment_name(Assessment a);  // "none", "conceptual", "functional", "conceptual+functional"

struct RuleTest {
  std::string key, value;
};

struct Rule {
  std::string id;
  std::string kind;             // the evidence kind it matches
  std::vector<RuleTest> tests;  // the other keys of `match`
  Verdict verdict = Verdict::kFail;
  std::vector<std::string> requirements;  // qualified ids, "catalog:*" or "catalog:group"
  Text reason;
  int line = 0;
};

class RuleSet {
 public:
  // Every requirement id is resolved against `catalogs`; fact ids in declaration.fact matches
  // are checked against `facts`.
  static core::Result<RuleSet> parse(std::string_view text, const std::string& name, const CatalogSet& catalogs,
                                     const FactSchema& facts);
  static core::Result<RuleSet> load(const std::string& path, const CatalogSet& catalogs, const FactSchema& facts);
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
};

struct RequirementResult {
  const Catalog* catalog = nullptr;
  const Requirement* requirement = nullptr;
  Verdict verdict = Verdict::kInconclusive;
  Assessment assessment = Assessment::kNone;
  std::vector<std::string> evidence;  // evidence ids, in the order found
  std::vector<std::string> rules;     // rule ids that fired
  Text reason;
  std::vector<std::string> related;  // "catalog:id" linked by the cross-walk, either way
};

struct CatalogSummary {
  const Catalog* catalog = nullptr;
  size_t pass = 0, fail = 0, inconclusive = 0, not_applicable = 0;
};

struct AuditInput {
  std::vector<std::string> catalogs;        // ids; empty = every catalog
  std::vector<std::string> evidence_files;  // for the report's header
  std::vector<Evidence> evidence;           // every record of every evidence file
  const Declaration* declaration = nullptr;
  std::string device;     // an address or MAC picking the subject's records; "" = the declaration's
                          // address, else the only device in the evidence
  std::string today;      // YYYY-MM-DD; "" = the current UTC date
  std::string generated;  // ISO 8601 time of the run; "" = now
};

// A requirement whose verdict moved since an earlier report (history.h).
struct Change {
  const Catalog* catalog = nullptr;
  const Requirement* requirement = nullptr;
  std::string before;  // the earlier verdict name; "" when the earlier report did not judge it
  Verdict after = Verdict::kInconclusive;
};

struct AuditReport {
  Subject subject;
  std::string device;  // the address or MAC judged ("" for an organisation)
  std::string today, generated;
  std::vector<std::string> inputs;  // evidence files and the declaration
  std::vector<const Catalog*> catalogs;
  std::vector<CatalogSummary> summaries;   // one per catalog, same order
  std::vector<RequirementResult> results;  // catalog order, then requirement order
  std::vector<Evidence> evidence;          // the subject's records (declaration included)
  std::string previous;                    // --previous: the earlier report's path ("" = none)
  std::string previous_date;               // its audit date
  std::vector<Change> changes;             // verdicts that moved since then
};

// Errors: an unknown catalog id; --device not in the evidence; evidence about several devices
// with no way to pick one (the error lists them).
core::Result<AuditReport> evaluate(const CatalogSet& catalogs, const RuleSet& rules, const AuditInput& input);

}  // namespace sekisho::audit
