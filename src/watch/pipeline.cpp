#include "watch/pipeline.h"

namespace sekisho::watch {

Pipeline::Pipeline(const PipelineConfig& cfg, const inventory::OuiRegistry* oui,
                   const inventory::Classifier* classifier, output::EveWriter* eve)
    : eve_(eve),
      devices_(cfg.devices, oui, classifier, core::HashKey::random()),
      flows_(cfg.flow, core::HashKey::random(), [this](const flow::Flow& f, flow::EndReason why) {
        if (eve_) eve_->flow(f, why);
      }) {}

void Pipeline::process(const capture::RawPacket& pkt) {
  ++stats_.packets;
  stats_.bytes += pkt.caplen;
  if (stats_.first_ts == 0 || pkt.ts < stats_.first_ts) stats_.first_ts = pkt.ts;
  if (pkt.ts > stats_.last_ts) stats_.last_ts = pkt.ts;

  decoder_.decode(pkt.data, pkt.caplen, pkt.wirelen, pkt.linktype, pkt.ts, pv_);
  flow::FlowTable::Update u = flows_.update(pv_);
  flow::Flow* f = u.flow;
  // Fast path: a packet of a known flow whose devices are known and that carries nothing
  // identifying only moves counters. Everything else (a flow's first packet each way,
  // application records, NDP, non-IP) takes the full inventory path.
  uint32_t src_dev1, dst_dev1;
  if (f && !u.created && f->pkts[u.dir] > 1 && f->device[u.dir] && pv_.app == decode::AppKind::kNone && !pv_.has_ndp) {
    src_dev1 = f->device[u.dir];
    dst_dev1 = f->device[1 - u.dir];
    devices_.count(src_dev1, dst_dev1, pv_);
  } else {
    src_dev1 = devices_.observe(pv_);
    if (f) {
      if (!f->device[u.dir]) f->device[u.dir] = src_dev1;
      if (u.created) {
        f->device[1] = pv_.has_eth ? devices_.find(pv_.dst_mac) : 0;
        devices_.on_new_flow(src_dev1, f->device[1], pv_.dst_ip, pv_.ip_proto, pv_.dst_port);
      }
      dst_dev1 = f->device[1 - u.dir];
    } else {
      dst_dev1 = detect_ && pv_.has_eth && !pv_.dst_mac.is_multicast() ? devices_.find(pv_.dst_mac) : 0;
    }
  }
  if (observer_) observe(u);
  if (detect_) detect_->on_packet(pv_, f, u.dir, u.created, src_dev1, dst_dev1, devices_);
  if (eve_ && pv_.app != decode::AppKind::kNone) eve_->packet(pv_, f);
  // New devices are reported at once; updates at most once per kDeviceUpdateGap per device
  // (checked once a second of packet time).
  if (devices_.has_new() || (devices_.has_changes() && pv_.ts >= next_device_check_)) {
    emit_device_changes(pv_.ts, kDeviceUpdateGap);
    next_device_check_ = pv_.ts + core::kNsPerSec;
  }
}

// DNS answers go to the observer if it wants the receiver's (the decoder parsed responses
// only as deep as the inventory needs, so they are parsed again here, in full); so does
// the first packet of each flow.
void Pipeline::observe(const flow::FlowTable::Update& u) {
  if (pv_.app == decode::AppKind::kDns && pv_.dns && pv_.dns->is_response && pv_.has_eth &&
      observer_->wants_dns(pv_.dst_mac)) {
    if (!dns_full_) dns_full_ = std::make_unique<decode::DnsMessage>();
    if (decode::parse_dns(pv_.payload, pv_.payload_len, *dns_full_, decode::DnsDepth::kFull) ==
        decode::ParseStatus::kOk)
      observer_->on_dns_answer(pv_.dst_mac, *dns_full_, pv_.ts);
  }
  if (u.created && u.flow) observer_->on_new_flow(pv_, *u.flow, devices_);
}

void Pipeline::emit_device_changes(core::TimeNs now, core::TimeNs min_gap) {
  devices_.drain_changes(now, min_gap, [this, now](const inventory::Device& d) {
    if (eve_) eve_->device(d, now);
  });
}

void Pipeline::tick(core::TimeNs now) {
  flows_.expire(now);
  if (detect_) detect_->on_tick(now, devices_);
  if (devices_.has_changes()) emit_device_changes(now, kDeviceUpdateGap);
}

void Pipeline::finish() {
  if (detect_) detect_->on_finish(stats_.last_ts, devices_);
  flows_.flush();
  // The last word on every device: pending updates go out whatever their age.
  if (devices_.has_changes()) emit_device_changes(stats_.last_ts, 0);
}

}  // namespace sekisho::watch
