#include "audit/catalog.h"

#include <algorithm>
#include <cstdlib>

#include "audit/toml_read.h"
#include "core/files.h"

#ifndef SEKISHO_DATA_DIR_DEFAULT
#define SEKISHO_DATA_DIR_DEFAULT "/usr/share/sekisho"
#endif

namespace sekisho::audit {

using detail::at;
using detail::data_error;

namespace {

constexpr size_t kMaxRequirements = 2000;
constexpr size_t kMaxGroups = 200;
constexpr size_t kMaxLinks = 5000;

constexpr std::pair<Status, std::string_view> kStatusNames[] = {
    {Status::kMandatory, "mandatory"},
    {Status::kRecommended, "recommended"},
    {Status::kGuidance, "guidance"},
    {Status::kUnknown, "unknown"},
};

constexpr std::pair<Check, std::string_view> kCheckNames[] = {
    {kCheckScan, "scan"},
    {kCheckTraffic, "traffic"},
    {kCheckFirmware, "firmware"},
    {kCheckDeclaration, "declaration"},
    {kCheckOrganisational, "organisational"},
    {kCheckDeviceTest, "device-test"},
    {kCheckHardware, "hardware"},
};

bool id_chars_ok(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      return false;
  return true;
}

core::Result<Requirement> parse_requirement(const toml::table& t, const Catalog& cat, const std::string& file) {
  Requirement r;
  r.line = int(t.source().begin.line);
  std::string ctx = "requirement: ";
  if (auto e = detail::read_string(t, "id", true, r.id, file, ctx, 64)) return *e;
  ctx = "requirement '" + r.id + "': ";
  if (!id_chars_ok(r.id)) return data_error(at(file, t.get("id")), ctx + "field 'id' must use A-Z a-z 0-9 '.' '-'");
  if (auto e = detail::unknown_key(t,
                                   {"id", "group", "title", "summary", "status", "condition", "checks", "scope",
                                    "confidence", "aliases", "ixit"},
                                   file, ctx))
    return *e;
  if (auto e = detail::read_string(t, "group", true, r.group, file, ctx, 64)) return *e;
  if (!cat.group(r.group))
    return data_error(at(file, t.get("group")), ctx + "field 'group': no [[group]] with id '" + r.group + "'");
  if (auto e = detail::read_text(t, "title", true, r.title, file, ctx)) return *e;
  if (auto e = detail::read_text(t, "summary", true, r.summary, file, ctx)) return *e;

  std::string s;
  if (auto e = detail::read_string(t, "status", true, s, file, ctx, 32)) return *e;
  const auto st =
      std::find_if(std::begin(kStatusNames), std::end(kStatusNames), [&](auto& p) { return p.second == s; });
  if (st == std::end(kStatusNames))
    return data_error(at(file, t.get("status")),
                      ctx + "field 'status' must be mandatory, recommended, guidance or unknown");
  r.status = st->first;

  bool has_condition = false;
  Text condition;
  if (auto e = detail::read_text(t, "condition", false, condition, file, ctx, &has_condition)) return *e;
  if (has_condition) r.condition = std::move(condition);

  std::vector<std::string> checks;
  if (auto e = detail::read_strings(t, "checks", true, checks, file, ctx, 16)) return *e;
  for (const auto& c : checks) {
    const auto it =
        std::find_if(std::begin(kCheckNames), std::end(kCheckNames), [&](auto& p) { return p.second == c; });
    if (it == std::end(kCheckNames))
      return data_error(at(file, t.get("checks")),
                        ctx + "field 'checks': unknown check '" + c.substr(0, 32) +
                            "' (scan, traffic, firmware, declaration, organisational, device-test, hardware)");
    if (r.checks & it->first) return data_error(at(file, t.get("checks")), ctx + "field 'checks': '" + c + "' twice");
    r.checks |= it->first;
  }

  if (auto e = detail::read_string(t, "scope", true, s, file, ctx, 32)) return *e;
  if (s == "device") {
    r.scope = Scope::kDevice;
  } else if (s == "organisation") {
    r.scope = Scope::kOrganisation;
  } else {
    return data_error(at(file, t.get("scope")), ctx + "field 'scope' must be device or organisation");
  }

  if (auto e = detail::read_string(t, "confidence", true, s, file, ctx, 32)) return *e;
  if (s == "verified") {
    r.confidence = Confidence::kVerified;
  } else if (s == "recalled") {
    r.confidence = Confidence::kRecalled;
  } else if (s == "unknown") {
    r.confidence = Confidence::kUnknown;
  } else {
    return data_error(at(file, t.get("confidence")), ctx + "field 'confidence' must be verified, recalled or unknown");
  }
  if ((r.confidence == Confidence::kUnknown) != (r.status == Status::kUnknown))
    return data_error(at(file, t.get("status")),
                      ctx + "status 'unknown' goes with confidence 'unknown' and only with it");

  if (auto e = detail::read_strings(t, "aliases", false, r.aliases, file, ctx, 16)) return *e;
  for (const auto& a : r.aliases)
    if (!id_chars_ok(a)) return data_error(at(file, t.get("aliases")), ctx + "field 'aliases': bad id '" + a + "'");
  if (auto e = detail::read_string(t, "ixit", false, r.ixit, file, ctx, 64)) return *e;
  return r;
}

}  // namespace

const char* status_name(Status s) {
  for (const auto& [v, n] : kStatusNames)
    if (v == s) return n.data();
  return "unknown";
}

std::vector<std::string> check_names(uint32_t checks) {
  std::vector<std::string> out;
  for (const auto& [c, n] : kCheckNames)
    if (checks & c) out.emplace_back(n);
  return out;
}

const Text& status_text(Status s) {
  static const Text kTexts[] = {
      {"必須", "mandatory"},
      {"推奨", "recommended"},
      {"指針", "guidance"},
      {"不明", "unknown"},
  };
  return kTexts[size_t(s) < std::size(kTexts) ? size_t(s) : 3];
}

const Requirement* Catalog::find(std::string_view id) const {
  for (const auto& r : requirements)
    if (r.id == id) return &r;
  for (const auto& r : requirements)
    for (const auto& a : r.aliases)
      if (a == id) return &r;
  return nullptr;
}

const Group* Catalog::group(std::string_view id) const {
  for (const auto& g : groups)
    if (g.id == id) return &g;
  return nullptr;
}

const std::vector<std::string>& catalog_ids() {
  static const std::vector<std::string> ids = {
      "jp-iot-sg-2016", "jp-ter-34-10",   "etsi-en-303-645", "nistir-8259a",
      "nistir-8259b",   "owasp-iot-2018", "jc-star-1",       "uk-psti",
  };
  return ids;
}

core::Result<Catalog> parse_catalog(std::string_view text, const std::string& file) {
  auto parsed = detail::parse_toml(text, file, "catalog");
  if (!parsed) return parsed.error();
  const toml::table& root = parsed.value();
  if (auto e = detail::unknown_key(
          root, {"schema", "id", "short", "version", "publisher", "kind", "title", "sources", "group", "requirement"},
          file, ""))
    return *e;
  const auto schema = root["schema"].value<int64_t>();
  if (!schema || *schema != 1) return data_error(at(file, root.get("schema")), "field 'schema' must be 1");

  Catalog cat;
  cat.path = file;
  if (auto e = detail::read_string(root, "id", true, cat.id, file, "", 64)) return *e;
  if (!id_chars_ok(cat.id)) return data_error(at(file, root.get("id")), "field 'id' must use a-z 0-9 '-'");
  if (auto e = detail::read_string(root, "short", true, cat.short_name, file, "", 200)) return *e;
  if (auto e = detail::read_string(root, "version", true, cat.version, file, "", 200)) return *e;
  if (auto e = detail::read_string(root, "publisher", true, cat.publisher, file, "", 400)) return *e;
  if (auto e = detail::read_string(root, "kind", true, cat.kind, file, "", 32)) return *e;
  if (cat.kind != "product" && cat.kind != "organisation" && cat.kind != "mixed")
    return data_error(at(file, root.get("kind")), "field 'kind' must be product, organisation or mixed");
  if (auto e = detail::read_text(root, "title", true, cat.title, file, "")) return *e;
  if (auto e = detail::read_strings(root, "sources", true, cat.sources, file, "", 100)) return *e;

  const toml::array* groups = root["group"].as_array();
  if (!groups || groups->empty()) return data_error(file, "expected at least one [[group]]");
  if (groups->size() > kMaxGroups) return data_error(file, "more than 200 groups");
  for (const toml::node& n : *groups) {
    const toml::table* t = n.as_table();
    if (!t) return data_error(at(file, &n), "[[group]] must be a table");
    Group g;
    if (auto e = detail::read_string(*t, "id", true, g.id, file, "group: ", 64)) return *e;
    const std::string ctx = "group '" + g.id + "': ";
    if (!id_chars_ok(g.id)) return data_error(at(file, t->get("id")), ctx + "field 'id' must use A-Z a-z 0-9 '.' '-'");
    if (auto e = detail::unknown_key(*t, {"id", "title"}, file, ctx)) return *e;
    if (auto e = detail::read_text(*t, "title", true, g.title, file, ctx)) return *e;
    if (cat.group(g.id)) return data_error(at(file, t), ctx + "duplicate group id");
    cat.groups.push_back(std::move(g));
  }

  const toml::array* reqs = root["requirement"].as_array();
  if (!reqs || reqs->empty()) return data_error(file, "expected at least one [[requirement]]");
  if (reqs->size() > kMaxRequirements) return data_error(file, "more than 2000 requirements");
  for (const toml::node& n : *reqs) {
    const toml::table* t = n.as_table();
    if (!t) return data_error(at(file, &n), "[[requirement]] must be a table");
    auto r = parse_requirement(*t, cat, file);
    if (!r) return r.error();
    if (cat.find(r->id))
      return data_error(at(file, t), "requirement '" + r->id + "': id already used (as an id or an alias)");
    for (const auto& a : r->aliases)
      if (cat.find(a) || a == r->id)
        return data_error(at(file, t), "requirement '" + r->id + "': alias '" + a + "' already used");
    cat.requirements.push_back(std::move(r.value()));
  }
  for (const auto& g : cat.groups) {
    const bool used = std::any_of(cat.requirements.begin(), cat.requirements.end(),
                                  [&](const Requirement& r) { return r.group == g.id; });
    if (!used) return data_error(file, "group '" + g.id + "' has no requirement");
  }
  return cat;
}

core::Result<Catalog> load_catalog(const std::string& path) {
  auto text = core::read_file_capped(path, detail::kMaxDataFileBytes, "catalog");
  if (!text) return text.error();
  return parse_catalog(text.value(), path);
}

const Catalog* CatalogSet::find(std::string_view id) const {
  for (const auto& c : catalogs_)
    if (c.id == id) return &c;
  return nullptr;
}

const Requirement* CatalogSet::resolve(std::string_view qualified, const Catalog** catalog) const {
  const size_t colon = qualified.find(':');
  if (colon == std::string_view::npos) return nullptr;
  const Catalog* c = find(qualified.substr(0, colon));
  if (!c) return nullptr;
  const Requirement* r = c->find(qualified.substr(colon + 1));
  if (r && catalog) *catalog = c;
  return r;
}

bool CatalogSet::is_group(std::string_view qualified) const {
  const size_t colon = qualified.find(':');
  if (colon == std::string_view::npos) return false;
  const Catalog* c = find(qualified.substr(0, colon));
  return c && c->group(qualified.substr(colon + 1));
}

std::vector<std::string> CatalogSet::related(std::string_view qualified) const {
  std::vector<std::string> out;
  for (const auto& l : links_) {
    if (l.from == qualified) {
      out.insert(out.end(), l.to.begin(), l.to.end());
    } else if (std::find(l.to.begin(), l.to.end(), qualified) != l.to.end()) {
      out.push_back(l.from);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

core::Result<CatalogSet> CatalogSet::from(std::vector<Catalog> catalogs, std::string_view crosswalk_text,
                                          const std::string& file) {
  CatalogSet set;
  set.catalogs_ = std::move(catalogs);
  for (size_t i = 0; i < set.catalogs_.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (set.catalogs_[i].id == set.catalogs_[j].id)
        return data_error(set.catalogs_[i].path, "catalog id '" + set.catalogs_[i].id + "' loaded twice");

  auto parsed = detail::parse_toml(crosswalk_text, file, "cross-walk");
  if (!parsed) return parsed.error();
  const toml::table& root = parsed.value();
  if (auto e = detail::unknown_key(root, {"schema", "link"}, file, "")) return *e;
  const auto schema = root["schema"].value<int64_t>();
  if (!schema || *schema != 1) return data_error(at(file, root.get("schema")), "field 'schema' must be 1");
  const toml::array* links = root["link"].as_array();
  if (!links || links->empty()) return data_error(file, "expected [[link]] tables");
  if (links->size() > kMaxLinks) return data_error(file, "more than 5000 links");
  auto check_id = [&](const std::string& q, const toml::node* where,
                      const std::string& ctx) -> std::optional<core::Error> {
    if (set.resolve(q) || set.is_group(q)) return std::nullopt;
    const size_t colon = q.find(':');
    if (colon == std::string::npos)
      return data_error(at(file, where), ctx + "'" + q.substr(0, 80) + "' is not of the form catalog:requirement");
    if (!set.find(q.substr(0, colon)))
      return data_error(at(file, where), ctx + "unknown catalog '" + q.substr(0, colon) + "' in '" + q + "'");
    return data_error(at(file, where), ctx + "'" + q.substr(0, 80) + "' names no requirement or group");
  };
  for (const toml::node& n : *links) {
    const toml::table* t = n.as_table();
    if (!t) return data_error(at(file, &n), "[[link]] must be a table");
    Link l;
    l.line = int(t->source().begin.line);
    if (auto e = detail::unknown_key(*t, {"from", "to", "kind", "note"}, file, "link: ")) return *e;
    if (auto e = detail::read_string(*t, "from", true, l.from, file, "link: ", 200)) return *e;
    const std::string ctx = "link from '" + l.from + "': ";
    if (auto e = check_id(l.from, t->get("from"), ctx + "field 'from': ")) return *e;
    if (auto e = detail::read_strings(*t, "to", true, l.to, file, ctx, 200)) return *e;
    for (const auto& q : l.to) {
      if (auto e = check_id(q, t->get("to"), ctx + "field 'to': ")) return *e;
      if (q == l.from) return data_error(at(file, t->get("to")), ctx + "links to itself");
    }
    std::string kind;
    if (auto e = detail::read_string(*t, "kind", true, kind, file, ctx, 32)) return *e;
    if (kind != "equivalent" && kind != "partial")
      return data_error(at(file, t->get("kind")), ctx + "field 'kind' must be equivalent or partial");
    l.equivalent = kind == "equivalent";
    if (auto e = detail::read_string(*t, "note", false, l.note, file, ctx, 2000)) return *e;
    set.links_.push_back(std::move(l));
  }
  return set;
}

core::Result<CatalogSet> CatalogSet::load(const std::string& dir) {
  std::vector<Catalog> catalogs;
  for (const auto& id : catalog_ids()) {
    auto c = load_catalog(dir + "/" + id + ".toml");
    if (!c) return c.error();
    if (c->id != id) return data_error(c->path, "field 'id' is '" + c->id + "' but the file is named for '" + id + "'");
    catalogs.push_back(std::move(c.value()));
  }
  const std::string path = dir + "/crosswalk.toml";
  auto text = core::read_file_capped(path, detail::kMaxDataFileBytes, "cross-walk");
  if (!text) return text.error();
  return from(std::move(catalogs), text.value(), path);
}

std::string default_data_dir() {
  if (const char* d = std::getenv("SEKISHO_DATA_DIR"); d && *d) return d;
  return SEKISHO_DATA_DIR_DEFAULT;
}

std::string default_catalog_dir() { return default_data_dir() + "/catalogs"; }

}  // namespace sekisho::audit
