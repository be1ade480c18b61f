#include "detect/engine.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "core/json_writer.h"
#include "flow/community_id.h"

namespace sekisho::detect {

const char* where_name(Where w) {
  switch (w) {
    case Where::kOutbound: return "outbound";
    case Where::kInbound: return "inbound";
    case Where::kInternal: return "internal";
    default: return "other";
  }
}

namespace {
uint32_t v4_host(const core::IpAddr& a) {
  return (uint32_t{a.b[0]} << 24) | (uint32_t{a.b[1]} << 16) | (uint32_t{a.b[2]} << 8) | a.b[3];
}
}  // namespace

core::Result<std::unique_ptr<Engine>> Engine::create(const DetectConfig& cfg, std::span<const DetectorEntry> entries) {
  std::unique_ptr<Engine> e(new Engine());
  std::vector<std::string_view> names;
  names.push_back("policy");  // raised by watch through report(), settings only
  for (const auto& entry : entries) names.push_back(entry.name);
  if (auto s = cfg.check_tables(names); !s) return s.error();
  for (std::string_view n : names) {
    auto st = cfg.settings(n);
    if (!st) return st.error();
    e->settings_.emplace_back(n, st.value());
  }
  for (const auto& entry : entries) {
    const DetectorSettings* s = nullptr;
    for (const auto& [n, st] : e->settings_)
      if (n == entry.name) s = &st;
    if (s && !s->enabled) continue;
    ConfigView view = cfg.view(entry.name);
    auto d = entry.make(view);
    if (!d) return d.error();
    if (auto f = view.finish(); !f) return f.error();
    e->slots_.push_back(Slot{&entry, std::move(d.value())});
  }
  for (auto& s : e->slots_) {
    const uint32_t want = s.det->interests();
    for (int c = 0; c < kClasses; ++c)
      if (want & (1u << c)) e->dispatch_[c].push_back({s.det.get(), &s});
  }
  for (const auto& p : cfg.local_networks) {
    if (p.net.is_v4()) {
      const uint32_t mask = p.len == 0 ? 0 : ~uint32_t{0} << (32 - p.len);
      e->v4_local_.emplace_back(v4_host(p.net) & mask, mask);
    } else {
      e->v6_local_.push_back(p);
    }
  }
  e->suppress_ns_ = core::TimeNs(cfg.suppress_seconds) * core::kNsPerSec;
  e->error_log_ = [](const std::string& m) { std::fprintf(stderr, "sekisho: %s\n", m.c_str()); };
  return e;
}

Engine::~Engine() = default;

bool Engine::is_local(const core::IpAddr& a) const {
  if (a.is_v4()) {
    const uint32_t h = v4_host(a);
    for (const auto& [net, mask] : v4_local_)
      if ((h & mask) == net) return true;
    return false;
  }
  if (a.family != 6) return false;
  for (const auto& p : v6_local_)
    if (p.contains(a)) return true;
  return false;
}

Where Engine::where(const core::IpAddr& src, const core::IpAddr& dst, bool* src_local, bool* dst_local) const {
  const bool s = is_local(src), d = is_local(dst);
  *src_local = s;
  *dst_local = d;
  if (s && d) return Where::kInternal;
  if (s) return dst.family ? Where::kOutbound : Where::kOther;
  if (d) return src.family ? Where::kInbound : Where::kOther;
  return Where::kOther;
}

void Engine::drop(Slot& s) {
  for (auto& list : dispatch_)
    list.erase(std::remove_if(list.begin(), list.end(), [&s](const Dispatch& d) { return d.slot == &s; }), list.end());
}

void Engine::failed(Slot& s, const char* what) {
  s.running = false;
  drop(s);
  ++stats_.detector_errors;
  if (error_log_) error_log_("detector " + std::string(s.entry->name) + " failed and is switched off: " + what);
}

void Engine::on_packet(const decode::PacketView& pv, const flow::Flow* f, int dir, bool created, uint32_t src_dev1,
                       uint32_t dst_dev1, const inventory::DeviceTable& devices) {
  devices_ = &devices;
  // About once a second of packet time. Packet time can also go back (capture files of
  // other dates read in one run): the ticks follow it instead of waiting for the old time.
  if (pv.ts >= next_tick_ || pv.ts < next_tick_ - 2 * core::kNsPerSec) {
    if (next_tick_ != 0) on_tick(pv.ts, devices);
    next_tick_ = pv.ts - pv.ts % core::kNsPerSec + core::kNsPerSec;
  }
  if (pv.ts > last_ts_) last_ts_ = pv.ts;
  PacketContext ctx{pv, f, dir, created, src_dev1, dst_dev1, Where::kOther, false, false, devices};
  int cls = 4;
  if (pv.l3 == decode::L3::kIpv4 || pv.l3 == decode::L3::kIpv6) {
    ctx.where = where(pv.src_ip, pv.dst_ip, &ctx.src_local, &ctx.dst_local);
    namespace tf = decode::tcp;
    cls = pv.ip_proto == decode::ipproto::kTcp
              ? ((pv.tcp_flags & (tf::kAck | tf::kSyn | tf::kFin | tf::kRst)) == tf::kAck && pv.payload_len == 0 &&
                         pv.has_l4
                     ? 5
                     : 0)
          : pv.ip_proto == decode::ipproto::kUdp                                             ? 1
          : pv.ip_proto == decode::ipproto::kIcmp || pv.ip_proto == decode::ipproto::kIcmpv6 ? 2
                                                                                             : 3;
  }
  // One try around the loop: a throw names the detector at i, which leaves the lists
  // (the next one moves to i) and the loop goes on.
  const std::vector<Dispatch>& list = dispatch_[cls];
  size_t i = 0;
  while (i < list.size()) {
    try {
      for (; i < list.size(); ++i) list[i].det->on_packet(ctx, *this);
    } catch (const std::exception& e) {
      failed(*list[i].slot, e.what());
    } catch (...) {
      failed(*list[i].slot, "unknown error");
    }
  }
}

void Engine::on_tick(core::TimeNs now, const inventory::DeviceTable& devices) {
  devices_ = &devices;
  if (now > last_ts_) last_ts_ = now;
  for (auto& s : slots_) {
    if (!s.running) continue;
    try {
      s.det->on_tick(now, devices, *this);
    } catch (const std::exception& e) {
      failed(s, e.what());
    } catch (...) {
      failed(s, "unknown error");
    }
  }
}

void Engine::on_finish(core::TimeNs now, const inventory::DeviceTable& devices) {
  devices_ = &devices;
  for (auto& s : slots_) {
    if (!s.running) continue;
    try {
      s.det->on_finish(now, devices, *this);
    } catch (const std::exception& e) {
      failed(s, e.what());
    } catch (...) {
      failed(s, "unknown error");
    }
  }
}

const DetectorSettings* Engine::settings_for(uint32_t signature_id) const {
  const SignatureInfo* sig = find_signature(signature_id);
  if (!sig) return nullptr;
  for (const auto& [n, st] : settings_)
    if (n == sig->detector) return &st;
  return nullptr;
}

void Engine::raise(Alert&& a) {
  const SignatureInfo* sig = find_signature(a.signature_id);
  if (!sig) return;  // a detector bug; never an unknown id on the output
  const DetectorSettings* st = settings_for(a.signature_id);
  if (st && !st->enabled) return;
  const inventory::Device* dev = nullptr;
  if (devices_ && a.device1 && a.device1 <= devices_->devices().size()) dev = &devices_->devices()[a.device1 - 1];
  if (dev && a.mac.is_zero()) a.mac = dev->mac;

  // One alert per (signature, device, subject) per suppression interval.
  const uint64_t dev_key = !a.mac.is_zero() ? a.mac.as_u64() : addr_key(a.device_ip);
  const uint64_t key = mix64(mix64(a.signature_id ^ (dev_key << 20)) ^ a.subkey) | 1;
  bool created = false;
  Recent& r = recent_.touch(key, a.ts, &created);
  if (!created && suppress_ns_ > 0 && a.ts - r.last < suppress_ns_ && a.ts >= r.last) {
    ++r.repeats;
    ++stats_.suppressed;
    return;
  }
  r.last = a.ts;
  r.repeats = 0;

  ++stats_.alerts;
  auto it = std::lower_bound(by_sig_.begin(), by_sig_.end(), a.signature_id,
                             [](const auto& p, uint32_t id) { return p.first < id; });
  if (it == by_sig_.end() || it->first != a.signature_id) it = by_sig_.insert(it, {a.signature_id, 0});
  ++it->second;

  const Action action = st ? st->action_for(dev ? dev->cls : inventory::DeviceClass::kUnknown) : Action::kAlert;
  std::string response;
  if (action == Action::kQuarantine) {
    if (a.mac.is_zero()) {
      response = "no device address to quarantine";
    } else if (!responder_) {
      response = "not enforced (no gateway attached)";
    } else if (!quarantined_.insert(a.mac.as_u64()).second) {
      response = "already quarantined";
    } else if (core::Status s = responder_->quarantine(a.mac, a); s) {
      ++stats_.quarantines;
      response = "quarantined";
    } else {
      ++stats_.quarantine_errors;
      quarantined_.erase(a.mac.as_u64());
      response = "quarantine failed: " + s.error().message();
    }
  }
  if (output_) output_(a, format_alert(a, *sig, action, dev, response));
}

std::string default_config_toml(std::span<const DetectorEntry> entries) {
  std::string out =
      "# sekisho's detection config with every key at its default (`sekisho watch --print-config`).\n"
      "# Each detector also takes enabled = true|false, action = \"alert\"|\"quarantine\" and\n"
      "# action_by_class = { CLASS = \"alert\"|\"quarantine\", ... }. See docs/DETECT.md.\n\n"
      "[detect]\n"
      "local_networks = [\"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\", \"169.254.0.0/16\", \"fc00::/7\", "
      "\"fe80::/10\"]\n"
      "suppress_seconds = 600\n";
  auto section = [&out](std::string_view name, std::string_view summary,
                        const std::vector<std::pair<std::string, std::string>>& keys) {
    out += "\n# " + std::string(summary) + "\n[detect." + std::string(name) + "]\nenabled = true\naction = \"alert\"\n";
    for (const auto& [k, v] : keys) out += k + " = " + v + "\n";
  };
  section("policy", "traffic outside a device's MUD profile (watch --policy*, docs/MUD.md)", {});
  for (const auto& e : entries) {
    ConfigView v(nullptr, "defaults: detect." + std::string(e.name));
    (void)e.make(v);
    section(e.name, e.summary, v.defaults());
  }
  return out;
}

std::vector<Engine::DetectorState> Engine::detectors() const {
  std::vector<DetectorState> out;
  for (const auto& s : slots_) out.push_back({s.entry->name, s.running, s.det->state_bytes()});
  return out;
}

std::vector<std::pair<uint32_t, uint64_t>> Engine::alerts_by_signature() const { return by_sig_; }

std::string format_alert(const Alert& a, const SignatureInfo& sig, Action action, const inventory::Device* device,
                         std::string_view response) {
  std::string out;
  out.reserve(512 + a.evidence.size());
  core::JsonWriter w(out);
  char buf[64];
  core::format_eve_time(a.ts, buf);
  w.begin_object();
  w.field("timestamp", std::string_view(buf, 31));
  if (a.flow_id) w.field("flow_id", a.flow_id);
  w.field("event_type", "alert");
  if (a.src_ip.family) w.field("src_ip", a.src_ip.to_string());
  if (a.proto == 6 || a.proto == 17) w.field("src_port", uint32_t{a.src_port});
  if (a.dst_ip.family) w.field("dest_ip", a.dst_ip.to_string());
  if (a.proto == 6 || a.proto == 17) w.field("dest_port", uint32_t{a.dst_port});
  if (a.proto) w.field("proto", core::ip_proto_name(a.proto, buf));
  if (a.src_ip.family && a.dst_ip.family && (a.proto == 6 || a.proto == 17 || a.proto == 1 || a.proto == 58)) {
    char cid[flow::kCommunityIdLen];
    flow::community_id_v1_into(a.src_ip, a.dst_ip, a.src_port, a.dst_port, a.proto, cid);
    w.field("community_id", std::string_view(cid, sizeof cid));
  }
  if (!a.mac.is_zero()) {
    a.mac.format(buf);
    w.field("mac", std::string_view(buf, 17));
  }
  w.field("direction", where_name(a.where));
  w.key("alert").begin_object();
  w.field("action", action_name(action));
  w.field("signature_id", uint64_t{sig.id});
  w.field("signature", a.signature.empty() ? sig.name : std::string_view(a.signature));
  w.field("category", sig.category);
  w.field("severity", uint64_t(sig.severity));
  w.field("detector", sig.detector);
  w.key("key_points").begin_array();
  std::string_view kp = sig.key_points;
  while (!kp.empty()) {
    auto comma = kp.find(',');
    w.value(kp.substr(0, comma));
    kp = comma == std::string_view::npos ? std::string_view() : kp.substr(comma + 1);
  }
  w.end_array();
  if (!response.empty()) w.field("response", response);
  w.end_object();
  w.key("device").begin_object();
  if (!a.mac.is_zero()) {
    a.mac.format(buf);
    w.field("mac", std::string_view(buf, 17));
  }
  if (a.device_ip.family) w.field("ip", a.device_ip.to_string());
  if (device) {
    if (!device->vendor.empty()) w.field("vendor", device->vendor);
    if (!device->hostname.empty()) w.field("hostname", device->hostname);
    w.field("class", inventory::class_name(device->cls));
    if (device->randomized) w.field("randomized_mac", true);
  }
  w.end_object();
  if (!a.evidence.empty()) {
    w.key("evidence");
    out += '{';
    out += a.evidence;
    out += '}';
  }
  w.end_object();
  return out;
}

}  // namespace sekisho::detect
