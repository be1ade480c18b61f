#include "audit/history.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/files.h"

namespace sekisho::audit {

namespace {

constexpr size_t kMaxBytes = 64u << 20;
constexpr size_t kMaxDepth = 64;

core::Error error(const std::string& where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, where, std::move(what));
}

bool verdict_ok(std::string_view v) {
  return v == "PASS" || v == "FAIL" || v == "INCONCLUSIVE" || v == "NOT_APPLICABLE";
}

}  // namespace

core::Result<PreviousReport> parse_previous(std::string_view text, const std::string& name) {
  if (text.size() > kMaxBytes) return error(name, "larger than 64 MiB; not an audit report");
  if (core::json_deeper_than(text, kMaxDepth) != std::string_view::npos)
    return error(name, "nested deeper than 64 levels; not an audit report");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    return error(name, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("sekisho_audit"))
    return error(name, "not a 'sekisho audit' JSON report (no field \"sekisho_audit\")");
  if (!j["sekisho_audit"].is_number_integer() || j["sekisho_audit"].get<int64_t>() != 1)
    return error(name, "field \"sekisho_audit\": expected 1");
  PreviousReport p;
  p.path = name;
  auto str = [&](const nlohmann::json& o, const char* key, std::string& out, const std::string& field,
                 bool required) -> std::optional<core::Error> {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
      if (required) return error(name, "field \"" + field + "\" is missing");
      return std::nullopt;
    }
    if (!it->is_string()) return error(name, "field \"" + field + "\": expected a string");
    out = it->get<std::string>().substr(0, 400);
    return std::nullopt;
  };
  if (auto e = str(j, "generated", p.generated, "generated", true)) return *e;
  if (auto e = str(j, "today", p.today, "today", false)) return *e;
  if (auto e = str(j, "device", p.device, "device", false)) return *e;
  if (const auto s = j.find("subject"); s != j.end() && s->is_object())
    if (auto e = str(*s, "name", p.subject_name, "subject.name", false)) return *e;
  const auto results = j.find("results");
  if (results == j.end() || !results->is_array()) return error(name, "field \"results\": expected an array");
  size_t i = 0;
  for (const auto& r : *results) {
    const std::string at = "results[" + std::to_string(i++) + "]";
    if (!r.is_object()) return error(name, "field \"" + at + "\": expected an object");
    PreviousResult pr;
    if (auto e = str(r, "catalog", pr.catalog, at + ".catalog", true)) return *e;
    if (auto e = str(r, "requirement", pr.requirement, at + ".requirement", true)) return *e;
    if (auto e = str(r, "verdict", pr.verdict, at + ".verdict", true)) return *e;
    if (!verdict_ok(pr.verdict))
      return error(name, "field \"" + at + ".verdict\": expected PASS, FAIL, INCONCLUSIVE or NOT_APPLICABLE");
    p.results.push_back(std::move(pr));
  }
  return p;
}

core::Result<PreviousReport> load_previous(const std::string& path) {
  auto text = core::read_file_capped(path, kMaxBytes, "audit report");
  if (!text) return text.error();
  return parse_previous(text.value(), path);
}

void compare_with(const PreviousReport& previous, AuditReport& report) {
  std::map<std::pair<std::string, std::string>, std::string> before;
  for (const auto& r : previous.results) before[{r.catalog, r.requirement}] = r.verdict;
  report.previous = previous.path;
  report.previous_date = previous.today.empty() ? previous.generated.substr(0, 10) : previous.today;
  report.changes.clear();
  for (const auto& r : report.results) {
    const auto it = before.find({r.catalog->id, r.requirement->id});
    const std::string was = it == before.end() ? std::string() : it->second;
    if (was == verdict_name(r.verdict)) continue;
    report.changes.push_back(Change{r.catalog, r.requirement, was, r.verdict});
  }
}

}  // namespace sekisho::audit
