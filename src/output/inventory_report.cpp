#include "output/inventory_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_writer.h"
#include "output/device_json.h"

namespace sekisho::output {

std::vector<const inventory::Device*> sorted_devices(const std::deque<inventory::Device>& devices) {
  std::vector<const inventory::Device*> out;
  out.reserve(devices.size());
  for (const auto& d : devices) out.push_back(&d);
  std::sort(out.begin(), out.end(), [](const inventory::Device* a, const inventory::Device* b) {
    if (a->first_seen != b->first_seen) return a->first_seen < b->first_seen;
    return a->mac < b->mac;
  });
  return out;
}

std::string inventory_json(const std::vector<const inventory::Device*>& devices) {
  std::string compact;
  core::JsonWriter w(compact);
  w.begin_object();
  w.field("device_count", uint64_t(devices.size()));
  w.key("devices").begin_array();
  for (const auto* d : devices) write_device(w, *d, true);
  w.end_array();
  w.end_object();
  // Re-indent for people reading the file; the compact form is what events carry.
  return nlohmann::json::parse(compact).dump(2) + "\n";
}

namespace {
// Display width of UTF-8 text (code points; good enough for vendor and host names).
size_t width_of(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}
std::string fit(std::string_view s, size_t w) {
  if (width_of(s) <= w) {
    std::string out(s);
    out.append(w - width_of(s), ' ');
    return out;
  }
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size() && n < w - 1; ++i) {
    out += s[i];
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) ++n;
    // keep multi-byte sequences whole
    while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80) out += s[++i];
  }
  out += "…";
  return out;
}
}  // namespace

std::string inventory_table(const std::vector<const inventory::Device*>& devices, size_t width) {
  struct Col {
    const char* title;
    size_t w;
  };
  const Col cols[] = {{"MAC", 17}, {"VENDOR", 24}, {"CLASS", 8}, {"ADDRESS", 15}, {"HOSTNAME", 18}, {"DNS NAMES", 40}};
  std::string out;
  auto row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += i + 1 < cells.size() ? fit(cells[i], cols[i].w) : cells[i];
      if (i + 1 < cells.size()) line += "  ";
    }
    if (width && width_of(line) > width) line = fit(line, width);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  std::vector<std::string> head;
  for (const auto& c : cols) head.emplace_back(c.title);
  row(head);
  for (const auto* d : devices) {
    std::string addr;
    for (const auto& a : d->addresses)
      if (a.ip.is_v4()) {
        addr = a.ip.to_string();
        break;
      }
    if (addr.empty() && !d->addresses.empty()) addr = d->addresses.front().ip.to_string();
    std::string names;
    for (size_t i = 0; i < d->dns_names.size() && i < 2; ++i) {
      if (i) names += ", ";
      names += d->dns_names[i];
    }
    if (d->dns_names.size() > 2) names += " +" + std::to_string(d->dns_names.size() - 2);
    if (names.empty() && !d->mdns_services.empty()) names = "mdns: " + d->mdns_services.front();
    std::string vendor = d->randomized ? "(randomized MAC)" : d->vendor.empty() ? "-" : d->vendor;
    row({d->mac.to_string(), vendor, inventory::class_name(d->cls), addr.empty() ? "-" : addr,
         d->hostname.empty() ? "-" : d->hostname, names.empty() ? "-" : names});
  }
  out += std::to_string(devices.size()) + " devices\n";
  return out;
}

}  // namespace sekisho::output
