#pragma once
// Enforcer: where a compiled ruleset goes. Backends: nftables (libnftables, the real
// gateway), dry-run (the text to a stream) and a fake for tests (records the calls).
#include <cstdint>
#include <string>
#include <vector>

#include "core/net.h"
#include "core/result.h"
#include "enforce/ruleset.h"

namespace sekisho::enforce {

class Enforcer {
 public:
  virtual ~Enforcer() = default;

  // Replaces the whole table in one transaction. On error the previous table stays.
  virtual core::Status apply(const std::string& ruleset) = 0;
  // Adds (or refreshes) an address `device` resolved `dns_name` to; ttl_s 0: no timeout.
  virtual core::Status add_dns_binding(const core::MacAddr& device, const std::string& dns_name,
                                       const core::IpAddr& addr, uint32_t ttl_s) = 0;
  // Several of those in one transaction: all of them or, on error, none. Empty: no-op.
  virtual core::Status add_dns_bindings(const std::vector<DnsBinding>& bindings) = 0;
  // The fast path: switches a bound device's mode by element updates, no rebuild.
  virtual core::Status set_mode(const core::MacAddr& device, Mode mode) = 0;
  // Quarantines a device the table does not bind (no policy): its frames and, by `addrs`,
  // the packets sent to it get the quarantine verdicts. Fails if the device is bound
  // (use set_mode) or the table is absent.
  virtual core::Status quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) = 0;
  // Deletes the table: traffic flows unfiltered. Succeeds when there is none.
  virtual core::Status remove() = 0;
};

}  // namespace sekisho::enforce
