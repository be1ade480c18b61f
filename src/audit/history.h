#pragma once
// Conformance over time: an earlier JSON report of `sekisho audit` (--previous) compared with
// this run, requirement by requirement, so an organisation or a maker sees what moved.
#include <string>
#include <string_view>
#include <vector>

#include "audit/evaluate.h"
#include "core/result.h"

namespace sekisho::audit {

struct PreviousResult {
  std::string catalog, requirement, verdict;  // verdict: PASS | FAIL | INCONCLUSIVE | NOT_APPLICABLE
};

struct PreviousReport {
  std::string path, generated, today;
  std::string subject_name, device;
  std::vector<PreviousResult> results;
};

// Reads a JSON report written by report_json. Errors name the file and the field
// ("results[3].verdict"). Capped at 64 MiB and 64 levels of nesting.
core::Result<PreviousReport> parse_previous(std::string_view text, const std::string& name);
core::Result<PreviousReport> load_previous(const std::string& path);

// Fills report.changes (every requirement of this run whose verdict differs, or which the
// earlier report did not judge) and report.previous_*.
void compare_with(const PreviousReport& previous, AuditReport& report);

}  // namespace sekisho::audit
