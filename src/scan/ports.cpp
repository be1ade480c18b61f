#include "scan/ports.h"

#include <bitset>
#include <memory>
#include <optional>

namespace sekisho::scan {

namespace {

constexpr std::string_view kWhere = "--ports";

core::Error bad(std::string what) {
  return core::make_error(core::ErrorCode::kInvalidArgument, std::string(kWhere), std::move(what));
}

std::string quote(std::string_view s) {
  // Long or binary items are cut so the message stays one readable line.
  std::string out = "'";
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 40) out += "...";
  return out + "'";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal port number 1..65535; nullopt for anything else (empty, signs, 0, overflow).
std::optional<uint32_t> port_number(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint32_t(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return v;
}

void fill_list(const std::bitset<65536>& bits, std::vector<uint16_t>& out) {
  for (uint32_t p = 1; p < 65536; ++p)
    if (bits[p]) out.push_back(uint16_t(p));
}

void append_runs(std::string& out, const std::vector<uint16_t>& ports) {
  for (size_t i = 0; i < ports.size();) {
    size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty() && out.back() != ':') out += ',';
    out += std::to_string(ports[i]);
    if (j > i) out += "-" + std::to_string(ports[j]);
    i = j + 1;
  }
}

}  // namespace

const char* proto_name(Proto p) { return p == Proto::kUdp ? "udp" : "tcp"; }

std::string PortList::to_string() const {
  std::string out;
  if (!tcp.empty()) {
    out += "T:";
    append_runs(out, tcp);
  }
  if (!udp.empty()) {
    if (!out.empty()) out += ',';
    out += "U:";
    append_runs(out, udp);
  }
  return out;
}

core::Result<PortList> parse_ports(std::string_view spec) {
  if (trim(spec).empty()) return bad("empty port specification");
  // Two 8 KiB bitsets de-duplicate and sort in one pass, whatever the input size.
  auto tcp = std::make_unique<std::bitset<65536>>();
  auto udp = std::make_unique<std::bitset<65536>>();
  std::bitset<65536>* cur = tcp.get();
  const std::string_view whole = spec;
  while (true) {
    const size_t comma = spec.find(',');
    const std::string_view raw = spec.substr(0, comma);
    std::string_view item = trim(raw);
    if (item.size() >= 2 && item[1] == ':') {
      const char p = item[0];
      if (p == 'T' || p == 't') {
        cur = tcp.get();
      } else if (p == 'U' || p == 'u') {
        cur = udp.get();
      } else if (p == 'S' || p == 's') {
        return bad(quote(item) + ": SCTP ports are not supported (use T: or U:)");
      } else if (p == 'P' || p == 'p') {
        return bad(quote(item) + ": IP protocol scans are not supported (use T: or U:)");
      } else {
        return bad(quote(item) + ": unknown protocol prefix (use T: or U:)");
      }
      item = trim(item.substr(2));
    }
    if (item.empty()) return bad("empty item in " + quote(whole));
    const size_t dash = item.find('-');
    uint32_t lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      auto v = port_number(item);
      if (!v) return bad(quote(item) + " is not a port");
      lo = hi = *v;
    } else {
      const std::string_view a = trim(item.substr(0, dash)), b = trim(item.substr(dash + 1));
      auto va = a.empty() ? std::optional<uint32_t>(1) : port_number(a);
      auto vb = b.empty() ? std::optional<uint32_t>(65535) : port_number(b);
      if (!va) return bad(quote(a) + " is not a port (in " + quote(item) + ")");
      if (!vb) return bad(quote(b) + " is not a port (in " + quote(item) + ")");
      if (*va > *vb) return bad(quote(item) + " is a reversed range");
      lo = *va;
      hi = *vb;
    }
    for (uint32_t p = lo; p <= hi; ++p) cur->set(p);
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  PortList out;
  fill_list(*tcp, out.tcp);
  fill_list(*udp, out.udp);
  return out;
}

PortList default_iot_ports() {
  PortList p;
  p.tcp = {21, 22, 23, 80, 81, 443, 554, 1883, 2323, 5000, 7547, 8000, 8080, 8081, 8443, 8883, 37215, 49152, 52869};
  p.udp = {161, 1900, 5683};
  return p;
}

}  // namespace sekisho::scan
