#include "inventory/classify.h"

#include <algorithm>
#include <array>
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

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
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

// Calls fn(value) for each value of field `id` of a device, in order.
template <typename Fn>
void for_each_value(const Device& d, size_t id, Fn&& fn) {
  auto all = [&fn](const std::vector<std::string>& xs) {
    for (const auto& x : xs) fn(std::string_view(x));
  };
  switch (id) {
    case 0: fn(std::string_view(d.vendor)); break;
    case 1: fn(std::string_view(d.hostname)); break;
    case 2: all(d.dns_names); break;
    case 3: all(d.mdns_services); break;
    case 4: all(d.mdns_names); break;
    case 5: all(d.ssdp_servers); break;
    case 6: all(d.user_agents); break;
    case 7:
      fn(std::string_view(d.dhcp.vendor_class));
      fn(std::string_view(d.dhcp.v6_vendor_class));
      break;
    case 8: all(d.http_hosts); break;
    case 9: all(d.tls_sni); break;
    case 10: all(d.upnp_locations); break;
    case 11: fn(std::string_view(d.lldp_system)); break;
    default: break;
  }
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
    c.fields_used_ |= 1u << rule.field_id;
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
    c.rules_.push_back(std::move(rule));
  }
  return c;
}

bool Classifier::classify(Device& dev) const {
  // Lower-case each field's values once per call (not once per rule): one text buffer,
  // values as [begin, end) offsets, grouped by field.
  std::string text;
  std::vector<uint32_t> ends;
  std::array<uint32_t, kFieldCount + 1> first{};  // field id -> first index in `ends`
  for (size_t id = 0; id < kFieldCount; ++id) {
    first[id] = uint32_t(ends.size());
    if (!(fields_used_ & (1u << id))) continue;
    for_each_value(dev, id, [&](std::string_view v) {
      for (char c : v) text += lower_ascii(c);
      ends.push_back(uint32_t(text.size()));
    });
  }
  first[kFieldCount] = uint32_t(ends.size());

  std::array<int, size_t(DeviceClass::kCount)> score{};
  std::vector<Evidence> hits;
  for (const auto& r : rules_) {
    const uint32_t lo = first[r.field_id], hi = first[size_t(r.field_id) + 1];
    uint32_t begin = lo ? ends[lo - 1] : 0;
    for (uint32_t i = lo; i < hi; begin = ends[i], ++i) {
      const std::string_view v(text.data() + begin, ends[i] - begin);
      if (v.empty()) continue;
      if (matches(r, v)) {
        // The evidence keeps the value as the device reported it.
        size_t k = i - lo;
        std::string_view original;
        for_each_value(dev, r.field_id, [&](std::string_view x) {
          if (k-- == 0) original = x;
        });
        score[size_t(r.cls)] += r.weight;
        hits.push_back(Evidence{r.field, std::string(original), class_name(r.cls), r.weight});
        break;  // one hit per rule
      }
    }
  }
  // A MAC that forwards traffic for many remote addresses is the gateway, whatever else.
  if (dev.remote_sources >= 8) {
    score[size_t(DeviceClass::kGateway)] += 10;
    hits.push_back(Evidence{"remote_sources", std::to_string(dev.remote_sources), "gateway", 10});
  }
  DeviceClass best = DeviceClass::kUnknown;
  int best_score = 0;
  for (size_t i = 1; i < score.size(); ++i) {
    if (score[i] > best_score) {
      best_score = score[i];
      best = DeviceClass(i);
    }
  }
  std::vector<Evidence> ev;
  for (auto& h : hits)
    if (h.cls == class_name(best)) ev.push_back(std::move(h));
  bool changed = best != dev.cls;
  dev.cls = best;
  dev.class_score = best_score;
  dev.evidence = std::move(ev);
  return changed;
}

}  // namespace sekisho::inventory
