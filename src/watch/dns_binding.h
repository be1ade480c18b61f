#pragma once
// DNS-name binding from snooped answers: which addresses each device was told a name
// resolves to, and until when. MUD's dnsname ACEs name hosts, not addresses; a gateway
// that resolves them itself, once (as osMUD does), goes stale with CDNs and differs from
// what the device was told. Binding through the answers the device itself received gives
// exactly the addresses the device will use, kept for the answer's TTL (plus a grace, since
// devices often cache past it).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/net.h"
#include "core/time.h"
#include "decode/app/app.h"

namespace sekisho::watch {

struct DnsBindingConfig {
  core::TimeNs grace = 300 * core::kNsPerSec;  // kept this long past the TTL
  size_t max_per_device = 4096;                // (address, name) pairs per device
};

class DnsBindings {
 public:
  explicit DnsBindings(DnsBindingConfig cfg = {}) : cfg_(cfg) {}

  // A full DNS response that `device` received at `ts`: every A/AAAA answer is bound to
  // its owner name, to each name that leads to it through CNAMEs and to the question.
  void learn(const core::MacAddr& device, const decode::DnsMessage& m, core::TimeNs ts);

  // Whether `device` was told `name` (case-insensitive, no trailing dot) resolves to `addr`,
  // in an answer still valid at `now`.
  bool bound(const core::MacAddr& device, const core::IpAddr& addr, std::string_view name, core::TimeNs now) const;

  // The same, for a name already in normal form (normalize_dns_name): no allocation.
  bool bound_normalized(const core::MacAddr& device, const core::IpAddr& addr, std::string_view name,
                        core::TimeNs now) const;

  // The names `device` was told resolve to `addr` (valid at `now`), for reports and
  // learning: the names it asked for first, then the aliases, each group sorted.
  std::vector<std::string> names(const core::MacAddr& device, const core::IpAddr& addr, core::TimeNs now) const;

  size_t size() const;

 private:
  struct Entry {
    uint32_t name;  // index in names_ (interned: most answers refresh what is known)
    bool asked;     // the name the device asked for (a question), not an alias on the way
    core::TimeNs expires;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct AddrHash {
    size_t operator()(const core::IpAddr& a) const;
  };
  struct PerDevice {
    std::unordered_map<core::IpAddr, std::vector<Entry>, AddrHash> addrs;
    size_t count = 0;
  };
  void add(PerDevice& d, const core::IpAddr& addr, uint32_t name, core::TimeNs expires, core::TimeNs now, bool asked);
  // The id of a name, made if new and there is room (kMaxNames); UINT32_MAX if not.
  uint32_t intern(std::string_view name);

  DnsBindingConfig cfg_;
  std::unordered_map<uint64_t, PerDevice> devices_;
  static constexpr size_t kMaxNames = size_t{1} << 20;  // distinct names, all devices
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> ids_;
  std::vector<const std::string*> names_;  // id -> the key in ids_
};

// Lower case, without the trailing dot: the form names are compared in.
std::string normalize_dns_name(std::string_view name);

// The names a full DNS response binds, as DnsBindings::learn reads it (and the gateway's
// live binding, enforce/dns_follower): for every A/AAAA answer, fn(addr, name, ttl, asked)
// for its owner, then each name that leads to it through CNAMEs, then each question
// (asked = true). Names are normalized; a pair may come more than once. Nothing for a
// query or an error response (rcode != 0).
// `name` is in normal form and valid only during the call.
using DnsAnswerNameFn = std::function<void(const core::IpAddr& addr, std::string_view name, uint32_t ttl, bool asked)>;
void for_each_answer_name(const decode::DnsMessage& m, const DnsAnswerNameFn& fn);

}  // namespace sekisho::watch
