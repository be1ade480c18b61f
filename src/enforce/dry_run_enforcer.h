#pragma once
// Dry-run backend: writes every transaction it would run, as `nft -f` text, to a stream.
#include <ostream>

#include "enforce/enforcer.h"

namespace sekisho::enforce {

class DryRunEnforcer final : public Enforcer {
 public:
  explicit DryRunEnforcer(std::ostream& out) : out_(out) {}

  core::Status apply(const std::string& ruleset) override;
  core::Status add_dns_binding(const core::MacAddr& device, const std::string& dns_name, const core::IpAddr& addr,
                               uint32_t ttl_s) override;
  core::Status add_dns_bindings(const std::vector<DnsBinding>& bindings) override;
  core::Status set_mode(const core::MacAddr& device, Mode mode) override;
  core::Status quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) override;
  core::Status remove() override;

 private:
  core::Status write(const std::string& text);
  std::ostream& out_;
};

}  // namespace sekisho::enforce
