// idle_device: a device not seen for `idle_days` while the monitor kept seeing the rest of
// the network: switch off (and unplug from the network) what you no longer use. Idle time
// is counted on a watch clock that advances only between packets that arrive close
// together, so a gap in the input (capture files of different dates read in one run,
// sekisho stopped for a while) never makes a device look idle. Once per device until it
// is seen again. Per packet it only keeps the clock; activity is read from the inventory's
// packet counters once a tick.
#include <algorithm>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using core::TimeNs;
constexpr TimeNs kSec = core::kNsPerSec;
constexpr double kSecPerDay = 86400.0;

struct Config {
  TimeNs idle = TimeNs(7 * 86400) * kSec;
  double idle_days = 7;
  TimeNs max_gap = 3600 * kSec;
  bool include_randomized = false;
};

class IdleDevice final : public Detector {
 public:
  explicit IdleDevice(Config cfg) : cfg_(cfg) {}

  // Per packet only the watch clock; who sent what is read from the inventory's counters
  // once a tick.
  void on_packet(const PacketContext& ctx, AlertSink&) override {
    const TimeNs ts = ctx.pv.ts;
    // A step between consecutive packets counts when it is at most max_gap forward; a
    // longer step or any step back is time nobody watched.
    if (ts > last_ts_) {
      if (last_ts_ != 0 && ts - last_ts_ <= cfg_.max_gap) observed_ += ts - last_ts_;
      last_ts_ = ts;
    } else if (last_ts_ - ts > cfg_.max_gap) {
      last_ts_ = ts;  // a jump back: go on from the new time
    }
  }

  void on_tick(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) override { check(now, devices, out); }
  void on_finish(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) override {
    check(now, devices, out);
  }

  size_t state_bytes() const override { return sizeof *this + devs_.memory_bytes(); }

 private:
  struct Dev {
    uint64_t pkts = 0;    // its pkts_out at the last check
    TimeNs last_obs = 0;  // watch-clock time it was last found sending
    bool alerted = false;
  };

  void check(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) {
    const auto& all = devices.devices();
    for (size_t i = 0; i < all.size(); ++i) {
      const inventory::Device& dev = all[i];
      if (dev.pkts_out == 0) continue;  // known only as a DHCP client address, not yet heard
      Dev& d = devs_.at(uint32_t(i + 1));
      if (dev.pkts_out != d.pkts) {  // sent since the last check: seen
        d.pkts = dev.pkts_out;
        d.last_obs = observed_;
        d.alerted = false;
        continue;
      }
      if (d.alerted || observed_ - d.last_obs < cfg_.idle) continue;
      // Private MACs rotate: the old address falls silent while the phone lives on.
      if (dev.randomized && !cfg_.include_randomized) continue;
      d.alerted = true;
      raise(now, dev, d, out);
    }
  }

  void raise(TimeNs now, const inventory::Device& dev, const Dev& d, AlertSink& out) const {
    Alert a = device_alert(sig::kIdleDevice, dev, now);
    core::JsonWriter w(a.evidence);
    w.field("idle_days", double(observed_ - d.last_obs) / kSec / kSecPerDay);
    w.field("idle_days_threshold", cfg_.idle_days);
    char buf[32];
    core::format_eve_time(dev.last_seen, buf);
    w.field("last_seen", std::string_view(buf, 31));
    core::format_eve_time(dev.first_seen, buf);
    w.field("first_seen", std::string_view(buf, 31));
    w.field("packets_sent", dev.pkts_out);
    if (!dev.vendor.empty()) w.field("vendor", dev.vendor);
    if (!dev.hostname.empty()) w.field("hostname", dev.hostname);
    w.field("class", inventory::class_name(dev.cls));
    out.raise(std::move(a));
  }

  const Config cfg_;
  TimeNs last_ts_ = 0;   // latest packet time
  TimeNs observed_ = 0;  // watch clock: packet time that passed while packets kept coming
  PerDevice<Dev> devs_;
};

}  // namespace

MakeResult make_idle_device(const ConfigView& cfg) {
  Config c;
  c.idle_days = cfg.number("idle_days", 7, 0.0001, 3650);
  c.idle = TimeNs(c.idle_days * kSecPerDay * double(kSec));
  c.max_gap = TimeNs(cfg.u64("max_gap_seconds", 3600, 1, 30 * 86400)) * kSec;
  c.include_randomized = cfg.boolean("include_randomized", false);
  return std::unique_ptr<Detector>(new IdleDevice(c));
}

}  // namespace sekisho::detect
