#pragma once
// The gateway's answer to a detection: an alert whose action is quarantine switches the
// device to quarantine in the live table, by one map-element update (set_mode) when the
// device is bound, else by adding it to the dispatch maps with the quarantine verdicts
// (quarantine_unbound).
#include <mutex>
#include <set>

#include "detect/engine.h"
#include "enforce/enforcer.h"

namespace sekisho::enforce {

class GatewayResponder final : public detect::Responder {
 public:
  // `bound`: the MACs the applied table binds. `enforcer` outlives the responder.
  GatewayResponder(Enforcer& enforcer, std::set<core::MacAddr> bound) : enforcer_(enforcer), bound_(std::move(bound)) {}

  core::Status quarantine(const core::MacAddr& device, const detect::Alert& why) override;

 private:
  Enforcer& enforcer_;
  std::set<core::MacAddr> bound_;
};

// One Enforcer shared by threads (the DNS follower's capture and the detectors'): every
// call holds one lock, so transactions never interleave on the libnftables context.
class SerialEnforcer final : public Enforcer {
 public:
  explicit SerialEnforcer(Enforcer& inner) : inner_(inner) {}
  core::Status apply(const std::string& ruleset) override {
    std::lock_guard<std::mutex> l(mu_);
    return inner_.apply(ruleset);
  }
  core::Status add_dns_binding(const core::MacAddr& device, const std::string& dns_name, const core::IpAddr& addr,
                               uint32_t ttl_s) override {
    std::lock_guard<std::mutex> l(mu_);
    return inner_.add_dns_binding(device, dns_name, addr, ttl_s);
  }
  core::Status add_dns_bindings(const std::vector<DnsBinding>& bindings) override {
    std::lock_guard<std::mutex> l(mu_);
    return inner_.add_dns_bindings(bindings);
  }
  core::Status set_mode(const core::MacAddr& device, Mode mode) override {
    std::lock_guard<std::mutex> l(mu_);
    return inner_.set_mode(device, mode);
  }
  core::Status quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) override {
    std::lock_guard<std::mutex> l(mu_);
    return inner_.quarantine_unbound(device, addrs);
  }
  core::Status remove() override {
    std::lock_guard<std::mutex> l(mu_);
    return inner_.remove();
  }

 private:
  Enforcer& inner_;
  std::mutex mu_;
};

}  // namespace sekisho::enforce
