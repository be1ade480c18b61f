#include "detect/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace sekisho::detect {

namespace {

constexpr std::string_view kReserved[] = {"enabled", "action", "action_by_class"};

const toml::table* as_table(const void* p) { return static_cast<const toml::table*>(p); }

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

std::optional<Action> parse_action(std::string_view s) {
  if (s == "alert") return Action::kAlert;
  if (s == "quarantine") return Action::kQuarantine;
  return std::nullopt;
}

}  // namespace

const char* action_name(Action a) { return a == Action::kQuarantine ? "quarantine" : "alert"; }

std::vector<core::IpPrefix> default_local_networks() {
  std::vector<core::IpPrefix> out;
  for (const char* p : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10"})
    out.push_back(*core::IpPrefix::parse(p));
  return out;
}

// ---- ConfigView ----

ConfigView::ConfigView(const void* table, std::string where) : table_(table), where_(std::move(where)) {}

const void* ConfigView::node(std::string_view key) const {
  read_.emplace_back(key);
  if (!table_) return nullptr;
  return as_table(table_)->get(key);
}

void ConfigView::bad(std::string_view key, std::string what) const {
  if (error_) return;
  error_ = core::Error{core::ErrorCode::kFormat, where_ + "." + std::string(key), std::move(what)};
}

void ConfigView::fail(std::string_view key, std::string what) const { bad(key, std::move(what)); }

namespace {
std::string toml_string(std::string_view s) {
  std::ostringstream o;
  o << toml::value<std::string>(std::string(s));
  return o.str();
}
std::string toml_number(double v) {
  std::ostringstream o;
  o << toml::value<double>(v);
  return o.str();
}
}  // namespace

uint64_t ConfigView::u64(std::string_view key, uint64_t def, uint64_t lo, uint64_t hi) const {
  defaults_.emplace_back(key, std::to_string(def));
  const auto* n = static_cast<const toml::node*>(node(key));
  if (!n) return def;
  auto v = n->value<int64_t>();
  if (!n->is_integer() || !v || *v < 0 || uint64_t(*v) < lo || uint64_t(*v) > hi) {
    bad(key, "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi));
    return def;
  }
  return uint64_t(*v);
}

double ConfigView::number(std::string_view key, double def, double lo, double hi) const {
  defaults_.emplace_back(key, toml_number(def));
  const auto* n = static_cast<const toml::node*>(node(key));
  if (!n) return def;
  auto v = n->value<double>();
  if (!(n->is_integer() || n->is_floating_point()) || !v || !std::isfinite(*v) || *v < lo || *v > hi) {
    std::ostringstream s;
    s << "expected a number " << lo << ".." << hi;
    bad(key, s.str());
    return def;
  }
  return *v;
}

bool ConfigView::boolean(std::string_view key, bool def) const {
  defaults_.emplace_back(key, def ? "true" : "false");
  const auto* n = static_cast<const toml::node*>(node(key));
  if (!n) return def;
  if (!n->is_boolean()) {
    bad(key, "expected true or false");
    return def;
  }
  return *n->value<bool>();
}

std::string ConfigView::string(std::string_view key, std::string def) const {
  defaults_.emplace_back(key, toml_string(def));
  const auto* n = static_cast<const toml::node*>(node(key));
  if (!n) return def;
  if (!n->is_string()) {
    bad(key, "expected a string");
    return def;
  }
  return std::string(*n->value<std::string_view>());
}

std::vector<std::string> ConfigView::strings(std::string_view key, std::vector<std::string> def) const {
  {
    std::string t = "[";
    for (size_t i = 0; i < def.size(); ++i) t += (i ? ", " : "") + toml_string(def[i]);
    defaults_.emplace_back(key, t + "]");
  }
  const auto* n = static_cast<const toml::node*>(node(key));
  if (!n) return def;
  const auto* arr = n->as_array();
  std::vector<std::string> out;
  if (!arr) {
    bad(key, "expected an array of strings");
    return def;
  }
  for (const auto& e : *arr) {
    if (!e.is_string()) {
      bad(key, "expected an array of strings");
      return def;
    }
    out.emplace_back(*e.value<std::string_view>());
  }
  return out;
}

std::vector<uint16_t> ConfigView::ports(std::string_view key, std::vector<uint16_t> def) const {
  {
    std::string t = "[";
    for (size_t i = 0; i < def.size(); ++i) t += (i ? ", " : "") + std::to_string(def[i]);
    defaults_.emplace_back(key, t + "]");
  }
  const auto* n = static_cast<const toml::node*>(node(key));
  if (!n) return def;
  const auto* arr = n->as_array();
  std::vector<uint16_t> out;
  if (!arr) {
    bad(key, "expected an array of port numbers");
    return def;
  }
  for (const auto& e : *arr) {
    auto v = e.value<int64_t>();
    if (!e.is_integer() || !v || *v < 1 || *v > 65535) {
      bad(key, "expected an array of port numbers 1..65535");
      return def;
    }
    out.push_back(uint16_t(*v));
  }
  return out;
}

core::Status ConfigView::finish() const {
  if (error_) return *error_;
  if (!table_) return {};
  for (const auto& [k, v] : *as_table(table_)) {
    const std::string_view key = k.str();
    if (std::find(std::begin(kReserved), std::end(kReserved), key) != std::end(kReserved)) continue;
    if (std::find(read_.begin(), read_.end(), key) == read_.end())
      return core::Error{core::ErrorCode::kFormat, where_ + "." + std::string(key), "unknown setting"};
  }
  return {};
}

// ---- DetectConfig ----

struct DetectConfig::Doc {
  toml::table root;
};

DetectConfig::DetectConfig() : local_networks(default_local_networks()), doc_(std::make_unique<Doc>()) {}
DetectConfig::~DetectConfig() = default;
DetectConfig::DetectConfig(DetectConfig&&) noexcept = default;
DetectConfig& DetectConfig::operator=(DetectConfig&&) noexcept = default;

core::Result<DetectConfig> DetectConfig::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error{core::ErrorCode::kNotFound, path, "cannot open the config file"};
  std::ostringstream s;
  s << in.rdbuf();
  if (s.str().size() > (1u << 24)) return core::Error{core::ErrorCode::kFormat, path, "config file over 16 MiB"};
  auto r = parse(s.str(), path);
  if (r) r->base_dir_ = dir_of(path);
  return r;
}

core::Result<DetectConfig> DetectConfig::parse(std::string_view text, const std::string& where) {
  DetectConfig c;
  c.where_ = where;
  try {
    c.doc_->root = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return core::Error{core::ErrorCode::kFormat,
                       where + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
                       std::string(e.description())};
  }
  const toml::node* detect = c.doc_->root.get("detect");
  if (!detect) return c;
  const toml::table* t = detect->as_table();
  if (!t) return core::Error{core::ErrorCode::kFormat, where + ": detect", "expected a table"};
  for (const auto& [k, v] : *t) {
    const std::string_view key = k.str();
    const std::string at = where + ": detect." + std::string(key);
    if (key == "local_networks") {
      const toml::array* arr = v.as_array();
      if (!arr) return core::Error{core::ErrorCode::kFormat, at, "expected an array of prefixes"};
      c.local_networks.clear();
      for (const auto& e : *arr) {
        auto s = e.value<std::string_view>();
        auto p = s ? core::IpPrefix::parse(*s) : std::nullopt;
        if (!p) return core::Error{core::ErrorCode::kFormat, at, "expected prefixes like \"192.168.1.0/24\""};
        c.local_networks.push_back(*p);
      }
    } else if (key == "suppress_seconds") {
      auto n = v.value<int64_t>();
      if (!v.is_integer() || !n || *n < 0 || *n > 86400 * 7)
        return core::Error{core::ErrorCode::kFormat, at, "expected an integer 0..604800"};
      c.suppress_seconds = uint32_t(*n);
    } else if (!v.is_table()) {
      return core::Error{core::ErrorCode::kFormat, at, "unknown setting"};
    }
  }
  return c;
}

ConfigView DetectConfig::view(std::string_view detector) const {
  const toml::table* t = nullptr;
  if (const toml::node* d = doc_->root.get("detect"); d && d->is_table())
    if (const toml::node* n = d->as_table()->get(detector)) t = n->as_table();
  ConfigView v(t, (where_.empty() ? std::string("config") : where_) + ": detect." + std::string(detector));
  v.set_base_dir(base_dir_.empty() ? "." : base_dir_);
  return v;
}

core::Result<DetectorSettings> DetectConfig::settings(std::string_view detector) const {
  DetectorSettings s;
  ConfigView v = view(detector);
  const toml::table* t = nullptr;
  if (const toml::node* d = doc_->root.get("detect"); d && d->is_table())
    if (const toml::node* n = d->as_table()->get(detector)) t = n->as_table();
  if (!t) return s;
  const std::string at = v.where();
  if (const toml::node* n = t->get("enabled")) {
    if (!n->is_boolean()) return core::Error{core::ErrorCode::kFormat, at + ".enabled", "expected true or false"};
    s.enabled = *n->value<bool>();
  }
  if (const toml::node* n = t->get("action")) {
    auto a = n->value<std::string_view>();
    auto act = a ? parse_action(*a) : std::nullopt;
    if (!act) return core::Error{core::ErrorCode::kFormat, at + ".action", "expected \"alert\" or \"quarantine\""};
    s.action = *act;
  }
  if (const toml::node* n = t->get("action_by_class")) {
    const toml::table* m = n->as_table();
    if (!m)
      return core::Error{core::ErrorCode::kFormat, at + ".action_by_class",
                         "expected a table of class = \"alert\"|\"quarantine\""};
    for (const auto& [k, val] : *m) {
      const std::string_view cls = k.str();
      inventory::DeviceClass c = inventory::class_from_name(cls);
      if (c == inventory::DeviceClass::kCount && cls == "phone_pc") c = inventory::DeviceClass::kPhonePc;
      if (c == inventory::DeviceClass::kCount)
        return core::Error{core::ErrorCode::kFormat, at + ".action_by_class." + std::string(cls),
                           "unknown device class"};
      auto a = val.value<std::string_view>();
      auto act = a ? parse_action(*a) : std::nullopt;
      if (!act)
        return core::Error{core::ErrorCode::kFormat, at + ".action_by_class." + std::string(cls),
                           "expected \"alert\" or \"quarantine\""};
      s.by_class[size_t(c)] = *act;
    }
  }
  return s;
}

core::Status DetectConfig::check_tables(const std::vector<std::string_view>& known) const {
  const toml::node* d = doc_->root.get("detect");
  if (!d || !d->is_table()) return {};
  for (const auto& [k, v] : *d->as_table()) {
    if (!v.is_table()) continue;
    if (std::find(known.begin(), known.end(), k.str()) == known.end())
      return core::Error{core::ErrorCode::kFormat,
                         (where_.empty() ? std::string("config") : where_) + ": detect." + std::string(k.str()),
                         "no such detector"};
  }
  return {};
}

}  // namespace sekisho::detect
