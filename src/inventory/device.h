#pragma once
// A device on the LAN: one per Ethernet source address, with what identifies it.
// Identity fields change rarely and live on the control side (strings, bounded sets);
// per-packet work touches only the counters.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.h"
#include "core/time.h"

namespace sekisho::inventory {

enum class DeviceClass : uint8_t {
  kUnknown,
  kCamera,
  kPlug,
  kBulb,
  kHub,
  kSpeaker,
  kPrinter,
  kPhonePc,
  kSensor,
  kGateway,
  kCount
};
const char* class_name(DeviceClass c);
DeviceClass class_from_name(std::string_view s);  // kCount if unknown

enum class AddrSource : uint8_t { kArp, kDhcp, kNdp, kTraffic };
const char* addr_source_name(AddrSource s);

struct DeviceAddress {
  core::IpAddr ip;
  AddrSource source = AddrSource::kTraffic;
  core::TimeNs first_seen = 0;
  core::TimeNs last_seen = 0;
};

struct PortUse {
  uint8_t proto = 0;  // 6 tcp, 17 udp
  uint16_t port = 0;
  uint32_t flows = 0;
  bool operator==(const PortUse& o) const { return proto == o.proto && port == o.port; }
};

struct Peer {
  core::IpAddr ip;
  uint32_t flows = 0;
};

struct DhcpFingerprint {
  std::string params;        // option 55 list "1,3,6,15"
  std::string options;       // option codes in order "53,61,50,12,55"
  std::string vendor_class;  // option 60
  std::string v6_oro;        // DHCPv6 ORO "23,24"
  std::string v6_vendor_class;
  bool empty() const { return params.empty() && options.empty() && vendor_class.empty() && v6_oro.empty(); }
};

// What the classifier already knows of a device (Classifier::classify keeps it): the
// rules that matched and where, how many values of each set it has tested, and the
// single values it tested. Sets only grow at their end (DeviceTable::add_string), so a later
// call tests only the values added since; a set found shorter than what was tested is
// tested again. Code that edits a set's values in place clears the memo (= {}).
struct ClassMemo {
  struct Hit {
    uint16_t rule = 0;   // index in the classifier's rules
    uint16_t value = 0;  // index of the value in the rule's field
  };
  uint64_t rules_id = 0;             // the classifier that filled this; 0 = nothing known
  std::vector<Hit> hits;             // by rule index
  std::vector<uint16_t> tested;      // per field: values tested (sets)
  std::vector<std::string> singles;  // per single-value slot: the value tested
  uint32_t remote_sources = 0;
};

struct Evidence {
  std::string field;  // "vendor", "mdns_service", "dns_name", ...
  std::string value;
  std::string cls;  // class the rule points to
  int weight = 0;
};

struct Device {
  // Bounds on every set, so a misbehaving device cannot grow memory without limit.
  static constexpr size_t kMaxAddresses = 16;
  static constexpr size_t kMaxNames = 64;
  static constexpr size_t kMaxStrings = 16;
  static constexpr size_t kMaxPeers = 256;
  static constexpr size_t kMaxPorts = 64;

  uint32_t id = 0;  // index in the table
  core::MacAddr mac;
  bool randomized = false;  // locally administered address
  std::string vendor;
  core::TimeNs first_seen = 0;
  core::TimeNs last_seen = 0;
  uint64_t pkts_out = 0, pkts_in = 0, bytes_out = 0, bytes_in = 0;
  uint32_t flows_initiated = 0, flows_accepted = 0;

  std::vector<DeviceAddress> addresses;
  std::string hostname;
  std::string hostname_source;  // dhcp, dhcp-fqdn, mdns, lldp, dhcpv6-fqdn
  DhcpFingerprint dhcp;
  std::vector<std::string> dns_names;      // names it resolves (unicast DNS queries)
  std::vector<std::string> mdns_services;  // service types it announces
  std::vector<std::string> mdns_names;     // instance/host names it announces
  std::vector<std::string> ssdp_servers;   // SERVER headers
  std::vector<std::string> upnp_locations;
  std::vector<std::string> user_agents;  // HTTP and SSDP User-Agent
  std::vector<std::string> http_hosts;
  std::vector<std::string> tls_sni;
  std::vector<std::string> ja3;
  std::vector<std::string> ja4;
  std::string mud_url;
  std::string mud_url_source;  // dhcp, dhcpv6, lldp
  std::string lldp_system;
  std::vector<Peer> peers;      // remote addresses it talks to (by flows)
  std::vector<PortUse> ports;   // destination ports of flows it starts
  std::vector<PortUse> served;  // local ports others connect to
  uint32_t remote_sources = 0;  // distinct non-local source IPs seen from this MAC (routers)
  bool truncated_sets = false;  // some set hit its bound

  DeviceClass cls = DeviceClass::kUnknown;
  int class_score = 0;
  std::vector<Evidence> evidence;
  ClassMemo class_memo;

  // Change tracking for `device` events.
  bool is_new = true;
  bool reported = false;  // a device event has been written
  core::TimeNs last_reported = 0;
  std::vector<std::string> changed;  // fields changed since the last event
};

}  // namespace sekisho::inventory
