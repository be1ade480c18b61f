#include "enforce/dry_run_enforcer.h"

namespace sekisho::enforce {

core::Status DryRunEnforcer::write(const std::string& text) {
  out_ << text;
  out_.flush();
  if (!out_) return core::make_error(core::ErrorCode::kIo, "dry-run output", "write failed");
  return {};
}

core::Status DryRunEnforcer::apply(const std::string& ruleset) { return write(ruleset); }

core::Status DryRunEnforcer::add_dns_binding(const core::MacAddr& device, const std::string& dns_name,
                                             const core::IpAddr& addr, uint32_t ttl_s) {
  auto text = dns_binding_text(device, dns_name, addr, ttl_s);
  if (!text) return text.error();
  return write(*text);
}

core::Status DryRunEnforcer::add_dns_bindings(const std::vector<DnsBinding>& bindings) {
  if (bindings.empty()) return {};
  auto text = dns_bindings_text(bindings);
  if (!text) return text.error();
  return write(*text);
}

core::Status DryRunEnforcer::set_mode(const core::MacAddr& device, Mode mode) {
  return write(mode_update_text(device, mode));
}

core::Status DryRunEnforcer::quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) {
  return write(quarantine_unbound_text(device, addrs));
}

core::Status DryRunEnforcer::remove() { return write(remove_text()); }

}  // namespace sekisho::enforce
