#include "audit/declaration.h"

#include <toml++/toml.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <sstream>

#include "audit/toml_read.h"
#include "core/files.h"
#include "core/net.h"
#include "core/time.h"

namespace sekisho::audit {

namespace {

constexpr size_t kMaxSchemaBytes = size_t{1} << 20;
constexpr size_t kMaxDeclarationBytes = size_t{1} << 20;
constexpr size_t kMaxFacts = 1000;
constexpr size_t kMaxEnumValues = 64;
constexpr int kMaxYamlDepth = 64;
constexpr size_t kMaxYamlNodes = 100000;
constexpr size_t kMaxString = 200;     // characters: string facts, names, list items
constexpr size_t kMaxText = 4000;      // characters: text facts, justifications, notes
constexpr size_t kMaxUrl = 2000;       // bytes
constexpr size_t kMaxReference = 400;  // characters
constexpr size_t kMaxListItems = 100;

constexpr const char* kFactTypes[] = {"url", "date", "bool", "string", "text", "list", "enum"};

core::Error format_error(std::string where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, std::move(where), std::move(what));
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Characters (UTF-8 code points), not bytes: the limits are about what people write.
size_t chars(std::string_view s) {
  return size_t(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

bool has_control(std::string_view s, bool newlines_ok) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n' && newlines_ok) continue;
    if (c == '\t' && newlines_ok) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool trimmed(std::string_view s) {
  return !s.empty() && s.front() != ' ' && s.back() != ' ' && s.front() != '\t' && s.back() != '\t';
}

// Shown in errors: at most 64 bytes of what the user wrote, control characters replaced.
std::string clip(std::string_view s, size_t max = 64) {
  if (s.size() <= max) {
    std::string out(s);
    for (char& c : out)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return out;
  }
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;  // keep whole characters
  return clip(s.substr(0, n), max) + "...";
}

// http:// or https://, then a host of letters, digits, '.', '-' (or a [v6] literal), an
// optional port, then anything printable without spaces.
bool valid_url(std::string_view s) {
  if (s.size() > kMaxUrl || has_control(s, false) || s.find(' ') != std::string_view::npos) return false;
  std::string_view rest;
  if (s.starts_with("https://"))
    rest = s.substr(8);
  else if (s.starts_with("http://"))
    rest = s.substr(7);
  else
    return false;
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (host.starts_with("[")) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    const std::string_view after = host.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return false;
    return true;
  }
  if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port)
      if (c < '0' || c > '9') return false;
  }
  if (host.empty() || host.front() == '.' || host.front() == '-') return false;
  for (char c : host)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          static_cast<unsigned char>(c) >= 0x80))
      return false;
  return true;
}

std::string join(const std::vector<std::string>& xs, std::string_view sep) {
  std::string out;
  for (const auto& x : xs) {
    if (!out.empty()) out += sep;
    out += x;
  }
  return out;
}

// ---- the fact schema (TOML) ------------------------------------------------------------------

std::optional<FactType> fact_type(std::string_view s) {
  for (size_t i = 0; i < std::size(kFactTypes); ++i)
    if (s == kFactTypes[i]) return FactType(i);
  return std::nullopt;
}

// A one-line text of both languages: title = { ja = "...", en = "..." }.
std::optional<core::Error> toml_text(const toml::table& t, std::string_view key, const std::string& where, Text& out) {
  const toml::node* n = t.get(key);
  const std::string field = "field \"" + std::string(key) + "\": ";
  const toml::table* tt = n ? n->as_table() : nullptr;
  if (!tt) return format_error(where, field + "expected { ja = \"...\", en = \"...\" }");
  for (const auto& [k, v] : *tt)
    if (k.str() != "ja" && k.str() != "en")
      return format_error(where, field + "unknown key \"" + clip(k.str()) + "\" (only ja and en)");
  for (auto [lang, dst] : {std::pair<const char*, std::string*>{"ja", &out.ja}, {"en", &out.en}}) {
    const auto s = (*tt)[lang].value<std::string_view>();
    if (!s || !(*tt)[lang].is_string())
      return format_error(where, field + "expected a string for " + std::string(lang));
    if (!trimmed(*s) || has_control(*s, false) || chars(*s) > kMaxString)
      return format_error(where,
                          field + lang + " must be one line of 1 to 200 characters without leading or trailing spaces");
    dst->assign(*s);
  }
  return std::nullopt;
}

bool fact_id_ok(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// ---- the declaration (YAML) ------------------------------------------------------------------

// Thrown from the guard's event handler to stop yaml-cpp's (recursive) parser early.
struct GuardStop {
  int line;
  std::string what;
};

// Walks the parser's events before any node is built: rejects deep nesting (yaml-cpp recurses
// once per level), anchors and aliases (a few lines can name millions of nodes) and huge
// documents.
class GuardHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { node(m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override {
    throw GuardStop{m.line + 1, "aliases (*name) are not allowed in a declaration"};
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override { node(m, a); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { --depth_; }
  void OnAnchor(const YAML::Mark& m, const std::string&) override {
    throw GuardStop{m.line + 1, "anchors (&name) are not allowed in a declaration"};
  }

 private:
  void node(const YAML::Mark& m, YAML::anchor_t a) {
    if (a != YAML::NullAnchor) throw GuardStop{m.line + 1, "anchors (&name) are not allowed in a declaration"};
    if (++nodes_ > kMaxYamlNodes) throw GuardStop{m.line + 1, "more than 100000 nodes; not a declaration"};
  }
  void open(const YAML::Mark& m, YAML::anchor_t a) {
    node(m, a);
    if (++depth_ > kMaxYamlDepth) throw GuardStop{m.line + 1, "nested deeper than 64 levels"};
  }
  int depth_ = 0;
  size_t nodes_ = 0;
};

int mark_line(const YAML::Node& n, int fallback) {
  if (!n.IsDefined()) return fallback;
  const int line = n.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

// A value's line; an empty value (`key:`) has the mark of whatever follows, so its key's line.
int value_line(const YAML::Node& k, const YAML::Node& v, int fallback) {
  const int key_line = mark_line(k, fallback);
  return v.IsNull() ? key_line : mark_line(v, key_line);
}

// Reads one declaration; every error names the file, the line and the field path.
class Reader {
 public:
  Reader(const std::string& name, const CatalogSet& catalogs, const FactSchema& schema)
      : name_(name), catalogs_(catalogs), schema_(schema) {}

  core::Result<Declaration> read(const YAML::Node& root) {
    Declaration d;
    d.path = name_;
    if (!root.IsDefined() || root.IsNull())
      return error(1, "", "the declaration is empty; expected sekisho_declaration: 1, subject, declared_by");
    if (!root.IsMap()) return error(mark_line(root, 1), "", "expected a mapping with sekisho_declaration: 1");
    // Each top-level value with the line of its key (errors about a whole section point there).
    struct Section {
      YAML::Node node;
      int line = 1;
      bool given = false;  // a default YAML::Node counts as defined (a null)
    } version, subject, declared_by, facts, answers;
    auto st = entries(root, "", [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      Section* slot = key == "sekisho_declaration" ? &version
                      : key == "subject"           ? &subject
                      : key == "declared_by"       ? &declared_by
                      : key == "facts"             ? &facts
                      : key == "answers"           ? &answers
                                                   : nullptr;
      if (!slot)
        return status(mark_line(k, 1), key,
                      "unknown key (expected sekisho_declaration, subject, declared_by, facts, answers)");
      *slot = Section{v, mark_line(k, 1), true};
      return core::Status();
    });
    if (!st) return st.error();
    if (!version.given)
      return error(1, "sekisho_declaration", "missing; the first line should be sekisho_declaration: 1");
    if (!version.node.IsScalar() || version.node.Scalar() != "1")
      return error(version.line, "sekisho_declaration", "expected 1 (the only version there is)");
    if (!subject.given) return error(1, "subject", "missing (kind and name of the device or organisation)");
    if (auto s = read_subject(subject.node, subject.line, d); !s) return s.error();
    if (!declared_by.given) return error(1, "declared_by", "missing (name, role and date of the declaration)");
    if (auto s = read_declared_by(declared_by.node, declared_by.line, d); !s) return s.error();
    if (facts.given && !facts.node.IsNull())
      if (auto s = read_facts(facts.node, facts.line, d); !s) return s.error();
    if (answers.given && !answers.node.IsNull())
      if (auto s = read_answers(answers.node, answers.line, d); !s) return s.error();
    return d;
  }

 private:
  core::Error error(int line, const std::string& field, const std::string& what) const {
    const std::string where = name_ + ":" + std::to_string(line);
    return format_error(where, field.empty() ? what : "field \"" + field + "\": " + what);
  }
  core::Status status(int line, const std::string& field, const std::string& what) const {
    return error(line, field, what);
  }

  static std::string join_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

  // Calls fn(key, key node, value node) for each entry of a mapping, keys checked to be
  // one-line scalars and unique.
  template <typename Fn>
  core::Status entries(const YAML::Node& map, const std::string& path, Fn&& fn) const {
    std::vector<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // By value: yaml-cpp's iterator hands out a temporary pair.
      const YAML::Node k = it->first;
      const YAML::Node v = it->second;
      const int line = mark_line(k, mark_line(map, 1));
      if (!k.IsScalar() || k.Scalar().empty() || has_control(k.Scalar(), false) || k.Scalar().size() > 200)
        return status(line, path, "expected keys that are short one-line texts");
      const std::string key = k.Scalar();
      if (std::find(seen.begin(), seen.end(), key) != seen.end())
        return status(line, join_path(path, clip(key)), "given twice");
      seen.push_back(key);
      if (auto st = fn(key, k, v); !st) return st;
    }
    return {};
  }

  // A scalar of one line (limit in characters) or, with `multiline`, a text.
  core::Result<std::string> text(const YAML::Node& n, int line, const std::string& field, size_t limit,
                                 bool multiline = false) const {
    if (!n.IsDefined() || n.IsNull()) return error(line, field, "expected a value");
    if (!n.IsScalar()) return error(line, field, multiline ? "expected a text" : "expected a one-line text");
    std::string s = n.Scalar();
    // Block scalars (|) keep their final newline; it is not part of the text.
    while (multiline && !s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (s.empty()) return error(line, field, "is empty");
    if (has_control(s, multiline))
      return error(line, field, multiline ? "contains a control character" : "expected a one-line text");
    if (chars(s) > limit) return error(line, field, "longer than " + std::to_string(limit) + " characters");
    return s;
  }

  core::Status read_subject(const YAML::Node& n, int at, Declaration& d) const {
    if (!n.IsMap()) return status(at, "subject", "expected a mapping with kind and name");
    bool has_name = false;
    auto st = entries(n, "subject", [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      const int line = value_line(k, v, at);
      const std::string field = "subject." + key;
      std::string* dst = key == "kind"       ? &d.subject.kind
                         : key == "name"     ? &d.subject.name
                         : key == "maker"    ? &d.subject.maker
                         : key == "model"    ? &d.subject.model
                         : key == "firmware" ? &d.subject.firmware
                         : key == "address"  ? &d.subject.address
                         : key == "mac"      ? &d.subject.mac
                                             : nullptr;
      if (!dst)
        return status(mark_line(k, at), field,
                      "unknown key (expected kind, name, maker, model, firmware, address, mac)");
      auto s = text(v, line, field, kMaxString);
      if (!s) return core::Status(s.error());
      *dst = std::move(s.value());
      if (key == "kind" && *dst != "device" && *dst != "organisation")
        return status(line, field, "expected device or organisation");
      if (key == "address") {
        const auto ip = core::IpAddr::parse(*dst);
        if (!ip) return status(line, field, "expected an IPv4 or IPv6 address");
        *dst = ip->to_string();
      }
      if (key == "mac") {
        const auto mac = core::MacAddr::parse(*dst);
        if (!mac) return status(line, field, "expected a MAC address such as 02:00:00:00:00:05");
        *dst = mac->to_string();
      }
      if (key == "name") has_name = true;
      return core::Status();
    });
    if (!st) return st;
    if (!has_name) return status(at, "subject.name", "missing (the device's or organisation's name)");
    return {};
  }

  core::Status read_declared_by(const YAML::Node& n, int at, Declaration& d) const {
    if (!n.IsMap()) return status(at, "declared_by", "expected a mapping with name, role and date");
    bool has_date = false;
    auto st = entries(n, "declared_by", [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      const int line = value_line(k, v, at);
      const std::string field = "declared_by." + key;
      std::string* dst = key == "name" ? &d.declared_by : key == "role" ? &d.role : key == "date" ? &d.date : nullptr;
      if (!dst) return status(mark_line(k, at), field, "unknown key (expected name, role, date)");
      auto s = text(v, line, field, kMaxString);
      if (!s) return core::Status(s.error());
      *dst = std::move(s.value());
      if (key == "role" && *dst != "maker" && *dst != "operator" && *dst != "integrator" && *dst != "owner")
        return status(line, field, "expected maker, operator, integrator or owner");
      if (key == "date") {
        if (!core::is_iso_date(*dst)) return status(line, field, "expected a date YYYY-MM-DD");
        has_date = true;
      }
      return core::Status();
    });
    if (!st) return st;
    if (!has_date) return status(at, "declared_by.date", "missing (the date of the declaration, YYYY-MM-DD)");
    return {};
  }

  core::Status read_facts(const YAML::Node& n, int at, Declaration& d) const {
    if (!n.IsMap()) return status(at, "facts", "expected a mapping of fact ids to values");
    return entries(n, "facts", [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      const int key_line = mark_line(k, at);
      const int line = value_line(k, v, at);
      const std::string field = "facts." + clip(key);
      const FactDef* def = schema_.find(key);
      if (!def) return status(key_line, field, "unknown fact (the ids are listed in data/audit/facts.toml)");
      if (def->subject != "any" && def->subject != d.subject.kind)
        return status(key_line, field,
                      "a fact for subject kind " + def->subject + ", but subject.kind is " + d.subject.kind);
      Fact f;
      f.id = def->id;
      f.line = key_line;
      if (def->type == FactType::kList) {
        if (!v.IsSequence()) return status(line, field, "expected a list such as [camera, microphone] ([] for none)");
        if (v.size() > kMaxListItems) return status(line, field, "more than 100 items");
        for (const YAML::Node& item : v) {
          auto s = text(item, mark_line(item, line), field, kMaxString);
          if (!s) return core::Status(s.error());
          f.items.push_back(std::move(s.value()));
        }
        f.value = f.items.empty() ? "none" : join(f.items, ", ");
      } else {
        const size_t limit = def->type == FactType::kText  ? kMaxText
                             : def->type == FactType::kUrl ? kMaxUrl
                                                           : kMaxString;
        auto s = text(v, line, field, limit, def->type == FactType::kText);
        if (!s) return core::Status(s.error());
        f.value = std::move(s.value());
        switch (def->type) {
          case FactType::kUrl:
            if (!valid_url(f.value))
              return status(line, field, "expected an http:// or https:// URL with a host, without spaces");
            break;
          case FactType::kDate:
            if (!core::is_iso_date(f.value)) return status(line, field, "expected a date YYYY-MM-DD");
            break;
          case FactType::kBool:
            if (f.value != "true" && f.value != "false") return status(line, field, "expected true or false");
            break;
          case FactType::kEnum:
            if (std::find(def->values.begin(), def->values.end(), f.value) == def->values.end())
              return status(line, field, "expected one of: " + join(def->values, ", "));
            break;
          default: break;
        }
      }
      d.facts.push_back(std::move(f));
      return core::Status();
    });
  }

  core::Status read_answers(const YAML::Node& n, int at, Declaration& d) const {
    if (!n.IsMap()) return status(at, "answers", "expected a mapping of catalog ids to answers");
    return entries(n, "answers", [&](const std::string& cat_id, const YAML::Node& ck, const YAML::Node& cv) {
      const int cat_line = mark_line(ck, at);
      const std::string cat_field = "answers." + clip(cat_id);
      const Catalog* cat = catalogs_.find(cat_id);
      if (!cat) {
        std::vector<std::string> known;
        for (const auto& c : catalogs_.catalogs()) known.push_back(c.id);
        return status(cat_line, cat_field, "unknown catalog (known: " + join(known, ", ") + ")");
      }
      if (cv.IsNull()) return core::Status();
      if (!cv.IsMap())
        return status(mark_line(cv, cat_line), cat_field, "expected a mapping of requirement ids to answers");
      return entries(cv, cat_field, [&](const std::string& req_id, const YAML::Node& rk, const YAML::Node& rv) {
        const int line = mark_line(rk, cat_line);
        const std::string field = cat_field + "." + clip(req_id);
        const Requirement* req = cat->find(req_id);
        if (!req) return status(line, field, "unknown requirement of " + cat->id);
        if (const Answer* prev = d.answer(cat->id, req->id))
          return status(line, field,
                        "answered twice (as " + req->id + ", also at line " + std::to_string(prev->line) + ")");
        Answer a;
        a.catalog = cat->id;
        a.requirement = req->id;
        a.line = line;
        if (!rv.IsMap())
          return status(mark_line(rv, line), field, "expected { status: ..., justification: ..., note: ... }");
        bool has_status = false;
        auto st = entries(rv, field, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
          const int vline = value_line(k, v, line);
          const std::string f = field + "." + key;
          if (key == "status") {
            auto s = text(v, vline, f, kMaxString);
            if (!s) return core::Status(s.error());
            if (s.value() == "supported")
              a.status = AnswerStatus::kSupported;
            else if (s.value() == "not-supported")
              a.status = AnswerStatus::kNotSupported;
            else if (s.value() == "not-applicable")
              a.status = AnswerStatus::kNotApplicable;
            else
              return status(vline, f, "expected supported, not-supported or not-applicable");
            has_status = true;
            return core::Status();
          }
          std::string* dst = key == "justification" ? &a.justification
                             : key == "note"        ? &a.note
                             : key == "reference"   ? &a.reference
                                                    : nullptr;
          if (!dst)
            return status(mark_line(k, line), f, "unknown key (expected status, justification, note, reference)");
          auto s = key == "reference" ? text(v, vline, f, kMaxReference) : text(v, vline, f, kMaxText, true);
          if (!s) return core::Status(s.error());
          *dst = std::move(s.value());
          return core::Status();
        });
        if (!st) return st;
        if (!has_status) return status(line, field + ".status", "missing (supported, not-supported or not-applicable)");
        if (a.status != AnswerStatus::kSupported && a.justification.empty())
          return status(line, field + ".justification",
                        std::string("missing; a ") + answer_status_name(a.status) + " answer needs a justification");
        d.answers.push_back(std::move(a));
        return core::Status();
      });
    });
  }

  const std::string& name_;
  const CatalogSet& catalogs_;
  const FactSchema& schema_;
};

}  // namespace

// ---- FactSchema ------------------------------------------------------------------------------

core::Result<FactSchema> FactSchema::parse(std::string_view text, const std::string& name) {
  if (text.size() > kMaxSchemaBytes) return format_error(name, "larger than 1 MiB; not a fact schema");
  auto parsed = detail::parse_toml(text, name, "fact schema");
  if (!parsed) return parsed.error();
  const toml::table& root = parsed.value();
  for (const auto& [k, v] : root)
    if (k.str() != "schema" && k.str() != "fact")
      return format_error(detail::at(name, &v), "unknown key \"" + clip(k.str()) + "\" (expected schema, fact)");
  const toml::node* schema = root.get("schema");
  if (!schema || schema->value<int64_t>() != 1 || !schema->is_integer())
    return format_error(schema ? detail::at(name, schema) : name, "field \"schema\": expected 1");
  const toml::array* arr = root["fact"].as_array();
  if (!arr || arr->empty()) return format_error(name, "expected [[fact]] tables");
  if (arr->size() > kMaxFacts) return format_error(name, "more than 1000 facts");

  FactSchema out;
  for (const toml::node& node : *arr) {
    const toml::table* t = node.as_table();
    std::string where = detail::at(name, &node);
    if (!t) return format_error(where, "expected a [[fact]] table");
    for (const auto& [k, v] : *t) {
      const std::string_view key = k.str();
      if (key != "id" && key != "type" && key != "subject" && key != "title" && key != "values")
        return format_error(detail::at(name, &v),
                            "unknown key \"" + clip(key) + "\" (expected id, type, subject, title, values)");
    }
    FactDef f;
    f.line = int(node.source().begin.line);
    const auto id = (*t)["id"].value<std::string_view>();
    if (!id || !(*t)["id"].is_string() || !fact_id_ok(*id))
      return format_error(where, "field \"id\": expected an id of a-z, 0-9 and _ (at most 64)");
    f.id.assign(*id);
    if (out.find(f.id)) return format_error(where, "field \"id\": \"" + f.id + "\" defined twice");
    const auto type = (*t)["type"].value<std::string_view>();
    const auto ft = type && (*t)["type"].is_string() ? fact_type(*type) : std::nullopt;
    if (!ft) return format_error(where, "field \"type\": expected url, date, bool, string, text, list or enum");
    f.type = *ft;
    const auto subject = (*t)["subject"].value<std::string_view>();
    if (!subject || !(*t)["subject"].is_string() ||
        (*subject != "device" && *subject != "organisation" && *subject != "any"))
      return format_error(where, "field \"subject\": expected device, organisation or any");
    f.subject.assign(*subject);
    if (auto err = toml_text(*t, "title", where, f.title)) return *err;
    const toml::node* values = t->get("values");
    if (f.type == FactType::kEnum) {
      const toml::array* va = values ? values->as_array() : nullptr;
      if (!va || va->empty() || va->size() > kMaxEnumValues)
        return format_error(where, "field \"values\": expected 1 to 64 allowed values for an enum");
      for (const toml::node& v : *va) {
        const auto s = v.value<std::string_view>();
        if (!s || !v.is_string() || !trimmed(*s) || has_control(*s, false) || s->size() > 64)
          return format_error(where, "field \"values\": expected one-line strings of at most 64 bytes");
        if (std::find(f.values.begin(), f.values.end(), *s) != f.values.end())
          return format_error(where, "field \"values\": \"" + std::string(*s) + "\" listed twice");
        f.values.emplace_back(*s);
      }
    } else if (values) {
      return format_error(where, "field \"values\": only for type = \"enum\"");
    }
    out.facts_.push_back(std::move(f));
  }
  return out;
}

core::Result<FactSchema> FactSchema::load(const std::string& path) {
  auto text = core::read_file_capped(path, kMaxSchemaBytes, "fact schema");
  if (!text) return text.error();
  return parse(text.value(), path);
}

const FactDef* FactSchema::find(std::string_view id) const {
  for (const auto& f : facts_)
    if (f.id == id) return &f;
  return nullptr;
}

// ---- Declaration ------------------------------------------------------------------------------

const char* answer_status_name(AnswerStatus s) {
  switch (s) {
    case AnswerStatus::kSupported: return "supported";
    case AnswerStatus::kNotSupported: return "not-supported";
    case AnswerStatus::kNotApplicable: return "not-applicable";
  }
  return "unknown";
}

const Fact* Declaration::fact(std::string_view id) const {
  for (const auto& f : facts)
    if (f.id == id) return &f;
  return nullptr;
}

const Answer* Declaration::answer(std::string_view catalog, std::string_view requirement) const {
  for (const auto& a : answers)
    if (a.catalog == catalog && a.requirement == requirement) return &a;
  return nullptr;
}

core::Result<Declaration> parse_declaration(std::string_view text, const std::string& name, const CatalogSet& catalogs,
                                            const FactSchema& facts) {
  if (text.size() > kMaxDeclarationBytes) return format_error(name, "larger than 1 MiB; not a declaration");
  if (text.find('\0') != std::string_view::npos) return format_error(name, "contains a NUL byte; not a YAML text");
  const std::string copy(text);
  YAML::Node root;
  try {
    {
      std::istringstream in(copy);
      YAML::Parser parser(in);
      GuardHandler guard;
      parser.HandleNextDocument(guard);
      if (parser.HandleNextDocument(guard))
        return format_error(name, "more than one YAML document (---); a declaration is one document");
    }
    root = YAML::Load(copy);
  } catch (const GuardStop& g) {
    return format_error(name + ":" + std::to_string(g.line), g.what);
  } catch (const YAML::Exception& e) {
    return format_error(name + ":" + std::to_string(e.mark.line >= 0 ? e.mark.line + 1 : 1),
                        "not valid YAML: " + clip(e.msg));
  }
  try {
    return Reader(name, catalogs, facts).read(root);
  } catch (const YAML::Exception& e) {
    return format_error(name + ":" + std::to_string(e.mark.line >= 0 ? e.mark.line + 1 : 1),
                        "unexpected YAML: " + clip(e.msg));
  }
}

core::Result<Declaration> load_declaration(const std::string& path, const CatalogSet& catalogs,
                                           const FactSchema& facts) {
  auto text = core::read_file_capped(path, kMaxDeclarationBytes, "declaration");
  if (!text) return text.error();
  return parse_declaration(text.value(), path, catalogs, facts);
}

std::vector<Evidence> declaration_evidence(const Declaration& d) {
  std::vector<Evidence> out;
  const std::string base = base_name(d.path);
  auto common = [&](Evidence& e) {
    e.source = Source::kDeclaration;
    e.file = d.path;
    e.time = d.date;
    e.ip = d.subject.address;
    e.mac = d.subject.mac;
  };
  for (const Fact& f : d.facts) {
    Evidence e;
    common(e);
    e.id = base + ":facts." + f.id;
    e.kind = "declaration.fact";
    e.line = size_t(f.line);
    e.attrs = {{"id", f.id}, {"value", f.value}};
    std::string shown = clip(f.value, 120);
    for (char& c : shown)
      if (c == '\n' || c == '\t') c = ' ';
    e.summary = "declared " + f.id + ": " + shown;
    out.push_back(std::move(e));
  }
  for (const Answer& a : d.answers) {
    Evidence e;
    common(e);
    e.id = base + ":answers." + a.catalog + "." + a.requirement;
    e.kind = "declaration.answer";
    e.line = size_t(a.line);
    e.attrs = {{"catalog", a.catalog},
               {"requirement", a.requirement},
               {"status", answer_status_name(a.status)},
               {"justification", a.justification}};
    if (!a.note.empty()) e.attrs.emplace_back("note", a.note);
    if (!a.reference.empty()) e.attrs.emplace_back("reference", a.reference);
    e.summary = "declared " + a.catalog + " " + a.requirement + ": " + answer_status_name(a.status);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sekisho::audit
