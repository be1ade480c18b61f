#include "enforce/gateway_responder.h"

namespace sekisho::enforce {

core::Status GatewayResponder::quarantine(const core::MacAddr& device, const detect::Alert& why) {
  if (bound_.count(device)) return enforcer_.set_mode(device, Mode::kQuarantine);
  std::vector<core::IpAddr> addrs;
  if (!why.device_ip.empty()) addrs.push_back(why.device_ip);
  return enforcer_.quarantine_unbound(device, addrs);
}

}  // namespace sekisho::enforce
