#pragma once
// What the pipeline tells whoever follows flows beyond the inventory: policy checking
// (PolicyMonitor) and profile learning (MudLearner).
#include "core/net.h"
#include "core/time.h"
#include "decode/app/app.h"
#include "decode/packet_view.h"
#include "flow/flow.h"
#include "inventory/device_table.h"

namespace sekisho::watch {

class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  // Whether DNS answers `receiver` gets matter; those are parsed in full and passed on.
  virtual bool wants_dns(const core::MacAddr& receiver) const = 0;
  virtual void on_dns_answer(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) = 0;
  // The first packet of a new flow, after the inventory has seen it.
  virtual void on_new_flow(const decode::PacketView& pv, const flow::Flow& f,
                           const inventory::DeviceTable& devices) = 0;
};

}  // namespace sekisho::watch
