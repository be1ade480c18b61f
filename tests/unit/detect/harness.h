#pragma once
// Test harness for detectors: builds Ethernet frames, runs them through the real watch
// pipeline (decoder, flow table, inventory) with a detection engine configured from TOML
// text, and collects the alerts (struct and EVE JSON).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/packet_source.h"
#include "core/net.h"
#include "detect/engine.h"
#include "watch/pipeline.h"

namespace sekisho::detect::dtest {

using Frame = std::vector<uint8_t>;

core::MacAddr mac(const char* text);
core::IpAddr ip(const char* text);

// Ethernet + IPv4/IPv6 (by the addresses' family) + transport. `payload` is appended.
Frame tcp(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t sport,
          uint16_t dport, uint8_t flags, uint32_t seq = 1, uint32_t ack = 0, const std::string& payload = "");
Frame udp(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t sport,
          uint16_t dport, const std::string& payload = "");
Frame icmp_echo(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t id = 1,
                uint16_t seq = 1);
Frame gre(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip,
          const std::string& payload = std::string(64, 'x'));
// Any IPv4 protocol with a raw payload after the IP header.
Frame ipv4_raw(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint8_t proto,
               const std::string& payload);
// A DNS query for `name` (type A) in a UDP frame.
Frame dns_query(const core::MacAddr& smac, const core::MacAddr& dmac, const char* sip, const char* dip, uint16_t sport,
                const std::string& name, uint16_t id = 1);
// A DHCPv4 request carrying host name (12) and client id (61) if given.
Frame dhcp_request(const core::MacAddr& smac, const std::string& hostname, const std::string& client_id = "");

struct Seen {
  Alert alert;
  std::string json;
};

class Harness {
 public:
  // `toml`: a config ("" = defaults). Fails the test (ADD_FAILURE) on a config error.
  explicit Harness(const std::string& toml = "", Responder* responder = nullptr);
  ~Harness();
  void feed(const Frame& f, core::TimeNs ts);
  void tick(core::TimeNs now);
  void finish();

  const std::vector<Seen>& alerts() const { return alerts_; }
  // Alerts with this signature id.
  std::vector<const Seen*> with(uint32_t signature_id) const;
  size_t count(uint32_t signature_id) const { return with(signature_id).size(); }
  detect::Engine& engine() { return *engine_; }
  watch::Pipeline& pipeline() { return *pipeline_; }
  bool ok() const { return engine_ != nullptr; }

 private:
  std::unique_ptr<watch::Pipeline> pipeline_;
  std::unique_ptr<detect::Engine> engine_;
  std::vector<Seen> alerts_;
  core::TimeNs last_ = 0;
};

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kMs = core::kNsPerSec / 1000;
// A fixed start time for tests: 2024-01-01T00:00:00Z.
constexpr core::TimeNs kT0 = 1'704'067'200 * kSec;

}  // namespace sekisho::detect::dtest
