#pragma once
// The ruleset compiler: bound devices + gateway configuration -> the text of one nftables
// table, `table inet sekisho`, applied in one transaction. Pure functions, no I/O, so the
// whole layout is unit-tested without root. docs/ENFORCE.md describes the layout.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.h"
#include "core/result.h"
#include "policy/compiled.h"

namespace sekisho::enforce {

inline constexpr std::string_view kTableFamily = "inet";
inline constexpr std::string_view kTableName = "sekisho";

// What the gateway does with a bound device's traffic. Switchable at run time without a
// rebuild (set_mode), see mode_update_text().
enum class Mode : uint8_t {
  kAllow,       // allow-list: the policy's rules, everything else dropped
  kQuarantine,  // only DHCP, DNS and the console on the gateway itself; nothing forwarded
  kPause,       // pause-internet: traffic within the local networks flows, nothing beyond
  kBlock,       // nothing, not even DHCP
  kMonitor,     // no filtering
};

std::string_view mode_name(Mode mode);
// "allow", "allow-list", "quarantine", "pause", "pause-internet", "block", "monitor".
std::optional<Mode> parse_mode(std::string_view text);

struct Prefix {
  core::IpAddr net;
  uint8_t len = 0;
  static std::optional<Prefix> parse(std::string_view text);  // "10.0.0.0/8", "fd00::/8", a bare address
  std::string to_string() const;                              // host bits cleared
};

// A device the gateway enforces a policy on. `mac` is what the device is bound by; the
// policy may be empty (a device only quarantined or paused).
struct BoundDevice {
  core::MacAddr mac;
  std::vector<core::IpAddr> addrs;  // current addresses, for to-device matching
  policy::DevicePolicy policy;
  Mode mode = Mode::kAllow;
};

// A device seen on the LAN but not bound (or bound, the compiler merges both): the
// manufacturer / model / same-manufacturer abstractions resolve to these addresses.
struct KnownDevice {
  core::MacAddr mac;
  std::string mud_url;
  std::vector<core::IpAddr> addrs;
};

// An address a device's DNS name resolved to (from an answer the device received).
struct DnsBinding {
  core::MacAddr device;
  std::string name;
  core::IpAddr addr;
  uint32_t ttl_s = 0;  // 0: no timeout
};

struct GatewayConfig {
  std::vector<std::string> lan_ifs;    // at least one
  std::vector<Prefix> local_networks;  // the ietf-mud "local-networks"
  std::vector<core::IpAddr> gateway_addrs;
  uint16_t console_port = 0;  // 0: no console rule
  // Controller URI/URN -> addresses. my-controller looks up the device's MUD URL here.
  // urn:ietf:params:mud:gateway and urn:ietf:params:mud:dns default to gateway_addrs.
  std::map<std::string, std::vector<core::IpAddr>> controllers;
  std::vector<KnownDevice> inventory;
  std::vector<DnsBinding> dns;  // initial DNS-name set contents
};

struct CompiledRuleset {
  std::string text;                   // `nft -f` input, one transaction
  std::vector<std::string> warnings;  // rules that cannot be enforced here, unresolved names
};

// Fails (naming the device or option) on: no LAN interface, an invalid interface name, a
// MAC bound twice, one address claimed by two devices.
core::Result<CompiledRuleset> compile_ruleset(const std::vector<BoundDevice>& devices, const GatewayConfig& config);

// The addresses an abstraction peer (manufacturer, same-manufacturer, model, controller,
// my-controller) resolves to for `self`. Others (local-networks is a set of prefixes): empty.
std::vector<core::IpAddr> resolve_abstraction(const policy::Peer& peer, const policy::DevicePolicy& self,
                                              const std::vector<BoundDevice>& devices, const GatewayConfig& config);

// Names inside the table, derived from the MAC (and DNS name) alone so that a separate
// invocation can update a live table without knowing how it was compiled.
std::string device_tag(const core::MacAddr& mac);  // "d_001788aabbcc"
std::string dns_set_name(const core::MacAddr& mac, std::string_view dns_name, int family);

// Incremental updates, each one nft transaction.
std::string mode_update_text(const core::MacAddr& mac, Mode mode);
// Quarantine of a device with no bound policy: map elements of the dispatch maps.
std::string quarantine_unbound_text(const core::MacAddr& mac, const std::vector<core::IpAddr>& addrs);
core::Result<std::string> dns_binding_text(const core::MacAddr& mac, std::string_view dns_name,
                                           const core::IpAddr& addr, uint32_t ttl_s);
// Several bindings, one transaction (dns_binding_text of each, in order).
core::Result<std::string> dns_bindings_text(const std::vector<DnsBinding>& bindings);
// Deletes the table; succeeds when there is none.
std::string remove_text();

}  // namespace sekisho::enforce
