#include "enforce/fake_enforcer.h"

#include <utility>

namespace sekisho::enforce {

core::Status FakeEnforcer::record(std::string op, std::string detail) {
  calls_.push_back({op, std::move(detail)});
  if (fail_next_) {
    fail_next_ = false;
    return core::make_error(core::ErrorCode::kInternal, "fake " + op, "injected failure");
  }
  return {};
}

core::Status FakeEnforcer::apply(const std::string& ruleset) {
  core::Status s = record("apply", ruleset);
  if (s) installed_ = ruleset;
  return s;
}

core::Status FakeEnforcer::add_dns_binding(const core::MacAddr& device, const std::string& dns_name,
                                           const core::IpAddr& addr, uint32_t ttl_s) {
  return record("dns", device.to_string() + " " + dns_name + " " + addr.to_string() + " " + std::to_string(ttl_s));
}

core::Status FakeEnforcer::add_dns_bindings(const std::vector<DnsBinding>& bindings) {
  if (bindings.empty()) return {};
  std::string detail;
  for (const DnsBinding& b : bindings) {
    if (!detail.empty()) detail += '\n';
    detail += b.device.to_string() + " " + b.name + " " + b.addr.to_string() + " " + std::to_string(b.ttl_s);
  }
  return record("dns", std::move(detail));
}

core::Status FakeEnforcer::set_mode(const core::MacAddr& device, Mode mode) {
  return record("mode", device.to_string() + " " + std::string(mode_name(mode)));
}

core::Status FakeEnforcer::quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) {
  std::string detail = device.to_string();
  for (const auto& a : addrs) detail += " " + a.to_string();
  return record("quarantine", std::move(detail));
}

core::Status FakeEnforcer::remove() {
  core::Status s = record("remove", "");
  if (s) installed_.clear();
  return s;
}

}  // namespace sekisho::enforce
