#pragma once
// The watch pipeline for one packet thread: capture -> decode -> flow -> inventory -> events.
#include <cstdint>
#include <memory>

#include "capture/packet_source.h"
#include "decode/decoder.h"
#include "detect/engine.h"
#include "flow/flow_table.h"
#include "inventory/classify.h"
#include "inventory/device_table.h"
#include "inventory/oui.h"
#include "output/eve_writer.h"
#include "watch/flow_observer.h"

namespace sekisho::watch {

struct PipelineConfig {
  flow::FlowConfig flow;
  inventory::DeviceTableConfig devices;
};

struct PipelineStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  core::TimeNs first_ts = 0;
  core::TimeNs last_ts = 0;
};

class Pipeline {
 public:
  // `eve` may be null (no event output). The registries must outlive the pipeline.
  Pipeline(const PipelineConfig& cfg, const inventory::OuiRegistry* oui, const inventory::Classifier* classifier,
           output::EveWriter* eve);

  // Who follows new flows and DNS answers (policy checks, learning); may be null, must
  // outlive the pipeline.
  void set_observer(FlowObserver* o) { observer_ = o; }
  // The detectors (issue alerts); may be null, must outlive the pipeline.
  void set_detectors(detect::Engine* e) { detect_ = e; }

  void process(const capture::RawPacket& pkt);
  // Advances time without a packet (live capture idle): expires flows.
  void tick(core::TimeNs now);
  // End of input: ends every flow and emits pending device events.
  void finish();

  const decode::DecoderStats& decoder_stats() const { return decoder_.stats(); }
  const flow::FlowStats& flow_stats() const { return flows_.stats(); }
  const inventory::DeviceTable& devices() const { return devices_; }
  const PipelineStats& stats() const { return stats_; }
  size_t flow_memory_bytes() const { return flows_.memory_bytes(); }

 private:
  void emit_device_changes(core::TimeNs now, core::TimeNs min_gap);
  void observe(const flow::FlowTable::Update& u);

  // Least time between two `updated` events of one device.
  static constexpr core::TimeNs kDeviceUpdateGap = 30 * core::kNsPerSec;
  core::TimeNs next_device_check_ = 0;

  output::EveWriter* eve_;
  decode::Decoder decoder_;
  decode::PacketView pv_;
  inventory::DeviceTable devices_;
  flow::FlowTable flows_;
  PipelineStats stats_;
  FlowObserver* observer_ = nullptr;
  detect::Engine* detect_ = nullptr;
  std::unique_ptr<decode::DnsMessage> dns_full_;  // DNS answers the observer wants, parsed in full
};

}  // namespace sekisho::watch
