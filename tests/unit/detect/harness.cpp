#include "harness.h"

#include <gtest/gtest.h>

#include <cstring>

namespace sekisho::detect::dtest {

namespace {

void put16(Frame& f, size_t at, uint16_t v) {
  f[at] = uint8_t(v >> 8);
  f[at + 1] = uint8_t(v);
}

uint16_t checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) sum += uint32_t{p[n - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

// Ethernet + IP header for `l4` bytes of protocol `proto`; returns the frame with the L4
// bytes appended.
Frame ip_frame(const core::MacAddr& smac, const core::MacAddr& dmac, const core::IpAddr& s, const core::IpAddr& d,
               uint8_t proto, const std::vector<uint8_t>& l4) {
  Frame f(14, 0);
  std::memcpy(f.data(), dmac.b.data(), 6);
  std::memcpy(f.data() + 6, smac.b.data(), 6);
  if (s.is_v4()) {
    put16(f, 12, 0x0800);
    const size_t ip = f.size();
    f.resize(ip + 20, 0);
    f[ip] = 0x45;
    put16(f, ip + 2, uint16_t(20 + l4.size()));
    put16(f, ip + 4, 0x1234);
    f[ip + 8] = 64;
    f[ip + 9] = proto;
    std::memcpy(&f[ip + 12], s.b.data(), 4);
    std::memcpy(&f[ip + 16], d.b.data(), 4);
    put16(f, ip + 10, checksum(&f[ip], 20));
  } else {
    put16(f, 12, 0x86dd);
    const size_t ip = f.size();
    f.resize(ip + 40, 0);
    f[ip] = 0x60;
    put16(f, ip + 4, uint16_t(l4.size()));
    f[ip + 6] = proto;
    f[ip + 7] = 64;
    std::memcpy(&f[ip + 8], s.b.data(), 16);
    std::memcpy(&f[ip + 24], d.b.data(), 16);
  }
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

}  // namespace

core::MacAddr mac(const char* text) { return *core::MacAddr::parse(text); }
core::IpAddr ip(const char* text) { return *core::IpAddr::parse(text); }

Frame tcp(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t sport,
          uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, const std::string& payload) {
  std::vector<uint8_t> l4(20, 0);
  l4[0] = uint8_t(sport >> 8);
  l4[1] = uint8_t(sport);
  l4[2] = uint8_t(dport >> 8);
  l4[3] = uint8_t(dport);
  for (int i = 0; i < 4; ++i) l4[4 + i] = uint8_t(seq >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) l4[8 + i] = uint8_t(ack >> (24 - 8 * i));
  l4[12] = 0x50;
  l4[13] = flags;
  l4[14] = 0x72;
  l4[15] = 0x10;
  l4.insert(l4.end(), payload.begin(), payload.end());
  return ip_frame(smac, dmac, ip(sip), ip(dip), 6, l4);
}

Frame udp(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t sport,
          uint16_t dport, const std::string& payload) {
  std::vector<uint8_t> l4(8, 0);
  l4[0] = uint8_t(sport >> 8);
  l4[1] = uint8_t(sport);
  l4[2] = uint8_t(dport >> 8);
  l4[3] = uint8_t(dport);
  const uint16_t len = uint16_t(8 + payload.size());
  l4[4] = uint8_t(len >> 8);
  l4[5] = uint8_t(len);
  l4.insert(l4.end(), payload.begin(), payload.end());
  return ip_frame(smac, dmac, ip(sip), ip(dip), 17, l4);
}

Frame icmp_echo(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t id,
                uint16_t seq) {
  const bool v6 = ip(sip).family == 6;
  std::vector<uint8_t> l4 = {uint8_t(v6 ? 128 : 8), 0,           0, 0, uint8_t(id >> 8), uint8_t(id),
                             uint8_t(seq >> 8),     uint8_t(seq)};
  l4.resize(64, 0x61);
  return ip_frame(smac, dmac, ip(sip), ip(dip), v6 ? 58 : 1, l4);
}

Frame gre(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip,
          const std::string& payload) {
  std::vector<uint8_t> l4 = {0, 0, 0x08, 0x00};  // GRE, no flags, carrying IPv4
  l4.insert(l4.end(), payload.begin(), payload.end());
  return ip_frame(smac, dmac, ip(sip), ip(dip), 47, l4);
}

Frame ipv4_raw(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint8_t proto,
               const std::string& payload) {
  return ip_frame(smac, dmac, ip(sip), ip(dip), proto, std::vector<uint8_t>(payload.begin(), payload.end()));
}

Frame dns_query(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t sport,
                const std::string& name, uint16_t id) {
  std::string m;
  m += char(id >> 8);
  m += char(id);
  m += std::string("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    if (dot > start) {
      m += char(dot - start);
      m += name.substr(start, dot - start);
    }
    start = dot + 1;
  }
  m += std::string("\x00\x00\x01\x00\x01", 5);
  return udp(smac, dmac, sip, dip, sport, 53, m);
}

Frame dhcp_request(const core::MacAddr& smac, const std::string& hostname, const std::string& client_id) {
  std::string b(240, '\0');
  b[0] = 1;  // BOOTREQUEST
  b[1] = 1;
  b[2] = 6;
  b[4] = 0x12;
  std::memcpy(&b[28], smac.b.data(), 6);
  b[236] = char(0x63);
  b[237] = char(0x82);
  b[238] = 0x53;
  b[239] = 0x63;
  b += std::string("\x35\x01\x03", 3);  // DHCPREQUEST
  if (!client_id.empty()) {
    b += char(61);
    b += char(client_id.size());
    b += client_id;
  }
  if (!hostname.empty()) {
    b += char(12);
    b += char(hostname.size());
    b += hostname;
  }
  b += std::string("\x37\x03\x01\x03\x06", 5);
  b += char(0xff);
  return udp(smac, mac("ff:ff:ff:ff:ff:ff"), "0.0.0.0", "255.255.255.255", 68, 67, b);
}

Harness::Harness(const std::string& toml, Responder* responder) {
  auto cfg = detect::DetectConfig::parse(toml, "test.toml");
  if (!cfg) {
    ADD_FAILURE() << cfg.error().message();
    return;
  }
  auto e = detect::Engine::create(cfg.value());
  if (!e) {
    ADD_FAILURE() << e.error().message();
    return;
  }
  engine_ = std::move(e.value());
  engine_->set_responder(responder);
  engine_->set_output([this](const Alert& a, std::string_view json) { alerts_.push_back({a, std::string(json)}); });
  watch::PipelineConfig pc;
  pc.flow.max_flows = 1u << 16;
  pipeline_ = std::make_unique<watch::Pipeline>(pc, nullptr, nullptr, nullptr);
  pipeline_->set_detectors(engine_.get());
}

Harness::~Harness() = default;

void Harness::feed(const Frame& f, core::TimeNs ts) {
  if (!engine_) return;
  capture::RawPacket p;
  p.ts = ts;
  p.data = f.data();
  p.caplen = uint32_t(f.size());
  p.wirelen = uint32_t(f.size());
  p.linktype = capture::kLinkEthernet;
  pipeline_->process(p);
  last_ = ts;
}

void Harness::tick(core::TimeNs now) {
  if (engine_) pipeline_->tick(now);
}

void Harness::finish() {
  if (engine_) pipeline_->finish();
}

std::vector<const Seen*> Harness::with(uint32_t signature_id) const {
  std::vector<const Seen*> out;
  for (const auto& s : alerts_)
    if (s.alert.signature_id == signature_id) out.push_back(&s);
  return out;
}

}  // namespace sekisho::detect::dtest
