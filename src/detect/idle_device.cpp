// idle_device: a device not seen for `idle_days` while the monitor kept seeing the rest of
// the network: switch off (and unplug from the network) what you no longer use. Idle time
// is counted on a watch clock that advances only between packets that arrive close
// together, so a gap in the input (capture files of different dates read in one run,
// sekisho stopped for a while) never makes a device look idle. Once per device until it
// is seen again. Per packet it keeps the clock and the sender's last activity.
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

  // Per packet: the watch clock and one store, the sender's last activity, in a compact
  // array (16 bytes a device) that the check scans without touching the inventory.
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
    if (!ctx.src_dev1) return;
    Dev& d = devs_.at(ctx.src_dev1);
    d.last_obs = observed_;
    d.heard = true;
    d.alerted = false;
  }

  // The check scans every device: once per 1/1000 of the idle time of watched time (at
  // least a second, at most ten minutes: 7 days, every ten minutes), not every tick.
  void on_tick(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) override {
    if (observed_ < next_check_) return;
    next_check_ = observed_ + std::clamp<TimeNs>(cfg_.idle / 1000, kSec, 600 * kSec);
    check(now, devices, out);
  }
  void on_finish(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) override {
    check(now, devices, out);
  }

  size_t state_bytes() const override { return sizeof *this + devs_.memory_bytes(); }

 private:
  struct Dev {
    TimeNs last_obs = 0;   // watch-clock time of its last packet
    bool heard = false;    // it has sent something
    bool alerted = false;  // reported idle, not heard since
  };

  void check(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) {
    const auto& all = devices.devices();
    devs_.for_each([&](uint32_t id1, Dev& d) {
      if (!d.heard || d.alerted || observed_ - d.last_obs < cfg_.idle || id1 > all.size()) return;
      const inventory::Device& dev = all[id1 - 1];
      // Private MACs rotate: the old address falls silent while the phone lives on.
      if (dev.randomized && !cfg_.include_randomized) return;
      d.alerted = true;
      raise(now, dev, d, out);
    });
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
  TimeNs next_check_ = 0;
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
