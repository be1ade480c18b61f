#include "enforce/enforce_command.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capture/packet_source.h"
#include "detect/engine.h"
#include "enforce/dns_follower.h"
#include "enforce/dry_run_enforcer.h"
#include "enforce/gateway_responder.h"
#include "enforce/nft_enforcer.h"
#include "enforce/ruleset.h"
#include "inventory/classify.h"
#include "inventory/oui.h"
#include "output/eve_writer.h"
#include "policy/mud.h"
#include "watch/pipeline.h"
#include "watch/watch_command.h"

namespace sekisho::enforce {

namespace {

constexpr int kExitOk = 0, kExitUsage = 2, kExitRuntime = 3;

struct Options {
  bool dry_run = false, apply = false, remove = false, hold = false, fail_closed = false, quiet = false;
  std::vector<std::pair<core::MacAddr, std::string>> policies;  // MAC, MUD file
  std::vector<std::string> policy_dirs;
  std::map<core::MacAddr, std::vector<core::IpAddr>> addrs;
  std::map<core::MacAddr, Mode> modes;  // --quarantine/--pause/--block/--monitor/--allow
  std::vector<std::pair<core::MacAddr, Mode>> set_modes;
  std::vector<DnsBinding> dns;
  uint32_t dns_ttl = 300;
  std::string watch_if;  // --watch: bind DNS names from the answers captured here
  std::optional<uint32_t> dns_grace;
  bool detect = false;        // --detect: run the detectors on the --watch interface
  std::string detect_config;  // --config: thresholds and responses ([detect.*])
  std::string eve;            // --eve: alert events
  GatewayConfig gw;
};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sekisho enforce: %s\nTry 'sekisho enforce --help'.\n", msg.c_str());
  return kExitUsage;
}

int runtime_error(const core::Error& e) {
  std::fprintf(stderr, "sekisho enforce: %s\n", e.message().c_str());
  return kExitRuntime;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

// A MAC with colons or dashes, or 12 hex digits (as in policy file names).
std::optional<core::MacAddr> parse_mac(std::string_view s) { return core::MacAddr::parse(s); }

bool parse_u32(const char* s, uint32_t max, uint32_t& out) {
  if (!s || !*s || s[0] == '-') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno || *end || v > max) return false;
  out = uint32_t(v);
  return true;
}

// "IP[,IP...]"; the error names the bad piece.
std::optional<std::vector<core::IpAddr>> parse_ips(const std::string& s, std::string& bad) {
  std::vector<core::IpAddr> out;
  for (const std::string& piece : split(s, ',')) {
    auto a = core::IpAddr::parse(piece);
    if (!a) {
      bad = piece;
      return std::nullopt;
    }
    out.push_back(*a);
  }
  return out;
}

void print_help() {
  std::printf(
      "Usage: sekisho enforce --dry-run|--apply [policies] [gateway options]\n"
      "       sekisho enforce --set-mode MAC=MODE ...   (live table, fast path)\n"
      "       sekisho enforce --dns MAC=NAME=IP[,IP] ... (live table)\n"
      "       sekisho enforce --apply --hold --watch LAN_IF [policies] [gateway options]\n"
      "       sekisho enforce --remove\n"
      "\n"
      "Compile device policies (RFC 8520 MUD) into one nftables table, `table inet sekisho`,\n"
      "and apply it in one transaction: all of it or, on any error, none of it.\n"
      "libnftables acts on the current network namespace (`ip netns exec NS sekisho ...`).\n"
      "\n"
      "Actions:\n"
      "  --dry-run                print the ruleset (or the live update) instead of applying it\n"
      "  --apply                  apply the ruleset (needs root / CAP_NET_ADMIN)\n"
      "  --hold                   with --apply (or --dry-run --watch): keep running until\n"
      "                           SIGINT/SIGTERM, then remove the table (fail-open) or, with\n"
      "                           --fail-closed, leave it\n"
      "  --fail-closed            policies keep holding after sekisho stops\n"
      "  --watch IF               with --hold: bind DNS names live from the answers the devices\n"
      "                           receive, captured on the LAN interface IF (DNS responses the\n"
      "                           gateway sends out of it); each answer's addresses go into the\n"
      "                           device's set for every name that leads to them (question, CNAME\n"
      "                           aliases, owner) and that its policy names, one transaction per\n"
      "                           response. With --dry-run --hold: print each update instead\n"
      "  --dns-grace SECONDS      with --watch: kept this long past the answer's TTL (default 300)\n"
      "  -q, --quiet              with --watch: no line per binding\n"
      "  --detect                 with --watch: also run the detectors on IF (all its traffic);\n"
      "                           an alert whose action is quarantine (see --config) switches\n"
      "                           the device to quarantine in the live table at once\n"
      "  --config FILE            with --detect: sekisho's TOML config ([detect.NAME] tables)\n"
      "  --eve PATH|-             with --detect: write the alerts as EVE JSON lines\n"
      "  --set-mode MAC=MODE      switch a bound device in the live table: allow, quarantine,\n"
      "                           pause, block, monitor (repeatable; takes effect at once)\n"
      "  --remove                 delete the table: traffic flows unfiltered\n"
      "\n"
      "Devices:\n"
      "  --policy MAC=MUDFILE     bind a device to a MUD file (repeatable)\n"
      "  --policy-dir DIR         bind every DIR/<mac>.json (aa:bb:cc:dd:ee:ff or 12 hex digits)\n"
      "  --device MAC=IP[,IP]     a device's current addresses (to-device rules match on them)\n"
      "  --quarantine MAC         start the device quarantined (only DHCP, DNS, console)\n"
      "  --pause MAC              start it with the Internet paused (LAN traffic flows)\n"
      "  --block MAC              start it blocked (nothing)\n"
      "  --monitor MAC            bind it without filtering\n"
      "  --dns MAC=NAME=IP[,IP]   addresses the device's DNS name NAME resolved to; with\n"
      "                           --apply/--dry-run in the ruleset, alone added to the live table\n"
      "  --dns-ttl SECONDS        timeout of those addresses (default 300; 0 never expires)\n"
      "\n"
      "Gateway:\n"
      "  --lan-if IF              LAN interface (repeatable; at least one)\n"
      "  --lan NET/PREFIX         a local network, the MUD local-networks (repeatable)\n"
      "  --gateway-ip IP          the gateway's own address (repeatable); also the default for\n"
      "                           urn:ietf:params:mud:gateway and urn:ietf:params:mud:dns\n"
      "  --console-port N         TCP port of the console, reachable even in quarantine\n"
      "  --controller URI=IP[,IP] addresses of a MUD controller class; my-controller looks up\n"
      "                           the device's MUD URL here (repeatable)\n"
      "\n"
      "Exit status: 0 ok, 2 usage error, 3 runtime error (a file, nft).\n"
      "\n"
      "Examples:\n"
      "  sekisho enforce --dry-run --lan-if lan0 --lan 192.168.1.0/24 --policy 00:17:88:aa:bb:cc=bulb.json\n"
      "  ip netns exec gw sekisho enforce --apply --hold --lan-if lan0 --policy-dir /etc/sekisho/mud\n"
      "  sekisho enforce --apply --hold --watch lan0 --lan-if lan0 --policy-dir /etc/sekisho/mud\n"
      "  sekisho enforce --apply --hold --watch lan0 --detect --config /etc/sekisho/sekisho.toml --lan-if lan0\n"
      "  ip netns exec gw sekisho enforce --set-mode 00:17:88:aa:bb:cc=quarantine\n");
}

// Reads the command line into o; returns an exit code on error or help, -1 to go on.
int parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto need = [&]() -> std::optional<std::string> {
      if (i + 1 < argc) return std::string(argv[++i]);
      return std::nullopt;
    };
    auto mac_opt = [&](Mode mode) -> int {
      auto v = need();
      auto mac = v ? parse_mac(*v) : std::nullopt;
      if (!mac) return usage_error(a + " needs a MAC address");
      o.modes[*mac] = mode;
      return -1;
    };
    if (a == "-h" || a == "--help") {
      print_help();
      return kExitOk;
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "--apply") {
      o.apply = true;
    } else if (a == "--hold") {
      o.hold = true;
    } else if (a == "--fail-closed") {
      o.fail_closed = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "--watch") {
      auto v = need();
      if (!v || v->empty()) return usage_error("--watch needs an interface name");
      o.watch_if = *v;
    } else if (a == "--detect") {
      o.detect = true;
    } else if (a == "--config" || a == "--eve") {
      auto v = need();
      if (!v || v->empty()) return usage_error(a + (a == "--eve" ? " needs a path or '-'" : " needs a file"));
      (a == "--eve" ? o.eve : o.detect_config) = *v;
    } else if (a == "--dns-grace") {
      auto v = need();
      uint32_t grace = 0;
      if (!parse_u32(v ? v->c_str() : nullptr, 7 * 86400, grace))
        return usage_error("--dns-grace needs seconds (0..604800)");
      o.dns_grace = grace;
    } else if (a == "--remove") {
      o.remove = true;
    } else if (a == "--policy") {
      auto v = need();
      const size_t eq = v ? v->find('=') : std::string::npos;
      if (eq == std::string::npos) return usage_error("--policy needs MAC=MUDFILE");
      auto mac = parse_mac(v->substr(0, eq));
      if (!mac) return usage_error("--policy: '" + v->substr(0, eq) + "' is not a MAC address");
      if (eq + 1 == v->size()) return usage_error("--policy " + v->substr(0, eq) + ": no file");
      o.policies.emplace_back(*mac, v->substr(eq + 1));
    } else if (a == "--policy-dir") {
      auto v = need();
      if (!v) return usage_error("--policy-dir needs a directory");
      o.policy_dirs.push_back(*v);
    } else if (a == "--device" || a == "--controller") {
      auto v = need();
      const size_t eq = v ? v->find('=') : std::string::npos;
      if (eq == std::string::npos)
        return usage_error(a + (a == "--device" ? " needs MAC=IP[,IP]" : " needs URI=IP[,IP]"));
      std::string bad;
      auto ips = parse_ips(v->substr(eq + 1), bad);
      if (!ips) return usage_error(a + " " + *v + ": '" + bad + "' is not an IP address");
      if (a == "--device") {
        auto mac = parse_mac(v->substr(0, eq));
        if (!mac) return usage_error("--device: '" + v->substr(0, eq) + "' is not a MAC address");
        auto& list = o.addrs[*mac];
        list.insert(list.end(), ips->begin(), ips->end());
      } else {
        auto& list = o.gw.controllers[v->substr(0, eq)];
        list.insert(list.end(), ips->begin(), ips->end());
      }
    } else if (a == "--quarantine") {
      if (int rc = mac_opt(Mode::kQuarantine); rc >= 0) return rc;
    } else if (a == "--pause") {
      if (int rc = mac_opt(Mode::kPause); rc >= 0) return rc;
    } else if (a == "--block") {
      if (int rc = mac_opt(Mode::kBlock); rc >= 0) return rc;
    } else if (a == "--monitor") {
      if (int rc = mac_opt(Mode::kMonitor); rc >= 0) return rc;
    } else if (a == "--allow") {
      if (int rc = mac_opt(Mode::kAllow); rc >= 0) return rc;
    } else if (a == "--set-mode") {
      auto v = need();
      const size_t eq = v ? v->find('=') : std::string::npos;
      if (eq == std::string::npos) return usage_error("--set-mode needs MAC=MODE");
      auto mac = parse_mac(v->substr(0, eq));
      if (!mac) return usage_error("--set-mode: '" + v->substr(0, eq) + "' is not a MAC address");
      auto mode = parse_mode(v->substr(eq + 1));
      if (!mode)
        return usage_error("--set-mode: '" + v->substr(eq + 1) +
                           "' is not a mode (allow, quarantine, pause, block, monitor)");
      o.set_modes.emplace_back(*mac, *mode);
    } else if (a == "--dns") {
      auto v = need();
      const auto parts = v ? split(*v, '=') : std::vector<std::string>{};
      if (parts.size() != 3 || parts[1].empty()) return usage_error("--dns needs MAC=NAME=IP[,IP]");
      auto mac = parse_mac(parts[0]);
      if (!mac) return usage_error("--dns: '" + parts[0] + "' is not a MAC address");
      std::string bad;
      auto ips = parse_ips(parts[2], bad);
      if (!ips) return usage_error("--dns " + *v + ": '" + bad + "' is not an IP address");
      for (const core::IpAddr& ip : *ips) o.dns.push_back(DnsBinding{*mac, parts[1], ip, 0});
    } else if (a == "--dns-ttl") {
      auto v = need();
      if (!parse_u32(v ? v->c_str() : nullptr, 7 * 86400, o.dns_ttl))
        return usage_error("--dns-ttl needs seconds (0..604800)");
    } else if (a == "--lan-if") {
      auto v = need();
      if (!v) return usage_error("--lan-if needs an interface name");
      o.gw.lan_ifs.push_back(*v);
    } else if (a == "--lan") {
      auto v = need();
      auto p = v ? Prefix::parse(*v) : std::nullopt;
      if (!p) return usage_error("--lan needs NET/PREFIX" + (v ? ": '" + *v + "' is not one" : std::string()));
      o.gw.local_networks.push_back(*p);
    } else if (a == "--gateway-ip") {
      auto v = need();
      auto ip = v ? core::IpAddr::parse(*v) : std::nullopt;
      if (!ip) return usage_error("--gateway-ip needs an IP address");
      o.gw.gateway_addrs.push_back(*ip);
    } else if (a == "--console-port") {
      uint32_t port = 0;
      auto v = need();
      if (!parse_u32(v ? v->c_str() : nullptr, 65535, port) || port == 0)
        return usage_error("--console-port needs a port 1..65535");
      o.gw.console_port = uint16_t(port);
    } else {
      return usage_error("unknown option '" + a + "'");
    }
  }
  for (DnsBinding& b : o.dns) b.ttl_s = o.dns_ttl;
  return -1;
}

// Every DIR/<mac>.json, in name order.
core::Status scan_policy_dir(const std::string& dir, Options& o) {
  DIR* d = opendir(dir.c_str());
  if (!d) return core::make_error(core::ErrorCode::kNotFound, "--policy-dir " + dir, std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    if (n.size() <= 5 || n.compare(n.size() - 5, 5, ".json") != 0) continue;
    auto mac = parse_mac(n.substr(0, n.size() - 5));
    if (!mac) {
      std::fprintf(stderr, "sekisho enforce: --policy-dir %s: skipping %s (name is not <mac>.json)\n", dir.c_str(),
                   n.c_str());
      continue;
    }
    o.policies.emplace_back(*mac, dir + "/" + n);
  }
  return {};
}

// Policies, modes and addresses -> the bound devices and the inventory.
core::Result<std::vector<BoundDevice>> bind_devices(Options& o) {
  for (const std::string& dir : o.policy_dirs)
    if (core::Status s = scan_policy_dir(dir, o); !s) return s.error();
  std::map<core::MacAddr, BoundDevice> bound;
  for (const auto& [mac, path] : o.policies) {
    if (bound.count(mac))
      return core::make_error(core::ErrorCode::kInvalidArgument, "--policy " + mac.to_string(),
                              "more than one policy for this device (" + path + ")");
    auto p = policy::load_policy(path, mac);
    if (!p) return p.error();
    BoundDevice d;
    d.mac = mac;
    d.policy = std::move(*p);
    bound.emplace(mac, std::move(d));
  }
  for (const auto& [mac, mode] : o.modes) {
    BoundDevice& d = bound[mac];  // a device only quarantined/paused/blocked has no policy
    d.mac = mac;
    if (d.policy.source.empty()) d.policy.source = "none";
    d.policy.mac = mac;
    d.mode = mode;
  }
  std::vector<BoundDevice> out;
  for (auto& [mac, d] : bound) {
    if (auto it = o.addrs.find(mac); it != o.addrs.end()) d.addrs = it->second;
    out.push_back(std::move(d));
  }
  for (const auto& [mac, ips] : o.addrs)
    if (!bound.count(mac)) o.gw.inventory.push_back(KnownDevice{mac, "", ips});
  return out;
}

// Blocks the stop signals now, so that one arriving while the table is applied waits.
void block_stop_signals(sigset_t& set) {
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

core::TimeNs wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --watch: the live capture and what it feeds.
struct DnsWatch {
  std::unique_ptr<capture::PacketSource> source;
  std::unique_ptr<DnsFollower> follower;
  std::unique_ptr<DnsFeed> feed;
};

// Opens the capture before the table is applied, so that a bad interface changes nothing
// (and answers that arrive during the apply are bound after it). Null source: nothing to
// follow.
core::Result<DnsWatch> open_dns_watch(const Options& o, Enforcer& backend, const std::vector<BoundDevice>& devices) {
  DnsWatch w;
  DnsFollowerConfig cfg;
  if (o.dns_grace) cfg.grace_s = *o.dns_grace;
  w.follower = std::make_unique<DnsFollower>(backend, devices, cfg);
  if (w.follower->names() == 0) {
    std::fprintf(stderr,
                 "sekisho enforce: warning: --watch %s: no bound device's policy names a DNS name, "
                 "nothing to follow\n",
                 o.watch_if.c_str());
    return w;
  }
  auto src = open_dns_capture(o.watch_if);
  if (!src) {
    core::Error e = src.error();
    e.where = "--watch " + e.where;
    return e;
  }
  w.source = std::move(*src);
  w.feed = std::make_unique<DnsFeed>(*w.follower);
  const bool dry = o.dry_run;
  const bool quiet = o.quiet;
  w.follower->set_report([dry, quiet](const std::vector<DnsBinding>& batch, const core::Status& s, core::TimeNs ts) {
    if (!s) {
      std::fprintf(stderr, "sekisho enforce: dns binding failed: %s\n", s.error().message().c_str());
      return;
    }
    if (quiet) return;
    const double ms = double(wall_now() - ts) / 1e6;
    for (const DnsBinding& b : batch)
      std::printf("%sdns: %s %s -> %s (timeout %us, %.1f ms after the answer)\n", dry ? "# " : "",
                  b.device.to_string().c_str(), b.name.c_str(), b.addr.to_string().c_str(), b.ttl_s, ms);
    std::fflush(stdout);
  });
  std::fprintf(stderr, "sekisho enforce: --watch %s: following %zu DNS name(s) of %zu device(s)\n", o.watch_if.c_str(),
               w.follower->names(), w.follower->devices());
  return w;
}

// --detect: a second capture of the LAN interface, all of its traffic, through a watch
// pipeline with the detectors; quarantines go to the live table.
struct DetectWatch {
  std::unique_ptr<capture::PacketSource> source;
  inventory::OuiRegistry oui;
  std::unique_ptr<inventory::Classifier> classifier;
  std::unique_ptr<output::EveWriter> eve;
  std::unique_ptr<GatewayResponder> responder;
  std::unique_ptr<detect::Engine> engine;
  std::unique_ptr<watch::Pipeline> pipeline;
};

core::Result<DetectWatch> open_detect_watch(const Options& o, Enforcer& backend,
                                            const std::vector<BoundDevice>& devices) {
  DetectWatch w;
  detect::DetectConfig dc;
  if (!o.detect_config.empty()) {
    auto r = detect::DetectConfig::load(o.detect_config);
    if (!r) return r.error();
    dc = std::move(r.value());
  }
  if (!o.gw.local_networks.empty()) {
    dc.local_networks.clear();
    for (const Prefix& p : o.gw.local_networks) dc.local_networks.push_back(core::IpPrefix::of(p.net, p.len));
  }
  auto e = detect::Engine::create(dc);
  if (!e) return e.error();
  w.engine = std::move(e.value());
  if (auto r = inventory::OuiRegistry::load_dir(inventory::OuiRegistry::kDefaultDir); r) w.oui = std::move(r.value());
  if (auto r = inventory::Classifier::load(watch::default_classes_path()); r)
    w.classifier = std::make_unique<inventory::Classifier>(std::move(r.value()));
  if (!o.eve.empty()) {
    auto r = output::EveWriter::open(o.eve);
    if (!r) return r.error();
    w.eve = std::move(r.value());
  }
  std::set<core::MacAddr> bound;
  for (const BoundDevice& d : devices) bound.insert(d.mac);
  w.responder = std::make_unique<GatewayResponder>(backend, std::move(bound));
  if (!o.dry_run) w.engine->set_responder(w.responder.get());
  output::EveWriter* eve = w.eve.get();
  const bool dry = o.dry_run;
  w.engine->set_output([eve, dry](const detect::Alert& a, std::string_view json) {
    if (eve) {
      eve->text(json);
      eve->flush();
    }
    const detect::SignatureInfo* sig = detect::find_signature(a.signature_id);
    const double ms = double(wall_now() - a.ts) / 1e6;
    std::printf("%salert: %s: device %s%s%s (%.1f ms after the packet)\n", dry ? "# " : "",
                a.signature.empty() ? std::string(sig ? sig->name : "?").c_str() : a.signature.c_str(),
                a.mac.to_string().c_str(), a.device_ip.empty() ? "" : " ", a.device_ip.to_string().c_str(), ms);
    const auto resp = json.find("\"response\":\"");
    if (resp != std::string_view::npos) {
      const std::string_view rest = json.substr(resp + 12);
      std::printf("%s  response: %.*s\n", dry ? "# " : "", int(rest.find('"')), rest.data());
    }
    std::fflush(stdout);
  });
  watch::PipelineConfig pc;
  pc.flow.max_flows = 1u << 18;
  w.pipeline = std::make_unique<watch::Pipeline>(pc, &w.oui, w.classifier.get(), nullptr);
  w.pipeline->set_detectors(w.engine.get());
  capture::SourceOptions so;
  so.promiscuous = true;
  auto src = capture::open_live(o.watch_if, so);
  if (!src) {
    core::Error err = src.error();
    err.where = "--detect " + err.where;
    return err;
  }
  w.source = std::move(*src);
  std::fprintf(stderr, "sekisho enforce: --detect %s: %zu detector(s) running\n", o.watch_if.c_str(),
               w.engine->detectors().size());
  return w;
}

// The capture thread: packets to the follower until the source ends (stop()) or fails.
// A failure wakes the main thread's sigwait with SIGTERM, `failed` set first. The stop
// signals are blocked here too (the mask is inherited), so only sigwait takes them.
struct Capture {
  capture::PacketSource* source;
  std::function<void(const capture::RawPacket&)> feed;
  std::function<void(core::TimeNs)> tick;
};

void capture_loop(Capture w, const std::atomic<bool>& stopping, std::atomic<bool>& failed, pthread_t main_thread) {
  capture::RawPacket pkt;
  for (;;) {
    const capture::ReadStatus st = w.source->next(pkt);
    if (st == capture::ReadStatus::kPacket) {
      w.feed(pkt);
    } else if (st == capture::ReadStatus::kTimeout) {
      w.tick(wall_now());
    } else {
      if (stopping.load()) return;
      const std::string why = st == capture::ReadStatus::kFatal ? w.source->last_error().message() : "capture ended";
      std::fprintf(stderr, "sekisho enforce: --watch %s: %s\n", w.source->name().c_str(), why.c_str());
      failed.store(true);
      pthread_kill(main_thread, SIGTERM);
      return;
    }
  }
}

// Holds until a stop signal with the capture running in a thread; returns the signal, 0
// when the capture failed. libpcap's read timeout does not fire on an idle interface
// (TPACKET_V3 wakes only for packets), so the stop comes from here: stop() breaks the
// capture thread's poll at once.
int watch_until_signal(const std::vector<Capture>& caps, const sigset_t& stop_signals) {
  std::atomic<bool> stopping{false}, failed{false};
  std::vector<std::thread> threads;
  for (const Capture& c : caps)
    threads.emplace_back(capture_loop, c, std::cref(stopping), std::ref(failed), pthread_self());
  int sig = 0;
  sigwait(&stop_signals, &sig);
  stopping.store(true);
  for (const Capture& c : caps) c.source->stop();
  for (auto& t : threads) t.join();
  return failed.load() ? 0 : sig;
}

void print_watch_summary(const DnsWatch& w) {
  if (!w.source) return;
  const DnsFollowerStats& st = w.follower->stats();
  std::fprintf(stderr,
               "sekisho enforce: --watch %s: %llu answer(s) to followed devices, %llu binding(s) in %llu "
               "transaction(s), %llu failed; %llu kernel drop(s)\n",
               w.source->name().c_str(), (unsigned long long)st.answers, (unsigned long long)st.bindings,
               (unsigned long long)st.transactions, (unsigned long long)st.failures,
               (unsigned long long)w.source->stats().kernel_drops);
}

}  // namespace

int enforce_main(int argc, char** argv) {
  Options o;
  if (int rc = parse_args(argc, argv, o); rc >= 0) return rc;

  if (o.dry_run && o.apply) return usage_error("--dry-run and --apply exclude each other");
  if (!o.watch_if.empty() && !o.hold) return usage_error("--watch needs --hold (with --apply or --dry-run)");
  if (o.hold && !o.apply && !(o.dry_run && !o.watch_if.empty()))
    return usage_error("--hold needs --apply (or --dry-run with --watch)");
  if ((o.dns_grace || o.quiet) && o.watch_if.empty()) return usage_error("--dns-grace and --quiet go with --watch");
  if (o.detect && o.watch_if.empty()) return usage_error("--detect needs --watch IF");
  if ((!o.detect_config.empty() || !o.eve.empty()) && !o.detect)
    return usage_error("--config and --eve go with --detect");
  if (o.fail_closed && !(o.hold && o.apply)) return usage_error("--fail-closed needs --apply --hold");
  const bool compile = !o.policies.empty() || !o.policy_dirs.empty() || !o.modes.empty() || !o.gw.lan_ifs.empty();
  if (!o.watch_if.empty() && !compile)
    return usage_error("--watch needs the devices' policies (--policy, --policy-dir) and --lan-if");
  if (!o.set_modes.empty() && (o.apply || compile))
    return usage_error(
        "--set-mode updates the live table; to start a device in a mode use --quarantine, --pause, "
        "--block or --monitor with --apply");
  if (o.remove && (o.apply || compile || !o.set_modes.empty() || !o.dns.empty()))
    return usage_error("--remove takes no other action");
  if (!o.dry_run && !o.apply && !o.remove && o.set_modes.empty() && o.dns.empty())
    return usage_error("nothing to do: give --dry-run, --apply, --set-mode, --dns or --remove");

  std::unique_ptr<Enforcer> backend;
  if (o.dry_run) {
    backend = std::make_unique<DryRunEnforcer>(std::cout);
  } else {
    auto e = NftEnforcer::create();
    if (!e) return runtime_error(e.error());
    backend = std::move(*e);
  }

  if (o.remove) {
    if (core::Status s = backend->remove(); !s) return runtime_error(s.error());
    if (!o.dry_run) std::printf("removed table inet sekisho\n");
    return kExitOk;
  }

  // Live updates of a table already in place (the fast path).
  if (!o.apply && !(o.dry_run && compile)) {
    for (const auto& [mac, mode] : o.set_modes) {
      const auto t0 = std::chrono::steady_clock::now();
      if (core::Status s = backend->set_mode(mac, mode); !s) return runtime_error(s.error());
      if (!o.dry_run)
        std::printf("%s: %s (%.1f ms)\n", mac.to_string().c_str(), std::string(mode_name(mode)).c_str(), ms_since(t0));
    }
    for (const DnsBinding& b : o.dns) {
      if (core::Status s = backend->add_dns_binding(b.device, b.name, b.addr, b.ttl_s); !s)
        return runtime_error(s.error());
      if (!o.dry_run)
        std::printf("%s: %s -> %s (timeout %us)\n", b.device.to_string().c_str(), b.name.c_str(),
                    b.addr.to_string().c_str(), b.ttl_s);
    }
    return kExitOk;
  }

  auto devices = bind_devices(o);
  if (!devices) return runtime_error(devices.error());
  o.gw.dns = o.dns;
  auto compiled = compile_ruleset(*devices, o.gw);
  if (!compiled) {
    const core::ErrorCode c = compiled.error().code;
    return c == core::ErrorCode::kInvalidArgument ? usage_error(compiled.error().message())
                                                  : runtime_error(compiled.error());
  }
  for (const std::string& w : compiled->warnings) std::fprintf(stderr, "sekisho enforce: warning: %s\n", w.c_str());

  sigset_t stop_signals;
  if (o.hold) block_stop_signals(stop_signals);
  // Both captures share the backend from their threads: one lock per transaction.
  SerialEnforcer serial(*backend);
  DnsWatch watch;
  if (!o.watch_if.empty()) {
    auto w = open_dns_watch(o, serial, *devices);
    if (!w) return runtime_error(w.error());
    watch = std::move(*w);
  }
  DetectWatch detection;
  if (o.detect) {
    auto w = open_detect_watch(o, serial, *devices);
    if (!w) return runtime_error(w.error());
    detection = std::move(*w);
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (core::Status s = backend->apply(compiled->text); !s) return runtime_error(s.error());
  if (o.dry_run && !o.hold) return kExitOk;
  if (!o.dry_run) std::printf("applied table inet sekisho: %zu device(s) in %.1f ms\n", devices->size(), ms_since(t0));
  if (!o.hold) return kExitOk;

  // A dry run keeps its standard output nft input: the rest are comments.
  std::printf("%sholding until SIGINT/SIGTERM (%s)\n", o.dry_run ? "# " : "",
              o.dry_run       ? "dry run"
              : o.fail_closed ? "fail-closed"
                              : "fail-open");
  std::fflush(stdout);
  int sig = 0;
  int rc = kExitOk;
  std::vector<Capture> caps;
  if (watch.source)
    caps.push_back({watch.source.get(), [f = watch.feed.get()](const capture::RawPacket& p) { f->process(p); },
                    [f = watch.feed.get()](core::TimeNs now) { f->tick(now); }});
  if (detection.source)
    caps.push_back({detection.source.get(),
                    [p = detection.pipeline.get()](const capture::RawPacket& pkt) { p->process(pkt); },
                    [p = detection.pipeline.get()](core::TimeNs now) { p->tick(now); }});
  if (!caps.empty()) {
    sig = watch_until_signal(caps, stop_signals);
    if (sig == 0) rc = kExitRuntime;  // a capture failed: stop the way a signal does
    print_watch_summary(watch);
    if (detection.engine) {
      const auto& es = detection.engine->stats();
      std::fprintf(stderr, "sekisho enforce: --detect: %llu alert(s), %llu quarantine(s), %llu failed\n",
                   (unsigned long long)es.alerts, (unsigned long long)es.quarantines,
                   (unsigned long long)es.quarantine_errors);
      if (detection.eve) (void)detection.eve->close();
    }
  } else {
    sigwait(&stop_signals, &sig);
  }
  if (o.dry_run) return rc;
  const std::string why = sig ? "signal " + std::to_string(sig) : std::string("capture failed");
  if (o.fail_closed) {
    std::printf("%s: fail-closed, table inet sekisho left in place\n", why.c_str());
    return rc;
  }
  if (core::Status s = backend->remove(); !s) return runtime_error(s.error());
  std::printf("%s: fail-open, table inet sekisho removed\n", why.c_str());
  return rc;
}

}  // namespace sekisho::enforce
