#pragma once
// The typed model of an RFC 8520 MUD file: the `ietf-mud:mud` container and the
// RFC 8519 ACLs it points to. It holds meaning, not spelling: a draft-era file
// (`access-lists`, `acl-name`, `ipv4-acl`, ...) and its RFC rewrite give equal models,
// which is what the parse -> write -> parse round trip checks.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.h"
#include "policy/compiled.h"

namespace sekisho::policy {

// RFC 8519 acl-type identities.
enum class AclType : uint8_t { kIpv4, kIpv6, kEth, kMixedEthIpv4, kMixedEthIpv6, kMixedEthIpv4Ipv6 };

enum class Forwarding : uint8_t { kAccept, kDrop, kReject };

// RFC 8519 port-range-or-operator: an operator and a port, or a range.
enum class PortOperator : uint8_t { kEq, kLte, kGte, kNeq, kRange };

// The six RFC 8520 abstractions of `matches/ietf-mud:mud`.
enum class Abstraction : uint8_t {
  kManufacturer,
  kSameManufacturer,
  kModel,
  kLocalNetworks,
  kController,
  kMyController
};
inline constexpr size_t kAbstractionCount = 6;

struct IpPrefix {
  core::IpAddr addr;
  uint8_t length = 0;
  bool operator==(const IpPrefix&) const = default;
};

struct PortMatch {
  PortOperator op = PortOperator::kEq;
  uint16_t port = 0;   // the operand, or lower-port for kRange
  uint16_t upper = 0;  // upper-port, kRange only
  bool operator==(const PortMatch&) const = default;
};

// matches/ipv4 or matches/ipv6 (the family is the member it sits in).
struct IpMatch {
  std::optional<uint8_t> protocol;
  std::optional<std::string> src_dnsname;  // ietf-acldns:src-dnsname
  std::optional<std::string> dst_dnsname;  // ietf-acldns:dst-dnsname
  std::optional<IpPrefix> src_network;     // source-ipv4-network / source-ipv6-network
  std::optional<IpPrefix> dst_network;
  bool operator==(const IpMatch&) const = default;
};

// matches/tcp or matches/udp.
struct TransportMatch {
  std::optional<PortMatch> src_port;
  std::optional<PortMatch> dst_port;
  std::optional<Direction> initiated;  // ietf-mud:direction-initiated, tcp only
  bool operator==(const TransportMatch&) const = default;
};

struct IcmpMatch {
  std::optional<uint8_t> type;
  std::optional<uint8_t> code;
  bool operator==(const IcmpMatch&) const = default;
};

struct EthMatch {
  std::optional<uint16_t> ethertype;
  std::optional<core::MacAddr> dst_mac;
  std::optional<core::MacAddr> src_mac;
  bool operator==(const EthMatch&) const = default;
};

// matches/ietf-mud:mud: exactly one abstraction. `value` is the manufacturer authority,
// the model URL or the controller URI/URN; empty for the YANG `empty` leaves ([null]).
struct MudMatch {
  Abstraction kind = Abstraction::kLocalNetworks;
  std::string value;
  bool operator==(const MudMatch&) const = default;
};

struct Matches {
  std::optional<IpMatch> ipv4;
  std::optional<IpMatch> ipv6;
  std::optional<TransportMatch> tcp;
  std::optional<TransportMatch> udp;
  std::optional<IcmpMatch> icmp;
  std::optional<EthMatch> eth;
  std::optional<MudMatch> mud;
  bool operator==(const Matches&) const = default;
};

struct Ace {
  std::string name;
  Matches matches;
  Forwarding forwarding = Forwarding::kAccept;
  std::optional<std::string> logging;  // actions/logging identity, kept as written
  bool operator==(const Ace&) const = default;
};

struct Acl {
  std::string name;
  std::optional<AclType> type;  // optional in RFC 8519
  std::vector<Ace> aces;
  bool operator==(const Acl&) const = default;
};

// A module-qualified member sekisho does not interpret (RFC 8520 allows augmentations),
// kept as compact JSON so that writing the file back loses nothing.
struct Augmentation {
  std::string key;
  std::string json;
  bool operator==(const Augmentation&) const = default;
};

struct MudFile {
  uint8_t mud_version = 1;
  std::string mud_url;
  std::string last_update;
  std::optional<std::string> mud_signature;
  std::optional<uint8_t> cache_validity;  // hours, 1..168; absent means the default 48
  bool is_supported = true;
  std::optional<std::string> systeminfo;
  std::optional<std::string> mfg_name;
  std::optional<std::string> model_name;
  std::optional<std::string> firmware_rev;
  std::optional<std::string> software_rev;
  std::optional<std::string> documentation;
  std::vector<std::string> extensions;
  std::vector<std::string> from_device_policy;  // ACL names, in file order
  std::vector<std::string> to_device_policy;
  std::vector<Augmentation> mud_augmentations;  // unknown members of ietf-mud:mud
  std::vector<Augmentation> top_augmentations;  // unknown top-level members
  std::vector<Acl> acls;

  const Acl* find_acl(std::string_view name) const {
    for (const auto& a : acls)
      if (a.name == name) return &a;
    return nullptr;
  }
  size_t ace_count() const {
    size_t n = 0;
    for (const auto& a : acls) n += a.aces.size();
    return n;
  }
  bool operator==(const MudFile&) const = default;
};

// Names as RFC 8520 / RFC 8519 spell them in JSON.
const char* abstraction_name(Abstraction a);
const char* acl_type_name(AclType t);
const char* forwarding_name(Forwarding f);
const char* port_operator_name(PortOperator op);  // "eq", "lte", ...; "range" for kRange

}  // namespace sekisho::policy
