// new_device: a device joined the network. Once per device, and not for the devices that
// were already there when sekisho started watching (the baseline of the first
// `learn_seconds`). Phones rotate private (locally administered) MACs, so a randomized MAC
// is judged only after `identity_wait_seconds`, when its DHCP has said who it is: if it
// matches a device already known (client id, host name with DHCP fingerprint) it is the
// same device back with a new address, not a new one. An optional `known_devices` file
// keeps what is known across restarts (read at start, appended as devices are learned).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/files.h"
#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using core::TimeNs;
constexpr TimeNs kSec = core::kNsPerSec;
// Packets a little out of order (merged captures) are not a break in watching.
constexpr TimeNs kBackwardTolerance = 10 * kSec;
// A device that sends with this many distinct non-local source addresses forwards for
// others: the router (inventory counts up to 8; a LAN host with a public address has 1).
constexpr uint32_t kRouterRemoteSources = 3;
constexpr size_t kMaxEvidenceAddresses = 4;

// Packet time as the monitor watched it. A step between consecutive packets counts when
// it is short (`max_step`); a longer pause (a quiet LAN, a capture that stopped) is time
// nobody watched. A jump past `restart_gap`, or back in time (capture files of other dates
// read in one run, a clock step), is a break: watching starts afresh.
struct WatchClock {
  TimeNs last = 0;      // latest packet time
  TimeNs observed = 0;  // sum of the short steps
  bool started = false;

  // True when `ts` starts a new stretch of watching (the first packet, or after a break).
  bool advance(TimeNs ts, TimeNs max_step, TimeNs restart_gap) {
    if (!started) {
      started = true;
      last = ts;
      return true;
    }
    if (ts >= last) {
      const TimeNs step = ts - last;
      last = ts;
      if (step > restart_gap) return true;
      if (step <= max_step) observed += step;
      return false;
    }
    if (last - ts > kBackwardTolerance) {
      last = ts;
      return true;
    }
    return false;
  }
};

struct Config {
  TimeNs learn = 60 * kSec;
  TimeNs identity_wait = 30 * kSec;
  TimeNs max_step = 30 * kSec;
  TimeNs restart_gap = 3600 * kSec;
  std::string known_path;  // resolved; empty: none
};

// What identifies a device across MAC rotations, as text (the known_devices file form).
struct Identity {
  std::string cid;   // DHCPv4 client id (option 61), hex
  std::string duid;  // DHCPv6 client DUID (option 1), hex
  std::string host;  // host name, lower case
  std::string fp;    // DHCPv4 parameter request list "1,3,6,15"
  bool empty() const { return cid.empty() && duid.empty() && host.empty(); }
};

// Same device? A client id or DUID is an identity by itself; a host name is one only with
// a matching DHCP fingerprint (or none to compare): two phones of one model share the
// fingerprint, and two named "iPhone" would share the name. A fingerprint alone is not.
bool same_identity(const Identity& a, const Identity& b) {
  if (!a.cid.empty() && a.cid == b.cid) return true;
  if (!a.duid.empty() && a.duid == b.duid) return true;
  if (!a.host.empty() && a.host == b.host) return a.fp.empty() || b.fp.empty() || a.fp == b.fp;
  return false;
}

std::string to_hex(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(raw.size() * 2);
  for (char c : raw) {
    s += kHex[uint8_t(c) >> 4];
    s += kHex[uint8_t(c) & 15];
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

// Field values in the file: bytes that would break the "key=value key=value" form are
// written as %XX.
std::string encode_value(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : v) {
    const auto u = uint8_t(c);
    if (u <= 0x20 || u >= 0x7f || c == '%' || c == '#') {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_value(std::string_view v, std::string& out) {
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out += v[i];
      continue;
    }
    if (i + 2 >= v.size()) return false;
    const int hi = hex_digit(v[i + 1]), lo = hex_digit(v[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += char(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool is_hex(std::string_view s) {
  if (s.empty() || s.size() % 2) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return hex_digit(c) >= 0; });
}

struct KnownRecord {
  uint64_t mac = 0;
  Identity id;
};

// One line of the known_devices file: "MAC [cid=HEX] [duid=HEX] [host=NAME] [fp=LIST]",
// '#' comments. False with `why` on a malformed line; true with r->mac == 0 on a blank one.
bool parse_known_line(std::string_view s, KnownRecord* r, std::string* why) {
  if (auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  auto next_token = [&s]() {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    size_t e = 0;
    while (e < s.size() && s[e] != ' ' && s[e] != '\t' && s[e] != '\r') ++e;
    std::string_view t = s.substr(0, e);
    s.remove_prefix(e);
    return t;
  };
  std::string_view tok = next_token();
  if (tok.empty()) return true;
  auto m = core::MacAddr::parse(tok);
  if (!m) {
    *why = "expected a MAC address, got \"" + std::string(tok) + "\"";
    return false;
  }
  r->mac = m->as_u64();
  for (tok = next_token(); !tok.empty(); tok = next_token()) {
    const size_t eq = tok.find('=');
    const std::string_view key = tok.substr(0, eq);
    std::string value;
    if (eq == std::string_view::npos || !decode_value(tok.substr(eq + 1), value)) {
      *why = "expected key=value, got \"" + std::string(tok) + "\"";
      return false;
    }
    if (key == "cid" || key == "duid") {
      if (!is_hex(value)) {
        *why = std::string(key) + " must be hex digits";
        return false;
      }
      (key == "cid" ? r->id.cid : r->id.duid) = lower(value);
    } else if (key == "host") {
      r->id.host = lower(value);
    } else if (key == "fp") {
      r->id.fp = value;
    } else {
      *why = "unknown field \"" + std::string(key) + "\" (expected cid, duid, host or fp)";
      return false;
    }
  }
  return true;
}

// Reads the known_devices file; errors name file:line. A last line without its newline
// that does not parse is what a power cut in the middle of an append leaves: it is kept,
// commented out (the file is rewritten whole, atomically), and the rest is used.
core::Status read_known(const std::string& path, std::vector<KnownRecord>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};  // absent: created on the first write
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::string why;
  size_t n = 0;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    const bool cut = end == std::string::npos;
    if (cut) end = text.size();
    ++n;
    KnownRecord r;
    if (!parse_known_line(std::string_view(text).substr(at, end - at), &r, &why)) {
      if (!cut) return core::Error{core::ErrorCode::kFormat, path + ":" + std::to_string(n), why};
      const std::string fixed = text.substr(0, at) + "# cut line ignored: " + text.substr(at) + "\n";
      if (!core::write_file_atomic(path, fixed))
        return core::Error{core::ErrorCode::kIo, path + ":" + std::to_string(n),
                           "cannot comment out the cut last line: " + why};
      break;
    }
    if (r.mac) out.push_back(std::move(r));
    at = end + 1;
  }
  return {};
}

class NewDevice final : public Detector {
 public:
  NewDevice(Config cfg, std::vector<KnownRecord> known, std::FILE* file)
      : cfg_(std::move(cfg)), records_(std::move(known)), file_(file) {
    for (const auto& r : records_) known_macs_.push_back(r.mac);
    std::sort(known_macs_.begin(), known_macs_.end());
    known_macs_.erase(std::unique(known_macs_.begin(), known_macs_.end()), known_macs_.end());
    // A list of known devices is the baseline: only the first run (no list, or an empty
    // one) learns the devices present as it starts.
    learning_ = known_macs_.empty();
    // Only records that say who the device is are worth comparing against.
    records_.erase(std::remove_if(records_.begin(), records_.end(), [](const KnownRecord& r) { return r.id.empty(); }),
                   records_.end());
  }
  ~NewDevice() override {
    if (file_) std::fclose(file_);
  }

  // Per packet only the clock, a size check and two protocol tests: what a device did
  // (its traffic, its addresses) is read from the inventory when it is judged.
  void on_packet(const PacketContext& ctx, AlertSink&) override {
    const decode::PacketView& pv = ctx.pv;
    if (clock_.advance(pv.ts, cfg_.max_step, cfg_.restart_gap)) session_start_ = clock_.observed;
    if (ctx.devices.devices().size() != seen_) first_sights(ctx.devices);
    if (!ctx.src_dev1) return;
    Dev& d = devs_.at(ctx.src_dev1);
    d.last_obs = clock_.observed;  // for "went quiet before" (one store; no per-tick scan)
    if (pv.app == decode::AppKind::kDhcp) learn_dhcp(*pv.dhcp, pv.src_mac, d);
    // A router advertisement marks the router (it may carry no IPv4 at all).
    if (pv.has_ndp && pv.icmp_type == 134) devs_.at(ctx.src_dev1).router = true;
  }

  void on_tick(TimeNs now, const inventory::DeviceTable& devices, AlertSink& out) override {
    // The monitor is up and watching while a live capture idles: time passes for the wait.
    if (clock_.started && now > clock_.last && now - clock_.last <= cfg_.max_step) {
      clock_.observed += now - clock_.last;
      clock_.last = now;
    }
    resolve(devices, out, false);
  }

  void on_finish(TimeNs, const inventory::DeviceTable& devices, AlertSink& out) override {
    resolve(devices, out, true);  // the input ended: decide with what is known
  }

  size_t state_bytes() const override {
    size_t n = sizeof *this + devs_.memory_bytes() + pending_.capacity() * sizeof(uint32_t) +
               known_macs_.capacity() * sizeof(uint64_t) + records_.capacity() * sizeof(KnownRecord);
    for (const auto& r : records_)
      n += r.id.cid.capacity() + r.id.duid.capacity() + r.id.host.capacity() + r.id.fp.capacity();
    return n + ident_bytes_;
  }

 private:
  enum State : uint8_t { kUnseen, kPending, kKnown, kAlerted };
  struct Dev {
    State state = kUnseen;
    bool baseline = false;  // first seen within the learn period
    bool in_file = false;   // listed in known_devices (nothing to write)
    bool router = false;    // DHCP server or router advertisements
    TimeNs first_obs = 0;   // watch-clock time of its first packet
    TimeNs last_obs = 0;    // ... and of its last
    std::string cid, duid;  // hex, from its DHCP
  };

  // Devices the inventory added since the last packet (ids are dense, in order). Out of
  // line, as learn_dhcp: the packet path stays a small frame.
  [[gnu::noinline]] void first_sights(const inventory::DeviceTable& devices) {
    const auto& all = devices.devices();
    for (; seen_ < all.size(); ++seen_) {
      const uint32_t dev1 = uint32_t(seen_ + 1);
      Dev& d = devs_.at(dev1);
      d.first_obs = d.last_obs = clock_.observed;
      if (std::binary_search(known_macs_.begin(), known_macs_.end(), all[seen_].mac.as_u64())) {
        d.state = kKnown;
        d.in_file = true;
        continue;
      }
      d.baseline = learning_ && clock_.observed - session_start_ < cfg_.learn;
      d.state = kPending;
      pending_.push_back(dev1);
    }
  }

  [[gnu::noinline]] void learn_dhcp(const decode::DhcpInfo& h, const core::MacAddr& src, Dev& d) {
    const bool from_server = h.version == 4 ? h.op == 2 : (h.msg_type == 2 || h.msg_type == 7);
    if (from_server) {
      d.router = true;
      return;
    }
    if (h.version == 4 && !h.chaddr.is_zero() && h.chaddr != src) return;  // relayed for another host
    if (h.client_id.empty() || h.client_id.size() > 64) return;
    std::string& slot = h.version == 4 ? d.cid : d.duid;
    if (!slot.empty()) return;
    slot = to_hex(h.client_id);
    ident_bytes_ += slot.capacity();
  }

  Identity identity_of(const inventory::Device& dev, const Dev& d) const {
    Identity id;
    id.cid = d.cid;
    id.duid = d.duid;
    id.host = lower(dev.hostname);
    id.fp = dev.dhcp.params;
    return id;
  }

  // The device is a known one with a new (random) MAC: a record of the file, or a device
  // of this run that went quiet before this one appeared (two phones present at once are
  // two phones, however alike).
  bool known_identity(uint32_t dev1, const Dev& d, const Identity& id, const inventory::DeviceTable& devices) {
    if (id.empty()) return false;
    for (const auto& r : records_)
      if (same_identity(id, r.id)) return true;
    bool found = false;
    devs_.for_each([&](uint32_t other1, const Dev& o) {
      if (found || other1 == dev1 || (o.state != kKnown && o.state != kAlerted) || o.last_obs > d.first_obs) return;
      if (other1 > devices.devices().size()) return;
      if (same_identity(id, identity_of(devices.devices()[other1 - 1], o))) found = true;
    });
    return found;
  }

  void resolve(const inventory::DeviceTable& devices, AlertSink& out, bool final) {
    size_t keep = 0;
    for (uint32_t dev1 : pending_) {
      Dev& d = devs_.at(dev1);
      if (!final && clock_.observed - d.first_obs < cfg_.identity_wait) {
        pending_[keep++] = dev1;
        continue;
      }
      if (!decide(dev1, d, devices, out) && !final) pending_[keep++] = dev1;
    }
    pending_.resize(keep);
  }

  // False: not yet decidable (no IP traffic so far).
  bool decide(uint32_t dev1, Dev& d, const inventory::DeviceTable& devices, AlertSink& out) {
    if (dev1 > devices.devices().size()) return true;
    const inventory::Device& dev = devices.devices()[dev1 - 1];
    const Identity id = identity_of(dev, d);
    if (d.baseline || d.router || dev.remote_sources >= kRouterRemoteSources) {
      d.state = kKnown;
      remember(dev, id, d);
      return true;
    }
    // A MAC seen only in link-layer frames (Wi-Fi handshakes, switch chatter) has not
    // joined the network; it is judged when it has an address or IP flows.
    if (dev.addresses.empty() && dev.flows_initiated == 0 && dev.flows_accepted == 0) return false;
    if (dev.randomized && known_identity(dev1, d, id, devices)) {
      d.state = kKnown;
      remember(dev, id, d);
      return true;
    }
    d.state = kAlerted;
    remember(dev, id, d);
    raise(dev, id, out);
    return true;
  }

  void raise(const inventory::Device& dev, const Identity& id, AlertSink& out) const {
    Alert a = device_alert(sig::kNewDevice, dev, clock_.last);
    core::JsonWriter w(a.evidence);
    if (!dev.vendor.empty()) w.field("vendor", dev.vendor);
    if (!dev.hostname.empty()) w.field("hostname", dev.hostname);
    w.field("class", inventory::class_name(dev.cls));
    w.field("randomized", dev.randomized);
    char buf[32];
    core::format_eve_time(dev.first_seen, buf);
    w.field("first_seen", std::string_view(buf, 31));
    w.key("addresses").begin_array();
    size_t n = 0;
    for (const auto& addr : dev.addresses) {
      if (addr.ip.is_unspecified() || n == kMaxEvidenceAddresses) continue;
      w.value(addr.ip.to_string());
      ++n;
    }
    w.end_array();
    if (!dev.dhcp.params.empty()) w.field("dhcp_fingerprint", dev.dhcp.params);
    if (dev.randomized) {
      // What there was to recognise it by (none matched a known device).
      w.key("identity").begin_object();
      w.field("client_id", !id.cid.empty() || !id.duid.empty());
      w.field("hostname", !id.host.empty());
      w.field("dhcp_fingerprint", !id.fp.empty());
      w.end_object();
    }
    out.raise(std::move(a));
  }

  // Appends the device to the known_devices file, so a restart does not alert again.
  void remember(const inventory::Device& dev, const Identity& id, Dev& d) {
    if (!file_ || d.in_file) return;
    d.in_file = true;
    char mac[18];
    dev.mac.format(mac);
    mac[17] = 0;
    std::string line(mac);
    if (!id.cid.empty()) line += " cid=" + id.cid;
    if (!id.duid.empty()) line += " duid=" + id.duid;
    if (!id.host.empty()) line += " host=" + encode_value(id.host);
    if (!id.fp.empty()) line += " fp=" + encode_value(id.fp);
    line += '\n';
    // One write and a flush per line: a crash leaves at most a cut last line, and the
    // file is only ever appended to.
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) ++write_errors_;
  }

  const Config cfg_;
  std::vector<KnownRecord> records_;  // from the file, with an identity
  std::vector<uint64_t> known_macs_;  // from the file, sorted
  std::FILE* file_ = nullptr;
  WatchClock clock_;
  TimeNs session_start_ = 0;  // watch-clock time the current stretch of watching began
  bool learning_ = true;
  PerDevice<Dev> devs_;
  size_t seen_ = 0;                // inventory devices looked at so far
  std::vector<uint32_t> pending_;  // dev1 of devices awaiting their decision
  size_t ident_bytes_ = 0;         // client ids held in devs_
  uint64_t write_errors_ = 0;
};

std::string resolve_path(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return (base.empty() ? std::string(".") : base) + "/" + p;
}

}  // namespace

MakeResult make_new_device(const ConfigView& cfg) {
  Config c;
  c.learn = TimeNs(cfg.u64("learn_seconds", 60, 0, 30 * 86400)) * kSec;
  c.identity_wait = TimeNs(cfg.u64("identity_wait_seconds", 30, 0, 3600)) * kSec;
  c.max_step = TimeNs(cfg.u64("max_step_seconds", 30, 1, 86400)) * kSec;
  c.restart_gap = TimeNs(cfg.u64("restart_gap_seconds", 3600, 1, 30 * 86400)) * kSec;
  if (c.restart_gap < c.max_step) cfg.fail("restart_gap_seconds", "must not be below max_step_seconds");
  const std::string known = cfg.string("known_devices", "");
  std::vector<KnownRecord> records;
  std::FILE* file = nullptr;
  if (!known.empty()) {
    c.known_path = resolve_path(cfg.base_dir(), known);
    if (auto st = read_known(c.known_path, records); !st) {
      cfg.fail("known_devices", st.error().message());
      return cfg.finish().error();
    }
    file = std::fopen(c.known_path.c_str(), "a");
    if (!file) {
      cfg.fail("known_devices", c.known_path + ": cannot open for appending: " + std::strerror(errno));
      return cfg.finish().error();
    }
    long size = std::fseek(file, 0, SEEK_END) == 0 ? std::ftell(file) : -1;
    if (size == 0) {
      std::fputs("# sekisho known devices (detect.new_device): MAC [cid=HEX] [duid=HEX] [host=NAME] [fp=LIST]\n", file);
    } else if (size > 0) {
      // Start on a line of our own after a last line without its newline.
      std::FILE* r = std::fopen(c.known_path.c_str(), "r");
      if (r && std::fseek(r, size - 1, SEEK_SET) == 0 && std::fgetc(r) != '\n') std::fputc('\n', file);
      if (r) std::fclose(r);
    }
    std::fflush(file);
  }
  return std::unique_ptr<Detector>(new NewDevice(std::move(c), std::move(records), file));
}

}  // namespace sekisho::detect
