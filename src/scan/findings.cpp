#include "scan/findings.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/files.h"

#ifndef SEKISHO_DATA_DIR_DEFAULT
#define SEKISHO_DATA_DIR_DEFAULT "/usr/share/sekisho"
#endif

namespace sekisho::scan {

namespace {

constexpr size_t kMaxFileBytes = 4u << 20;
constexpr size_t kMaxKinds = 1000;
constexpr size_t kMaxText = 4000;  // bytes per text field
constexpr size_t kMaxGuidelines = 32;

constexpr const char* kSeverityNames[] = {"info", "low", "medium", "high", "critical"};

constexpr std::string_view kFindingKeys[] = {"id",        "severity",  "guidelines",   "title_en",    "title_ja",
                                             "advice_en", "advice_ja", "technical_en", "technical_ja"};

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

core::Error format_error(std::string where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, std::move(where), std::move(what));
}

// Placeholders allowed in advice: {service} and {port}. Returns the first bad one, or "".
std::string bad_placeholder(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '}') return "a '}' without '{'";
    if (s[i] != '{') continue;
    const size_t end = s.find('}', i);
    if (end == std::string_view::npos) return "a '{' without '}'";
    const std::string_view name = s.substr(i + 1, end - i - 1);
    if (name != "service" && name != "port") return "unknown placeholder {" + std::string(name) + "}";
    i = end;
  }
  return {};
}

bool has_control_char(std::string_view s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  return false;
}

std::vector<std::string> build_guideline_ids() {
  std::vector<std::string> ids;
  for (int k = 1; k <= 21; ++k) ids.push_back((k < 10 ? "K0" : "K") + std::to_string(k));
  for (int u = 1; u <= 4; ++u) ids.push_back("U" + std::to_string(u));
  for (int t = 1; t <= 4; ++t) ids.push_back("TER-34-10-" + std::to_string(t));
  // ETSI EN 303 645 V2.1.1: clause -> number of provisions (guidelines.md section 2.2).
  const std::pair<const char*, int> etsi[] = {
      {"4", 1},   {"5.1", 5}, {"5.2", 3},  {"5.3", 16}, {"5.4", 4},  {"5.5", 8},  {"5.6", 9}, {"5.7", 2},
      {"5.8", 3}, {"5.9", 3}, {"5.10", 1}, {"5.11", 4}, {"5.12", 3}, {"5.13", 1}, {"6", 5},
  };
  for (const auto& [clause, n] : etsi)
    for (int i = 1; i <= n; ++i) ids.push_back(std::string("ETSI-") + clause + "-" + std::to_string(i));
  return ids;
}

}  // namespace

const char* severity_name(Severity s) {
  const auto i = size_t(s);
  return i < std::size(kSeverityNames) ? kSeverityNames[i] : "unknown";
}

std::optional<Severity> parse_severity(std::string_view s) {
  for (size_t i = 0; i < std::size(kSeverityNames); ++i) {
    const std::string_view name = kSeverityNames[i];
    if (name.size() == s.size() &&
        std::equal(name.begin(), name.end(), s.begin(), [](char a, char b) { return a == lower(b); }))
      return Severity(i);
  }
  return std::nullopt;
}

const std::vector<std::string>& guideline_ids() {
  static const std::vector<std::string> ids = build_guideline_ids();
  return ids;
}

bool is_guideline_id(std::string_view id) {
  const auto& ids = guideline_ids();
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

const std::vector<std::string_view>& required_finding_ids() {
  static const std::vector<std::string_view> ids = {
      "default-credentials", "unauthenticated-admin", "anonymous-mqtt",  "snmp-public",   "telnet-open",
      "upnp-exposed",        "vulnerable-version",    "cleartext-login", "anonymous-ftp", "coap-open",
  };
  return ids;
}

std::string render(std::string_view text, std::string_view service, uint16_t port) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, 9) == "{service}") {
      out += service;
      i += 9;
    } else if (text.substr(i, 6) == "{port}") {
      out += std::to_string(port);
      i += 6;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string default_findings_path() {
  if (const char* d = std::getenv("SEKISHO_DATA_DIR"); d && *d) return std::string(d) + "/advice/findings.toml";
  return std::string(SEKISHO_DATA_DIR_DEFAULT) + "/advice/findings.toml";
}

const FindingKind* FindingCatalog::find(std::string_view id) const {
  for (const auto& k : kinds_)
    if (k.id == id) return &k;
  return nullptr;
}

core::Result<FindingCatalog> FindingCatalog::load(const std::string& path) {
  auto text = core::read_file_capped(path, kMaxFileBytes, "findings catalog");
  if (!text) return text.error();
  return load_text(text.value(), path);
}

core::Result<FindingCatalog> FindingCatalog::load_text(std::string_view toml_text, std::string_view name_sv) {
  const std::string name(name_sv);
  if (toml_text.size() > kMaxFileBytes) return format_error(name, "larger than 4 MiB; not a findings catalog");
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return format_error(name + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
                        std::string(e.description()));
  }

  FindingCatalog cat;
  for (const auto& [k, v] : root) {
    const std::string_view key = k.str();
    if (key != "version" && key != "finding") return format_error(name + ": " + std::string(key), "unknown key");
  }
  const auto version = root["version"].value<std::string_view>();
  if (!version || version->empty() || version->size() > 64)
    return format_error(name + ": version", "expected a version string such as \"2026.11.1\"");
  cat.version_ = std::string(*version);

  const toml::array* arr = root["finding"].as_array();
  if (!arr || arr->empty()) return format_error(name, "expected [[finding]] tables");
  if (arr->size() > kMaxKinds) return format_error(name, "more than 1000 findings");

  size_t index = 0;
  for (const toml::node& node : *arr) {
    ++index;
    const toml::table* t = node.as_table();
    std::string at = name + ": finding " + std::to_string(index);
    if (!t) return format_error(at, "expected a table");
    FindingKind f;
    if (const auto id = (*t)["id"].value<std::string_view>(); id) at += " (id '" + std::string(*id) + "')";
    for (const auto& [k, v] : *t) {
      const std::string_view key = k.str();
      if (std::find(std::begin(kFindingKeys), std::end(kFindingKeys), key) == std::end(kFindingKeys))
        return format_error(at, "unknown field '" + std::string(key) + "'");
    }
    auto text = [&](std::string_view field, bool required, std::string& out) -> std::optional<core::Error> {
      const toml::node* n = t->get(field);
      if (!n) {
        if (required) return format_error(at, "field '" + std::string(field) + "' is missing");
        return std::nullopt;
      }
      const auto s = n->value<std::string_view>();
      if (!n->is_string() || !s) return format_error(at, "field '" + std::string(field) + "' must be a string");
      if (required && s->empty()) return format_error(at, "field '" + std::string(field) + "' is empty");
      if (s->size() > kMaxText) return format_error(at, "field '" + std::string(field) + "' is over 4000 bytes");
      if (has_control_char(*s))
        return format_error(at, "field '" + std::string(field) + "' contains a control character");
      if (field != "id" && field != "severity") {
        if (std::string bad = bad_placeholder(*s); !bad.empty())
          return format_error(at, "field '" + std::string(field) + "': " + bad + " (only {service} and {port})");
      }
      out.assign(*s);
      return std::nullopt;
    };
    std::string severity;
    for (auto [field, required, out] : {std::tuple<std::string_view, bool, std::string*>{"id", true, &f.id},
                                        {"severity", true, &severity},
                                        {"title_en", true, &f.title_en},
                                        {"title_ja", true, &f.title_ja},
                                        {"advice_en", true, &f.advice_en},
                                        {"advice_ja", true, &f.advice_ja},
                                        {"technical_en", false, &f.technical_en},
                                        {"technical_ja", false, &f.technical_ja}}) {
      if (auto err = text(field, required, *out)) return *err;
    }
    for (char c : f.id)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return format_error(at, "field 'id' must use a-z, 0-9 and '-'");
    const auto sev = parse_severity(severity);
    if (!sev) return format_error(at, "field 'severity' must be info, low, medium, high or critical");
    f.severity = *sev;

    const toml::node* g = t->get("guidelines");
    const toml::array* ga = g ? g->as_array() : nullptr;
    if (!ga || ga->empty())
      return format_error(at, "field 'guidelines' must be a non-empty array of ids such as \"K15\"");
    if (ga->size() > kMaxGuidelines) return format_error(at, "field 'guidelines' has more than 32 ids");
    for (const toml::node& e : *ga) {
      const auto s = e.value<std::string_view>();
      if (!e.is_string() || !s) return format_error(at, "field 'guidelines' must hold strings");
      if (!is_guideline_id(*s))
        return format_error(at, "field 'guidelines': unknown guideline id '" + std::string(s->substr(0, 64)) +
                                    "' (expected K01..K21, U1..U4, TER-34-10-1..4 or ETSI-<provision>)");
      if (std::find(f.guidelines.begin(), f.guidelines.end(), *s) != f.guidelines.end())
        return format_error(at, "field 'guidelines': '" + std::string(*s) + "' listed twice");
      f.guidelines.emplace_back(*s);
    }
    if (cat.find(f.id)) return format_error(at, "duplicate finding id '" + f.id + "'");
    cat.kinds_.push_back(std::move(f));
  }
  return cat;
}

}  // namespace sekisho::scan
