#pragma once
// Fake backend for tests: records each call; `fail_next` makes the next call fail the way
// a rejected nft transaction does (nothing changes).
#include <string>
#include <vector>

#include "enforce/enforcer.h"

namespace sekisho::enforce {

class FakeEnforcer final : public Enforcer {
 public:
  struct Call {
    std::string op;      // "apply", "dns", "mode", "quarantine", "remove"
    std::string detail;  // the ruleset; "mac name addr ttl"; "mac mode"; ""
  };

  core::Status apply(const std::string& ruleset) override;
  core::Status add_dns_binding(const core::MacAddr& device, const std::string& dns_name, const core::IpAddr& addr,
                               uint32_t ttl_s) override;
  // One call (one transaction): op "dns", detail one "mac name addr ttl" line per binding.
  core::Status add_dns_bindings(const std::vector<DnsBinding>& bindings) override;
  core::Status set_mode(const core::MacAddr& device, Mode mode) override;
  core::Status quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) override;
  core::Status remove() override;

  const std::vector<Call>& calls() const { return calls_; }
  // What the last successful apply installed; empty after remove().
  const std::string& installed() const { return installed_; }
  void fail_next() { fail_next_ = true; }

 private:
  core::Status record(std::string op, std::string detail);
  std::vector<Call> calls_;
  std::string installed_;
  bool fail_next_ = false;
};

}  // namespace sekisho::enforce
