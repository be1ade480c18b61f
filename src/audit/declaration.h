#pragma once
// The maker's or operator's declaration (YAML): what no tool can observe (the vulnerability
// disclosure policy, the support period, the update mechanism, the data deletion procedure,
// external sensors, ...) as typed facts, and per-requirement answers in the shape of an ETSI
// TS 103 701 ICS (supported / not-supported / not-applicable, with a justification).
//
//   sekisho_declaration: 1
//   subject:
//     kind: device                 # device | organisation
//     name: Acme Cam 200           # required
//     maker: Acme   model: CAM-200   firmware: 1.2.3      # optional
//     address: 10.0.0.5            # optional: ties evidence records to the subject
//     mac: 02:00:00:00:00:05       # optional
//   declared_by: { name: Jane Doe, role: maker, date: 2026-11-01 }   # role: maker | operator |
//                                                                    # integrator | owner; date required
//   facts:                         # ids and types from data/audit/facts.toml
//     vulnerability_disclosure_url: https://acme.example/security
//     support_period_end: 2030-12-31
//   answers:                       # catalog id -> requirement id (or alias) -> answer
//     etsi-en-303-645:
//       5.3-13: { status: supported, note: "published on the box and the web" }
//       5.8-3:  { status: not-applicable, justification: "no camera, microphone or other sensor" }
//
// Errors name the file, the line and the field. An unknown catalog, requirement or fact id is
// an error, never silently ignored; not-applicable and not-supported need a justification.
#include <string>
#include <string_view>
#include <vector>

#include "audit/catalog.h"
#include "audit/evidence.h"
#include "core/result.h"

namespace sekisho::audit {

enum class FactType : uint8_t { kUrl, kDate, kBool, kString, kText, kList, kEnum };

struct FactDef {
  std::string id;
  FactType type = FactType::kString;
  std::string subject;              // "device", "organisation" or "any"
  std::vector<std::string> values;  // kEnum: the allowed values
  Text title;
  int line = 0;
};

// data/audit/facts.toml:
//   schema = 1
//   [[fact]]  id = "support_period_end"  type = "date"  subject = "device"
//             title = { ja = "...", en = "..." }   values = [...]   # values only for type "enum"
class FactSchema {
 public:
  static core::Result<FactSchema> parse(std::string_view text, const std::string& name);
  static core::Result<FactSchema> load(const std::string& path);
  const FactDef* find(std::string_view id) const;
  const std::vector<FactDef>& facts() const { return facts_; }

 private:
  std::vector<FactDef> facts_;
};

struct Fact {
  std::string id;
  std::string value;               // as written; kBool: "true"/"false"; kDate: YYYY-MM-DD
  std::vector<std::string> items;  // kList
  int line = 0;
};

enum class AnswerStatus : uint8_t { kSupported, kNotSupported, kNotApplicable };
const char* answer_status_name(AnswerStatus s);  // "supported", "not-supported", "not-applicable"

struct Answer {
  std::string catalog;      // catalog id
  std::string requirement;  // the catalog's own id (an alias in the file is resolved to it)
  AnswerStatus status = AnswerStatus::kSupported;
  std::string justification, note, reference;
  int line = 0;
};

struct Subject {
  std::string kind = "device";  // device | organisation
  std::string name, maker, model, firmware, address, mac;
};

struct Declaration {
  std::string path;
  Subject subject;
  std::string declared_by, role, date;  // date: YYYY-MM-DD
  std::vector<Fact> facts;
  std::vector<Answer> answers;

  const Fact* fact(std::string_view id) const;
  const Answer* answer(std::string_view catalog, std::string_view requirement) const;
};

core::Result<Declaration> parse_declaration(std::string_view text, const std::string& name, const CatalogSet& catalogs,
                                            const FactSchema& facts);
core::Result<Declaration> load_declaration(const std::string& path, const CatalogSet& catalogs,
                                           const FactSchema& facts);

// One evidence record per fact ("<file>:facts.<id>", kind "declaration.fact", attrs id, value)
// and per answer ("<file>:answers.<catalog>.<req>", kind "declaration.answer", attrs catalog,
// requirement, status, justification), with the declaration's date as time.
std::vector<Evidence> declaration_evidence(const Declaration& d);

}  // namespace sekisho::audit
