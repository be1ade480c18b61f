#include "inventory/classify.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sekisho::inventory {

namespace {
constexpr const char* kClassNames[] = {"unknown", "camera",  "plug",     "bulb",   "hub",
                                       "speaker", "printer", "phone/pc", "sensor", "gateway"};
static_assert(std::size(kClassNames) == size_t(DeviceClass::kCount));

constexpr const char* kFields[] = {"vendor",    "hostname",    "dns_name",      "mdns_service",
                                   "mdns_name", "ssdp_server", "user_agent",    "dhcp_vendor_class",
                                   "http_host", "tls_sni",     "upnp_location", "lldp_system"};

constexpr size_t kFieldCount = std::size(kFields);
static_assert(kFieldCount == Classifier::kFieldCount);

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

uint64_t next_rules_id() {
  static std::atomic<uint64_t> n{0};
  return ++n;
}

bool matches(const ClassRule& r, std::string_view value_lower) {
  switch (r.kind) {
    case MatchKind::kEquals: return value_lower == r.pattern;
    case MatchKind::kContains: return value_lower.find(r.pattern) != std::string_view::npos;
    case MatchKind::kPrefix: return value_lower.starts_with(r.pattern);
    case MatchKind::kSuffix: return value_lower.ends_with(r.pattern);
  }
  return false;
}

}  // namespace

const char* class_name(DeviceClass c) {
  auto i = size_t(c);
  return i < std::size(kClassNames) ? kClassNames[i] : "unknown";
}

DeviceClass class_from_name(std::string_view s) {
  for (size_t i = 0; i < std::size(kClassNames); ++i)
    if (s == kClassNames[i]) return DeviceClass(i);
  return DeviceClass::kCount;
}

const char* addr_source_name(AddrSource s) {
  switch (s) {
    case AddrSource::kArp: return "arp";
    case AddrSource::kDhcp: return "dhcp";
    case AddrSource::kNdp: return "ndp";
    case AddrSource::kTraffic: return "traffic";
  }
  return "traffic";
}

core::Result<Classifier> Classifier::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error(core::ErrorCode::kNotFound, path, "cannot open the device class rules");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

core::Result<Classifier> Classifier::parse(const std::string& text, const std::string& name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return core::make_error(core::ErrorCode::kFormat, name, std::string("invalid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array())
    return core::make_error(core::ErrorCode::kFormat, name, "expected an object with a \"rules\" array");
  Classifier c;
  size_t i = 0;
  for (const auto& r : doc["rules"]) {
    std::string where = name + ": rules[" + std::to_string(i++) + "]";
    if (!r.is_object()) return core::make_error(core::ErrorCode::kFormat, where, "expected an object");
    ClassRule rule;
    auto get_str = [&](const char* key, std::string& out) -> bool {
      auto it = r.find(key);
      if (it == r.end() || !it->is_string()) return false;
      out = it->get<std::string>();
      return true;
    };
    std::string cls;
    if (!get_str("class", cls))
      return core::make_error(core::ErrorCode::kFormat, where, "missing string field \"class\"");
    rule.cls = class_from_name(cls);
    if (rule.cls == DeviceClass::kCount || rule.cls == DeviceClass::kUnknown)
      return core::make_error(core::ErrorCode::kFormat, where + ".class", "unknown class '" + cls + "'");
    if (!get_str("field", rule.field))
      return core::make_error(core::ErrorCode::kFormat, where, "missing string field \"field\"");
    const auto* fit = std::find(std::begin(kFields), std::end(kFields), rule.field);
    if (fit == std::end(kFields))
      return core::make_error(core::ErrorCode::kFormat, where + ".field", "unknown field '" + rule.field + "'");
    rule.field_id = uint8_t(fit - std::begin(kFields));
    int kinds = 0;
    std::string pat;
    if (get_str("equals", pat)) {
      rule.kind = MatchKind::kEquals;
      rule.pattern = lower(pat);
      ++kinds;
    }
    if (get_str("contains", pat)) {
      rule.kind = MatchKind::kContains;
      rule.pattern = lower(pat);
      ++kinds;
    }
    if (get_str("prefix", pat)) {
      rule.kind = MatchKind::kPrefix;
      rule.pattern = lower(pat);
      ++kinds;
    }
    if (get_str("suffix", pat)) {
      rule.kind = MatchKind::kSuffix;
      rule.pattern = lower(pat);
      ++kinds;
    }
    if (kinds != 1 || rule.pattern.empty())
      return core::make_error(core::ErrorCode::kFormat, where,
                              "exactly one non-empty pattern of equals/contains/prefix/suffix is required");
    if (auto it = r.find("weight"); it != r.end()) {
      if (!it->is_number_integer() || it->get<int>() < 1 || it->get<int>() > 100)
        return core::make_error(core::ErrorCode::kFormat, where + ".weight", "weight must be an integer 1..100");
      rule.weight = it->get<int>();
    }
    c.by_field_[rule.field_id].push_back(uint16_t(c.rules_.size()));
    c.rules_.push_back(std::move(rule));
    if (c.rules_.size() > UINT16_MAX) return core::make_error(core::ErrorCode::kFormat, name, "more than 65535 rules");
  }
  c.id_ = next_rules_id();
  return c;
}

namespace {
// Fields of one value (or two) that a device may replace, and the memo slots they use;
// the others are sets that only grow.
constexpr int kFirstSlot[kFieldCount] = {0, 1, -1, -1, -1, -1, -1, 2, -1, -1, -1, 4};
constexpr size_t kSingleSlots = 5;

const std::vector<std::string>* set_of(const Device& d, size_t id) {
  switch (id) {
    case 2: return &d.dns_names;
    case 3: return &d.mdns_services;
    case 4: return &d.mdns_names;
    case 5: return &d.ssdp_servers;
    case 6: return &d.user_agents;
    case 8: return &d.http_hosts;
    case 9: return &d.tls_sni;
    case 10: return &d.upnp_locations;
    default: return nullptr;
  }
}

// The single values of field `id` (one, or two for the DHCP vendor classes).
size_t singles_of(const Device& d, size_t id, std::string_view (&out)[2]) {
  switch (id) {
    case 0: out[0] = d.vendor; return 1;
    case 1: out[0] = d.hostname; return 1;
    case 7:
      out[0] = d.dhcp.vendor_class;
      out[1] = d.dhcp.v6_vendor_class;
      return 2;
    case 11: out[0] = d.lldp_system; return 1;
    default: return 0;
  }
}

}  // namespace

bool Classifier::classify(Device& dev) const {
  ClassMemo& m = dev.class_memo;
  bool hits_changed = false;
  if (m.rules_id != id_) {
    m.rules_id = id_;
    m.hits.clear();
    m.tested.assign(kFieldCount, 0);
    m.singles.assign(kSingleSlots, {});
    m.remote_sources = 0;
    hits_changed = true;
  }
  std::vector<uint8_t> hit;  // per rule: matched already (built when a value is tested)
  std::string low;
  auto drop_field = [&](size_t id) {
    const size_t before = m.hits.size();
    std::erase_if(m.hits, [&](const ClassMemo::Hit& h) { return rules_[h.rule].field_id == id; });
    if (m.hits.size() != before) {
      hits_changed = true;
      hit.clear();
    }
  };
  // Tests one value (index k of field id) against the field's rules not matched yet.
  auto test = [&](size_t id, size_t k, std::string_view v) {
    if (v.empty()) return;
    if (hit.empty()) {
      hit.assign(rules_.size(), 0);
      for (const auto& h : m.hits) hit[h.rule] = 1;
    }
    low.assign(v);
    for (char& c : low) c = lower_ascii(c);
    for (uint16_t r : by_field_[id]) {
      if (hit[r] || !matches(rules_[r], low)) continue;
      hit[r] = 1;
      m.hits.push_back({r, uint16_t(k)});
      hits_changed = true;
    }
  };
  for (size_t id = 0; id < kFieldCount; ++id) {
    if (by_field_[id].empty()) continue;
    if (const auto* set = set_of(dev, id)) {
      size_t from = m.tested[id];
      if (set->size() < from) {  // not grown at the end: test it all again
        drop_field(id);
        from = 0;
      }
      for (size_t k = from; k < set->size() && k <= UINT16_MAX; ++k) test(id, k, (*set)[k]);
      m.tested[id] = uint16_t(std::min<size_t>(set->size(), UINT16_MAX));
      continue;
    }
    std::string_view vals[2];
    const size_t n = singles_of(dev, id, vals);
    const size_t slot = size_t(kFirstSlot[id]);
    bool same = true;
    for (size_t k = 0; k < n; ++k) same = same && m.singles[slot + k] == vals[k];
    if (same) continue;
    drop_field(id);
    for (size_t k = 0; k < n; ++k) {
      m.singles[slot + k].assign(vals[k]);
      test(id, k, vals[k]);
    }
  }
  if (!hits_changed && m.remote_sources == dev.remote_sources) return false;
  m.remote_sources = dev.remote_sources;
  std::sort(m.hits.begin(), m.hits.end(), [](const auto& a, const auto& b) { return a.rule < b.rule; });

  std::array<int, size_t(DeviceClass::kCount)> score{};
  for (const auto& h : m.hits) score[size_t(rules_[h.rule].cls)] += rules_[h.rule].weight;
  // A MAC that forwards traffic for many remote addresses is the gateway, whatever else.
  const bool forwards = dev.remote_sources >= 8;
  if (forwards) score[size_t(DeviceClass::kGateway)] += 10;
  DeviceClass best = DeviceClass::kUnknown;
  int best_score = 0;
  for (size_t i = 1; i < score.size(); ++i) {
    if (score[i] > best_score) {
      best_score = score[i];
      best = DeviceClass(i);
    }
  }
  // The evidence: the best class's rules in their order, each with the value that matched
  // as the device reported it.
  std::vector<Evidence> ev;
  for (const auto& h : m.hits) {
    const ClassRule& r = rules_[h.rule];
    if (r.cls != best) continue;
    std::string_view original;
    if (const auto* set = set_of(dev, r.field_id)) {
      original = (*set)[h.value];
    } else {
      std::string_view vals[2];
      singles_of(dev, r.field_id, vals);
      original = vals[h.value];
    }
    ev.push_back(Evidence{r.field, std::string(original), class_name(r.cls), r.weight});
  }
  if (forwards && best == DeviceClass::kGateway)
    ev.push_back(Evidence{"remote_sources", std::to_string(dev.remote_sources), "gateway", 10});
  bool changed = best != dev.cls;
  dev.cls = best;
  dev.class_score = best_score;
  dev.evidence = std::move(ev);
  return changed;
}

}  // namespace sekisho::inventory
