#pragma once
// The compiled form of a device's policy: what `watch` evaluates per flow and what
// `enforce` turns into nftables. A MUD file (policy/mud), a learned profile or a class
// default all compile to this; nothing here knows JSON.
#include <cstdint>
#include <string>
#include <vector>

#include "core/net.h"

namespace sekisho::policy {

// Which MUD policy an ACE came from: from-device ACEs match packets the device sends,
// to-device ACEs match packets it receives.
enum class Direction : uint8_t { kFromDevice, kToDevice };

// ietf-mud:direction-initiated (TCP only): which side may open the connection.
enum class Initiator : uint8_t { kEither, kDevice, kRemote };

// The remote end of a rule. Everything but kAny/kNetwork is resolved at run time to a set
// of addresses: DNS names from the answers the device itself received, the abstractions
// from the inventory and the operator's configuration.
enum class PeerKind : uint8_t {
  kAny,               // the ACE names no peer
  kNetwork,           // destination-/source-ipv4-network or -ipv6-network: net/prefix
  kDnsName,           // ietf-acldns:dst-dnsname / src-dnsname: name
  kLocalNetworks,     // the operator's LAN prefixes
  kManufacturer,      // devices whose MUD URL authority is name
  kSameManufacturer,  // devices whose MUD URL authority is this device's (name holds it)
  kModel,             // devices whose MUD URL is name
  kController,        // the controllers the operator maps to the URI/URN in name
  kMyController,      // the controllers the operator configured for this device's MUD URL
};

struct Peer {
  PeerKind kind = PeerKind::kAny;
  std::string name;    // DNS name, manufacturer authority, model URL or controller URI
  core::IpAddr net;    // kNetwork
  uint8_t prefix = 0;  // kNetwork: prefix length
};

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 65535;
  bool any() const { return lo == 0 && hi == 65535; }
  bool contains(uint16_t p) const { return p >= lo && p <= hi; }
};

// One ACE. Ports are as seen in packets of the ACE's direction: for a from-device rule
// dst_port is the remote's port; for a to-device rule src_port is the remote's port.
struct Rule {
  std::string acl;  // ACL name, for reports ("nearest ACE")
  std::string ace;  // ACE name
  Direction direction = Direction::kFromDevice;
  uint8_t family = 0;      // 0 any, 4 or 6
  uint16_t ethertype = 0;  // ethernet-acl-type: the ethertype matched, 0 when not an eth rule
  uint8_t protocol = 0;    // IP protocol number, 0 any
  Peer peer;
  PortRange src_port;
  PortRange dst_port;
  int16_t icmp_type = -1;  // -1 any
  int16_t icmp_code = -1;
  Initiator initiated = Initiator::kEither;
  bool accept = true;  // forwarding accept (MUD) or drop/reject
};

// A device's whole policy. Rules are in file order; what no rule accepts is denied.
struct DevicePolicy {
  core::MacAddr mac;
  std::string mud_url;  // the file's mud-url; empty for learned profiles and class defaults
  std::string source;   // where it came from: a file path, "learned", "class:camera"
  std::vector<Rule> rules;
};

}  // namespace sekisho::policy
