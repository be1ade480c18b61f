#include "scan/credentials.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <unordered_map>

#include "core/files.h"

#ifndef SEKISHO_DATA_DIR_DEFAULT
#define SEKISHO_DATA_DIR_DEFAULT "/usr/share/sekisho"
#endif

namespace sekisho::scan {

namespace {

constexpr size_t kMaxFileBytes = 4u << 20;
constexpr size_t kMaxEntries = 20000;
constexpr size_t kMaxSources = 256;
constexpr size_t kMaxField = 256;  // user, password, id, vendor
constexpr size_t kMaxSourceText = 1000;

constexpr std::string_view kCredentialKeys[] = {"id",     "user",   "password", "services",
                                                "source", "weight", "also",     "vendor"};
constexpr std::string_view kSourceKeys[] = {"title", "url", "commit", "date", "note"};

core::Error format_error(std::string where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, std::move(where), std::move(what));
}

bool valid_key(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

// Login protocols end a line at CR/LF and C strings at NUL: such bytes cannot be a password.
bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return (unsigned char)c < 0x20 || c == 0x7f; });
}

bool overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return true;
  return std::any_of(a.begin(), a.end(),
                     [&](const std::string& s) { return std::find(b.begin(), b.end(), s) != b.end(); });
}

// Reads string `field` of table `t` into `out`. Absent: error if required, else unchanged.
std::optional<core::Error> read_string(const toml::table& t, std::string_view field, bool required, size_t max,
                                       const std::string& at, std::string& out) {
  const toml::node* n = t.get(field);
  if (!n) {
    if (required) return format_error(at, "field '" + std::string(field) + "' is missing");
    return std::nullopt;
  }
  const auto s = n->value<std::string_view>();
  if (!n->is_string() || !s) return format_error(at, "field '" + std::string(field) + "' must be a string");
  if (s->size() > max)
    return format_error(at, "field '" + std::string(field) + "' is longer than " + std::to_string(max) + " bytes");
  if (has_control_char(*s)) return format_error(at, "field '" + std::string(field) + "' contains a control character");
  out.assign(*s);
  return std::nullopt;
}

std::optional<core::Error> read_strings(const toml::table& t, std::string_view field, const std::string& at,
                                        std::vector<std::string>& out) {
  const toml::node* n = t.get(field);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) return format_error(at, "field '" + std::string(field) + "' must be an array of strings");
  if (a->size() > 64) return format_error(at, "field '" + std::string(field) + "' has more than 64 items");
  for (const toml::node& e : *a) {
    const auto s = e.value<std::string_view>();
    if (!e.is_string() || !s) return format_error(at, "field '" + std::string(field) + "' must be an array of strings");
    if (std::find(out.begin(), out.end(), *s) != out.end())
      return format_error(at, "field '" + std::string(field) + "' lists '" + std::string(s->substr(0, 64)) + "' twice");
    out.emplace_back(*s);
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& credential_services() {
  static const std::vector<std::string_view> services = {"telnet", "ssh", "http", "ftp", "mqtt", "rtsp"};
  return services;
}

bool Credential::applies_to(std::string_view service) const {
  return services.empty() || std::find(services.begin(), services.end(), service) != services.end();
}

std::vector<const Credential*> CredentialSet::for_service(std::string_view service) const {
  std::vector<const Credential*> out;
  for (const auto& c : entries)
    if (c.applies_to(service)) out.push_back(&c);
  return out;
}

const Credential* CredentialSet::find(std::string_view id) const {
  for (const auto& c : entries)
    if (c.id == id) return &c;
  return nullptr;
}

const CredentialSource* CredentialSet::source(std::string_view key) const {
  for (const auto& s : sources)
    if (s.key == key) return &s;
  return nullptr;
}

std::string default_credentials_path() {
  if (const char* d = std::getenv("SEKISHO_DATA_DIR"); d && *d) return std::string(d) + "/credentials/default.toml";
  return std::string(SEKISHO_DATA_DIR_DEFAULT) + "/credentials/default.toml";
}

core::Result<CredentialSet> load_credentials(const std::string& path) {
  auto text = core::read_file_capped(path, kMaxFileBytes, "credential file");
  if (!text) return text.error();
  auto r = load_credentials_text(text.value(), path);
  if (r) r->path = path;
  return r;
}

core::Result<CredentialSet> load_credentials_text(std::string_view toml_text, std::string_view name_sv) {
  const std::string name(name_sv);
  if (toml_text.size() > kMaxFileBytes) return format_error(name, "larger than 4 MiB; not a credential file");
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return format_error(name + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
                        std::string(e.description()));
  }
  for (const auto& [k, v] : root) {
    const std::string_view key = k.str();
    if (key != "version" && key != "sources" && key != "credential")
      return format_error(name + ": " + std::string(key.substr(0, 64)), "unknown key");
  }

  CredentialSet set;
  set.path = name;
  const auto version = root["version"].value<std::string_view>();
  if (!root["version"].is_string() || !version || version->empty() || version->size() > 64 ||
      has_control_char(*version))
    return format_error(name + ": version", "expected a version string such as \"2026.11.1\"");
  set.version = std::string(*version);

  // [sources.KEY]
  const toml::table* sources = root["sources"].as_table();
  if (!sources || sources->empty()) return format_error(name + ": sources", "expected [sources.KEY] tables");
  if (sources->size() > kMaxSources) return format_error(name + ": sources", "more than 256 sources");
  for (const auto& [k, v] : *sources) {
    CredentialSource s;
    s.key = std::string(k.str());
    const std::string at = name + ": sources." + s.key.substr(0, 64);
    if (!valid_key(s.key, 64)) return format_error(at, "source keys use a-z, 0-9, '-' and '_'");
    const toml::table* t = v.as_table();
    if (!t) return format_error(at, "expected a table");
    for (const auto& [fk, fv] : *t)
      if (std::find(std::begin(kSourceKeys), std::end(kSourceKeys), fk.str()) == std::end(kSourceKeys))
        return format_error(at, "unknown field '" + std::string(fk.str().substr(0, 64)) + "'");
    if (auto e = read_string(*t, "title", true, kMaxSourceText, at, s.title)) return *e;
    if (auto e = read_string(*t, "url", true, kMaxSourceText, at, s.url)) return *e;
    if (auto e = read_string(*t, "commit", false, kMaxSourceText, at, s.commit)) return *e;
    if (auto e = read_string(*t, "date", false, kMaxSourceText, at, s.date)) return *e;
    if (auto e = read_string(*t, "note", false, kMaxSourceText, at, s.note)) return *e;
    if (s.title.empty() || s.url.empty()) return format_error(at, "fields 'title' and 'url' must not be empty");
    if (s.commit.empty() && s.date.empty())
      return format_error(at, "give the 'commit' or the 'date' of the version the entries were taken from");
    set.sources.push_back(std::move(s));
  }

  // [[credential]]
  const toml::node* cn = root.get("credential");
  const toml::array* arr = cn ? cn->as_array() : nullptr;
  if (!arr || arr->empty()) return format_error(name, "expected [[credential]] tables");
  if (arr->size() > kMaxEntries) return format_error(name, "more than 20000 credentials");
  set.entries.reserve(arr->size());
  std::unordered_map<std::string, size_t> ids;                 // id -> entry index
  std::unordered_map<std::string, std::vector<size_t>> pairs;  // user NUL password -> entry indexes
  size_t index = 0;
  for (const toml::node& node : *arr) {
    ++index;
    std::string at = name + ": credential " + std::to_string(index);
    const toml::table* t = node.as_table();
    if (!t) return format_error(at, "expected a table");
    if (const auto id = (*t)["id"].value<std::string_view>(); id && id->size() <= 64)
      at += " (id '" + std::string(*id) + "')";
    for (const auto& [fk, fv] : *t)
      if (std::find(std::begin(kCredentialKeys), std::end(kCredentialKeys), fk.str()) == std::end(kCredentialKeys))
        return format_error(at, "unknown field '" + std::string(fk.str().substr(0, 64)) + "'");

    Credential c;
    if (auto e = read_string(*t, "id", true, 64, at, c.id)) return *e;
    if (auto e = read_string(*t, "user", true, kMaxField, at, c.user)) return *e;
    if (auto e = read_string(*t, "password", true, kMaxField, at, c.password)) return *e;
    if (auto e = read_string(*t, "source", true, 64, at, c.source)) return *e;
    if (auto e = read_string(*t, "vendor", false, kMaxField, at, c.vendor)) return *e;
    if (auto e = read_strings(*t, "services", at, c.services)) return *e;
    if (auto e = read_strings(*t, "also", at, c.also)) return *e;

    if (!valid_key(c.id, 64)) return format_error(at, "field 'id' must be 1-64 characters of a-z, 0-9, '-' and '_'");
    if (ids.count(c.id)) return format_error(at, "duplicate id '" + c.id + "'");
    if (!set.source(c.source)) return format_error(at, "field 'source': no [sources." + c.source + "] table");
    for (const auto& a : c.also)
      if (!set.source(a)) return format_error(at, "field 'also': no [sources." + a.substr(0, 64) + "] table");
    for (const auto& s : c.services)
      if (std::find(credential_services().begin(), credential_services().end(), s) == credential_services().end())
        return format_error(
            at, "field 'services': unknown service '" + s.substr(0, 64) + "' (telnet, ssh, http, ftp, mqtt, rtsp)");
    if (const toml::node* w = t->get("weight")) {
      const auto v = w->value<int64_t>();
      if (!w->is_integer() || !v || *v < 1 || *v > 1000)
        return format_error(at, "field 'weight' must be an integer 1..1000");
      c.weight = int(*v);
    }
    auto& same = pairs[c.user + '\0' + c.password];
    for (size_t i : same)
      if (overlap(set.entries[i].services, c.services))
        return format_error(at, "the same user and password as credential '" + set.entries[i].id +
                                    "' on the same service; add the source to that entry's 'also' instead");
    same.push_back(set.entries.size());
    ids.emplace(c.id, set.entries.size());
    set.entries.push_back(std::move(c));
  }
  return set;
}

}  // namespace sekisho::scan
