#include "scan/proto/products.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "core/files.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> (std::function in the
// NFA states) at -O2 with the sanitizers; the warning is about library code, not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>

#include "scan/proto/text.h"

#ifndef SEKISHO_DATA_DIR_DEFAULT
#define SEKISHO_DATA_DIR_DEFAULT "/usr/share/sekisho"
#endif

namespace sekisho::scan::proto {

namespace {

constexpr size_t kMaxFileBytes = 1u << 20;
constexpr size_t kMaxRules = 4000;
constexpr size_t kMaxPattern = 512;
constexpr size_t kMaxField = 128;
constexpr size_t kMaxVersion = 64;
constexpr size_t kMaxWords = 200;
constexpr std::string_view kRuleKeys[] = {"service", "pattern", "product", "cpe", "version", "note"};
constexpr std::string_view kAdminKeys[] = {"title", "body", "body_min"};

core::Error format_error(std::string where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, std::move(where), std::move(what));
}

bool valid_service(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "vendor:product", lower case, the characters NVD uses in CPE names.
bool valid_cpe(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
  if (s.find(':', colon + 1) != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == ':' ||
           c == '!' || c == '~';
  });
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

struct ProductMatcher::Impl {
  struct Rule {
    std::vector<std::string> services;
    std::string pattern;
    std::regex re;
    std::string product, cpe;
    size_t version_group = 0;
  };
  std::vector<Rule> rules;
  AdminHints admin = AdminHints::builtin();
};

ProductMatcher::ProductMatcher() : impl_(std::make_shared<Impl>()) {}

size_t ProductMatcher::size() const { return impl_->rules.size(); }

const AdminHints& ProductMatcher::admin_hints() const { return impl_->admin; }

std::string default_products_path() {
  if (const char* d = std::getenv("SEKISHO_DATA_DIR"); d && *d) return std::string(d) + "/fingerprints/products.toml";
  return std::string(SEKISHO_DATA_DIR_DEFAULT) + "/fingerprints/products.toml";
}

core::Result<ProductMatcher> ProductMatcher::load(const std::string& path) {
  auto text = core::read_file_capped(path, kMaxFileBytes, "product fingerprint file");
  if (!text) return text.error();
  return load_text(text.value(), path);
}

namespace {

std::optional<core::Error> read_words(const toml::table& t, std::string_view key, const std::string& at,
                                      std::vector<std::string>& out) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) return format_error(at + "." + std::string(key), "must be an array of strings");
  if (a->size() > kMaxWords)
    return format_error(at + "." + std::string(key), "has more than " + std::to_string(kMaxWords) + " words");
  out.clear();
  for (const toml::node& e : *a) {
    auto s = e.value<std::string_view>();
    if (!e.is_string() || !s || s->empty() || s->size() > kMaxField || has_control(*s))
      return format_error(at + "." + std::string(key), "must hold non-empty strings of at most 128 bytes");
    out.push_back(text::to_lower(*s));
  }
  return std::nullopt;
}

std::optional<core::Error> read_admin(const toml::table& t, const std::string& at, AdminHints& out) {
  for (auto&& [k, v] : t) {
    (void)v;
    if (std::find(std::begin(kAdminKeys), std::end(kAdminKeys), k.str()) == std::end(kAdminKeys))
      return format_error(at, "unknown key '" + std::string(k.str().substr(0, 64)) + "'");
  }
  if (auto e = read_words(t, "title", at, out.title_words)) return e;
  if (auto e = read_words(t, "body", at, out.body_words)) return e;
  if (const toml::node* n = t.get("body_min")) {
    auto v = n->value<int64_t>();
    if (!n->is_integer() || !v || *v < 1 || *v > 10) return format_error(at + ".body_min", "must be an integer 1..10");
    out.body_min = size_t(*v);
  }
  return std::nullopt;
}

}  // namespace

core::Result<ProductMatcher> ProductMatcher::load_text(std::string_view toml_text, std::string_view name_sv) {
  const std::string name(name_sv);
  if (toml_text.size() > kMaxFileBytes) return format_error(name, "larger than 1 MiB; not a product fingerprint file");
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return format_error(name + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
                        std::string(e.description()));
  }

  auto impl = std::make_shared<Impl>();
  for (auto&& [k, v] : root) {
    std::string_view key = k.str();
    if (key == "format") {
      auto f = v.value<int64_t>();
      if (!v.is_integer() || !f || *f != 1) return format_error(name + ": format", "unsupported format (expected 1)");
    } else if (key == "http_admin") {
      const toml::table* t = v.as_table();
      if (!t) return format_error(name + ": http_admin", "must be a table");
      if (auto e = read_admin(*t, name + ": http_admin", impl->admin)) return *e;
    } else if (key != "rule") {
      return format_error(name, "unknown top-level key '" + std::string(key.substr(0, 64)) + "'");
    }
  }

  if (const toml::node* rules = root.get("rule")) {
    const toml::array* arr = rules->as_array();
    if (!arr || !arr->is_array_of_tables())
      return format_error(name + ": rule", "must be an array of tables ([[rule]])");
    if (arr->size() > kMaxRules) return format_error(name, "more than " + std::to_string(kMaxRules) + " rules");
    size_t index = 0;
    for (const toml::node& node : *arr) {
      ++index;
      const toml::table& t = *node.as_table();
      std::string at = name + ": rule " + std::to_string(index);
      if (auto line = t.source().begin.line) at += " (line " + std::to_string(line) + ")";
      for (auto&& [k, v] : t) {
        (void)v;
        if (std::find(std::begin(kRuleKeys), std::end(kRuleKeys), k.str()) == std::end(kRuleKeys))
          return format_error(at, "unknown key '" + std::string(k.str().substr(0, 64)) + "'");
      }
      Impl::Rule rule;
      // service: a string or an array of strings
      const toml::node* svc = t.get("service");
      if (!svc) return format_error(at, "field 'service' is missing");
      if (auto s = svc->value<std::string_view>(); svc->is_string() && s) {
        rule.services.emplace_back(*s);
      } else if (const toml::array* a = svc->as_array(); a && !a->empty() && a->size() <= 16) {
        for (const toml::node& e : *a) {
          auto es = e.value<std::string_view>();
          if (!e.is_string() || !es) return format_error(at, "field 'service' must be a string or an array of strings");
          rule.services.emplace_back(*es);
        }
      } else {
        return format_error(at, "field 'service' must be a string or an array of 1..16 strings");
      }
      for (const auto& s : rule.services)
        if (!valid_service(s)) return format_error(at, "service '" + s.substr(0, 64) + "' is not a service name");

      auto str = [&](std::string_view key, bool required, size_t max, std::string& out) -> std::optional<core::Error> {
        const toml::node* n = t.get(key);
        if (!n) {
          if (required) return format_error(at, "field '" + std::string(key) + "' is missing");
          return std::nullopt;
        }
        auto s = n->value<std::string_view>();
        if (!n->is_string() || !s) return format_error(at, "field '" + std::string(key) + "' must be a string");
        if (s->size() > max)
          return format_error(at, "field '" + std::string(key) + "' is longer than " + std::to_string(max) + " bytes");
        if (has_control(*s)) return format_error(at, "field '" + std::string(key) + "' contains a control character");
        out.assign(*s);
        return std::nullopt;
      };
      std::string note;
      if (auto e = str("pattern", true, kMaxPattern, rule.pattern)) return *e;
      if (auto e = str("product", true, kMaxField, rule.product)) return *e;
      if (auto e = str("cpe", false, kMaxField, rule.cpe)) return *e;
      if (auto e = str("note", false, 1000, note)) return *e;
      if (rule.pattern.empty()) return format_error(at, "field 'pattern' is empty");
      if (rule.product.empty()) return format_error(at, "field 'product' is empty");
      if (!rule.cpe.empty() && !valid_cpe(rule.cpe))
        return format_error(at, "cpe '" + rule.cpe + "' is not a lower-case \"vendor:product\"");
      try {
        rule.re = std::regex(rule.pattern, std::regex::ECMAScript | std::regex::icase);
      } catch (const std::regex_error& e) {
        return format_error(
            at, "pattern '" + rule.pattern.substr(0, 80) + "' is not a valid regular expression: " + e.what());
      }
      size_t groups = rule.re.mark_count();
      rule.version_group = groups > 0 ? 1 : 0;
      if (const toml::node* n = t.get("version")) {
        auto v = n->value<int64_t>();
        if (!n->is_integer() || !v || *v < 0 || size_t(*v) > groups)
          return format_error(at, "field 'version' must be a capture group number 0.." + std::to_string(groups));
        rule.version_group = size_t(*v);
      }
      impl->rules.push_back(std::move(rule));
    }
  }
  ProductMatcher m;
  m.impl_ = std::move(impl);
  return m;
}

std::optional<Product> ProductMatcher::match(std::string_view service, std::string_view text) const {
  if (text.size() > kProductMaxText) text = text.substr(0, kProductMaxText);
  if (text.empty()) return std::nullopt;
  std::string subject(text);  // std::regex wants iterators over one buffer; this copy is ours
  for (const auto& r : impl_->rules) {
    if (std::none_of(r.services.begin(), r.services.end(),
                     [&](const std::string& s) { return text::iequals(s, service); }))
      continue;
    std::smatch m;
    bool hit = false;
    try {
      hit = std::regex_search(subject, m, r.re);
    } catch (const std::regex_error&) {
      hit = false;  // complexity or stack limits: treat as no match
    }
    if (!hit) continue;
    Product p{r.product, "", r.cpe};
    if (r.version_group && r.version_group < m.size() && m[r.version_group].matched)
      p.version = text::printable(text::trim(m[r.version_group].str()), kMaxVersion);
    return p;
  }
  return std::nullopt;
}

std::optional<Product> ProductMatcher::match_http(const HttpResponse& head, std::string_view title, bool rtsp) const {
  if (!head.server.empty())
    if (auto p = match(rtsp ? "rtsp" : "http", head.server)) return p;
  for (const auto& a : head.www_authenticate_all)
    if (auto p = match(rtsp ? "rtsp-auth" : "http-auth", a)) return p;
  if (!title.empty())
    if (auto p = match("http-title", title)) return p;
  return std::nullopt;
}

}  // namespace sekisho::scan::proto
