#include "watch/watch_command.h"

#include <dirent.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "capture/packet_source.h"
#include "detect/engine.h"
#include "output/inventory_report.h"
#include "policy/mud.h"
#include "watch/pipeline.h"
#include "watch/policy_monitor.h"

#ifndef SEKISHO_DATA_DIR_DEFAULT
#define SEKISHO_DATA_DIR_DEFAULT "/usr/share/sekisho"
#endif

namespace sekisho::watch {

namespace {

struct Options {
  std::vector<std::string> files;
  std::string iface;
  std::string bpf;
  uint32_t snaplen = 262144;
  bool promisc = true;
  std::string inventory;  // "", "json", "table"
  std::string inventory_out;
  std::string eve;  // "", "-" or a path
  bool stats = false;
  uint64_t max_flows = 1u << 20;
  uint64_t max_devices = 65536;
  std::string oui_dir = inventory::OuiRegistry::kDefaultDir;
  std::string classes;
  double duration = 0;  // live: stop after this many seconds
  uint64_t count = 0;   // stop after this many packets
  bool quiet = false;
  uint32_t max_warnings = 20;                                 // per input
  std::vector<std::pair<std::string, std::string>> policies;  // MAC text, MUD file
  std::vector<std::string> policy_dirs;
  std::vector<std::string> mud_caches;
  std::vector<std::pair<std::string, std::string>> vendor_policies;  // vendor substring, file
  std::vector<std::pair<inventory::DeviceClass, std::string>> class_policies;
  PolicyMonitorConfig policy;
  bool lan_given = false;
  std::string config;  // TOML config ([detect] tables)
  bool detect = true;
};

std::atomic<bool> g_stop{false};
capture::PacketSource* g_live = nullptr;

void on_signal(int) {
  g_stop.store(true);
  if (g_live) g_live->stop();
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sekisho watch: %s\nTry 'sekisho watch --help'.\n", msg.c_str());
  return kExitUsage;
}

bool parse_u64(const char* s, uint64_t& out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno || *end || s[0] == '-') return false;
  out = v;
  return true;
}

// The *.json files of a directory, sorted; false (with a message) if it cannot be read.
bool json_files(const std::string& option, const std::string& dir, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) {
    std::fprintf(stderr, "sekisho watch: %s %s: %s\n", option.c_str(), dir.c_str(), std::strerror(errno));
    return false;
  }
  out.clear();
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json") out.emplace_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return true;
}

// A policy file as a template (no device yet), or a message and nullopt.
std::optional<policy::DevicePolicy> load_template(const std::string& path) {
  auto r = policy::load_policy(path, core::MacAddr{});
  if (!r) {
    std::fprintf(stderr, "sekisho watch: %s\n", r.error().message().c_str());
    return std::nullopt;
  }
  return std::move(r.value());
}

// Binds --policy and --policy-dir files; the first error stops the run (a policy that
// silently failed to load would look like a quiet device).
bool load_policies(const Options& o, PolicyMonitor& pm) {
  std::vector<std::pair<core::MacAddr, std::string>> todo;
  for (const auto& [mac_text, file] : o.policies) {
    auto mac = core::MacAddr::parse(mac_text);
    if (!mac) {
      std::fprintf(stderr, "sekisho watch: --policy %s=%s: '%s' is not a MAC address\n", mac_text.c_str(), file.c_str(),
                   mac_text.c_str());
      return false;
    }
    todo.emplace_back(*mac, file);
  }
  std::vector<std::string> names;
  for (const auto& dir : o.policy_dirs) {
    if (!json_files("--policy-dir", dir, names)) return false;
    for (const auto& n : names) {
      auto mac = core::MacAddr::parse(std::string_view(n).substr(0, n.size() - 5));
      if (!mac) continue;  // not a per-device file
      todo.emplace_back(*mac, dir + "/" + n);
    }
  }
  // Parsing is the cost (thousands of files on a big site): spread it over the cores.
  std::vector<std::optional<core::Result<policy::DevicePolicy>>> loaded(todo.size());
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 16);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < todo.size();)
      loaded[i].emplace(policy::load_policy(todo[i].second, todo[i].first));
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < std::min(workers, todo.size()); ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (auto& r : loaded) {
    if (!*r) {
      std::fprintf(stderr, "sekisho watch: %s\n", r->error().message().c_str());
      return false;
    }
    pm.bind(std::move(r->value()));
  }
  // Templates for automatic binding.
  for (const auto& dir : o.mud_caches) {
    if (!json_files("--mud-cache", dir, names)) return false;
    for (const auto& n : names) {
      auto t = load_template(dir + "/" + n);
      if (!t) return false;
      pm.add_cached(std::move(*t));
    }
  }
  for (const auto& [vendor, file] : o.vendor_policies) {
    auto t = load_template(file);
    if (!t) return false;
    pm.add_vendor_rule(vendor, std::move(*t));
  }
  for (const auto& [cls, file] : o.class_policies) {
    auto t = load_template(file);
    if (!t) return false;
    pm.add_class_default(cls, std::move(*t));
  }
  return true;
}

size_t terminal_width() {
  struct winsize ws {};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40) return ws.ws_col;
  return 0;
}

void print_stats(const Pipeline& p, const std::vector<capture::CaptureStats>& caps, const output::EveWriter* eve,
                 double wall_s) {
  const auto& d = p.decoder_stats();
  const auto& f = p.flow_stats();
  uint64_t bad = 0, resync = 0, filtered = 0, drops = 0;
  for (const auto& c : caps) {
    bad += c.bad_records;
    resync += c.resyncs;
    filtered += c.filtered_out;
    drops += c.kernel_drops;
  }
  std::fprintf(stderr, "sekisho watch statistics\n");
  std::fprintf(stderr, "  packets read       %llu\n", (unsigned long long)p.stats().packets);
  std::fprintf(stderr, "  bytes read         %llu\n", (unsigned long long)p.stats().bytes);
  std::fprintf(stderr, "  decoded            %llu\n", (unsigned long long)d.decoded);
  std::fprintf(stderr, "  non-IP             %llu\n", (unsigned long long)d.non_ip);
  std::fprintf(stderr, "  IP fragments       %llu\n", (unsigned long long)d.fragments);
  std::fprintf(stderr, "  malformed          %llu\n", (unsigned long long)d.malformed_total());
  for (size_t i = 1; i < d.malformed.size(); ++i)
    if (d.malformed[i])
      std::fprintf(stderr, "    %-20s %llu\n", decode::malformed_name(decode::Malformed(i)),
                   (unsigned long long)d.malformed[i]);
  std::fprintf(stderr, "  bad records        %llu (resyncs %llu)\n", (unsigned long long)bad,
               (unsigned long long)resync);
  if (filtered) std::fprintf(stderr, "  filtered out (BPF) %llu\n", (unsigned long long)filtered);
  if (drops) std::fprintf(stderr, "  kernel drops       %llu\n", (unsigned long long)drops);
  std::fprintf(stderr, "  flows created      %llu\n", (unsigned long long)f.created);
  std::fprintf(stderr, "  flows expired      %llu\n", (unsigned long long)f.expired);
  std::fprintf(stderr, "  flows evicted      %llu (half-open %llu, one-way %llu)\n", (unsigned long long)f.evicted,
               (unsigned long long)f.evicted_by_class[0], (unsigned long long)f.evicted_by_class[1]);
  std::fprintf(stderr, "  flows peak active  %llu\n", (unsigned long long)f.peak_active);
  std::fprintf(stderr, "  devices            %llu\n", (unsigned long long)p.devices().stats().devices);
  if (p.devices().stats().dropped_new)
    std::fprintf(stderr, "  devices refused    %llu (table full)\n",
                 (unsigned long long)p.devices().stats().dropped_new);
  if (eve) std::fprintf(stderr, "  events written     %llu\n", (unsigned long long)eve->stats().events);
  if (wall_s > 0)
    std::fprintf(stderr, "  wall time          %.3f s (%.0f packets/s)\n", wall_s, double(p.stats().packets) / wall_s);
}

}  // namespace

void print_watch_help() {
  std::printf(
      "Usage: sekisho watch -r FILE [FILE...] [options]\n"
      "       sekisho watch -i IFACE [options]\n"
      "\n"
      "Watch a LAN passively: decode every packet, follow flows, and keep an inventory of the\n"
      "devices seen (vendor, addresses, host name, DHCP fingerprint, DNS names, mDNS/SSDP\n"
      "announcements, TLS fingerprints, MUD URL, a best-effort device class).\n"
      "\n"
      "Input (one of):\n"
      "  -r, --read FILE...      pcap or pcapng files (read in order; '-' is standard input)\n"
      "  -i, --interface IFACE   capture live from IFACE (needs root or CAP_NET_RAW)\n"
      "\n"
      "Output:\n"
      "  --inventory json|table  print the device inventory at the end (default: table when\n"
      "                          no --eve is given)\n"
      "  --inventory-out PATH    write the inventory there instead of standard output\n"
      "  --eve PATH|-            write events as EVE JSON lines (flow, dns, mdns, dhcp, tls,\n"
      "                          http, device); '-' is standard output\n"
      "  --stats                 print counters to standard error at the end\n"
      "  --config FILE           sekisho's TOML config: detector thresholds and responses\n"
      "                          ([detect.NAME] tables; see docs/DETECT.md)\n"
      "  --no-detect             run no detectors (no alert events)\n"
      "  --print-config          print the detection config with every default, then exit\n"
      "  -q, --quiet             no per-record warnings about damaged input\n"
      "\n"
      "Capture options:\n"
      "  --bpf EXPR              only packets matching this filter (files and live)\n"
      "  --snaplen N             live capture length (default 262144)\n"
      "  --no-promisc            live: do not put the interface in promiscuous mode\n"
      "  --duration SECONDS      live: stop after this long (default: until Ctrl-C)\n"
      "  --count N               stop after N packets\n"
      "\n"
      "Policies (RFC 8520 MUD; every new flow of a bound device is checked, violations are\n"
      "EVE events with \"event_type\":\"policy_violation\"):\n"
      "  --policy MAC=FILE       bind the MUD file FILE to the device MAC (repeatable)\n"
      "  --policy-dir DIR        bind every DIR/<mac>.json (as written by 'sekisho mud learn')\n"
      "  --mud-cache DIR         MUD files by URL: a device announcing a MUD URL (DHCP option\n"
      "                          161/112, LLDP) gets the file whose mud-url it is\n"
      "  --vendor-policy TEXT=FILE  devices whose vendor name contains TEXT get FILE\n"
      "  --class-policy CLASS=FILE  default policy for a device class (camera, plug, bulb,\n"
      "                          hub, speaker, printer, phone-pc, sensor, gateway, unknown)\n"
      "                          (--policy beats a MUD URL, which beats vendor, then class)\n"
      "  --lan PREFIX[,PREFIX]   what local-networks means (default: RFC 1918, link-local, ULA)\n"
      "  --controller URI=ADDR[,ADDR]  the addresses a controller class stands for, e.g.\n"
      "                          urn:ietf:params:mud:dns=192.168.1.1\n"
      "  --my-controller MUDURL=ADDR[,ADDR]  my-controller addresses for devices with MUDURL\n"
      "  --dns-grace SECONDS     keep names learned from DNS answers this long past their TTL\n"
      "                          (default 300)\n"
      "\n"
      "Limits and data:\n"
      "  --max-flows N           flow table size (default 1048576); when full, half-open\n"
      "                          and one-way flows are evicted first\n"
      "  --max-devices N         inventory size (default 65536)\n"
      "  --oui-dir DIR           IEEE registry CSVs (default /usr/share/ieee-data)\n"
      "  --classes FILE          device class rules (default data/fingerprints/device_classes.json)\n"
      "\n"
      "Exit status: 0 ok, 2 usage error, 3 runtime error (input unreadable, output failed).\n"
      "Damaged records are reported on standard error with file and record number, counted,\n"
      "and skipped; the run goes on.\n"
      "\n"
      "Examples:\n"
      "  sekisho watch -r capture.pcap\n"
      "  sekisho watch -r a.pcap b.pcapng --inventory json --eve events.json --stats\n"
      "  sekisho watch -i eth0 --bpf 'not port 22' --eve -\n");
}

int watch_main(int argc, char** argv) {
  Options o;
  bool inventory_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // The option's value, or null when the command line ends.
    auto need = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-h" || a == "--help") {
      print_watch_help();
      return kExitOk;
    } else if (a == "-r" || a == "--read") {
      if (i + 1 >= argc) return usage_error(a + " needs at least one file");
      while (i + 1 < argc && (argv[i + 1][0] != '-' || std::strcmp(argv[i + 1], "-") == 0))
        o.files.emplace_back(argv[++i]);
      if (o.files.empty()) return usage_error(a + " needs at least one file");
    } else if (a == "-i" || a == "--interface") {
      const char* v = need();
      if (!v) return usage_error(a + " needs an interface name");
      o.iface = v;
    } else if (a == "--bpf") {
      const char* v = need();
      if (!v) return usage_error("--bpf needs a filter expression");
      o.bpf = v;
    } else if (a == "--snaplen") {
      uint64_t v;
      if (!parse_u64(need(), v) || v < 64 || v > 262144) return usage_error("--snaplen needs a number 64..262144");
      o.snaplen = uint32_t(v);
    } else if (a == "--no-promisc") {
      o.promisc = false;
    } else if (a == "--inventory") {
      const char* v = need();
      if (!v || (std::strcmp(v, "json") != 0 && std::strcmp(v, "table") != 0))
        return usage_error("--inventory needs 'json' or 'table'");
      o.inventory = v;
      inventory_given = true;
    } else if (a == "--inventory-out") {
      const char* v = need();
      if (!v) return usage_error("--inventory-out needs a path");
      o.inventory_out = v;
    } else if (a == "--eve") {
      const char* v = need();
      if (!v) return usage_error("--eve needs a path or '-'");
      o.eve = v;
    } else if (a == "--config") {
      const char* v = need();
      if (!v) return usage_error("--config needs a file");
      o.config = v;
    } else if (a == "--print-config") {
      std::fputs(detect::default_config_toml().c_str(), stdout);
      return kExitOk;
    } else if (a == "--no-detect") {
      o.detect = false;
    } else if (a == "--stats") {
      o.stats = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "--max-flows") {
      if (!parse_u64(need(), o.max_flows) || o.max_flows < 16 || o.max_flows > (1u << 30))
        return usage_error("--max-flows needs a number 16..1073741824");
    } else if (a == "--max-devices") {
      if (!parse_u64(need(), o.max_devices) || o.max_devices < 1)
        return usage_error("--max-devices needs a positive number");
    } else if (a == "--oui-dir") {
      const char* v = need();
      if (!v) return usage_error("--oui-dir needs a directory");
      o.oui_dir = v;
    } else if (a == "--classes") {
      const char* v = need();
      if (!v) return usage_error("--classes needs a file");
      o.classes = v;
    } else if (a == "--duration") {
      const char* v = need();
      char* end = nullptr;
      o.duration = v ? std::strtod(v, &end) : -1;
      if (!v || *end || o.duration <= 0) return usage_error("--duration needs a positive number of seconds");
    } else if (a == "--count") {
      if (!parse_u64(need(), o.count) || o.count == 0) return usage_error("--count needs a positive number");
    } else if (a == "--policy") {
      const char* v = need();
      const char* eq = v ? std::strchr(v, '=') : nullptr;
      if (!eq || eq == v || !eq[1]) return usage_error("--policy needs MAC=FILE");
      o.policies.emplace_back(std::string(v, eq), std::string(eq + 1));
    } else if (a == "--policy-dir") {
      const char* v = need();
      if (!v) return usage_error("--policy-dir needs a directory");
      o.policy_dirs.emplace_back(v);
    } else if (a == "--mud-cache") {
      const char* v = need();
      if (!v) return usage_error("--mud-cache needs a directory");
      o.mud_caches.emplace_back(v);
    } else if (a == "--vendor-policy" || a == "--class-policy") {
      const char* v = need();
      const char* eq = v ? std::strchr(v, '=') : nullptr;
      if (!eq || eq == v || !eq[1])
        return usage_error(a + (a == "--vendor-policy" ? " needs TEXT=FILE" : " needs CLASS=FILE"));
      if (a == "--vendor-policy") {
        o.vendor_policies.emplace_back(std::string(v, eq), std::string(eq + 1));
      } else {
        auto cls = inventory::class_from_name(std::string_view(v, size_t(eq - v)));
        if (cls == inventory::DeviceClass::kCount)
          return usage_error("--class-policy: unknown class '" + std::string(v, eq) + "'");
        o.class_policies.emplace_back(cls, std::string(eq + 1));
      }
    } else if (a == "--lan") {
      const char* v = need();
      if (!v || !core::IpPrefix::parse_list(v, o.policy.local_networks))
        return usage_error("--lan needs PREFIX[,PREFIX...], e.g. 192.168.1.0/24");
      o.lan_given = true;
    } else if (a == "--controller" || a == "--my-controller") {
      const char* v = need();
      const char* eq = v ? std::strrchr(v, '=') : nullptr;
      std::vector<core::IpPrefix> addrs;
      if (!eq || eq == v || !core::IpPrefix::parse_list(eq + 1, addrs))
        return usage_error(a + " needs URI=ADDR[,ADDR...]");
      auto& m = a == "--controller" ? o.policy.controllers : o.policy.my_controllers;
      auto& dst = m[std::string(v, eq)];
      dst.insert(dst.end(), addrs.begin(), addrs.end());
    } else if (a == "--dns-grace") {
      uint64_t v;
      if (!parse_u64(need(), v) || v > 86400 * 7) return usage_error("--dns-grace needs seconds 0..604800");
      o.policy.dns.grace = core::TimeNs(v) * core::kNsPerSec;
    } else {
      return usage_error("unknown option '" + a + "'");
    }
  }
  if (o.files.empty() == o.iface.empty()) return usage_error("give either -r FILE... or -i IFACE");
  if (!inventory_given && o.eve.empty()) o.inventory = "table";

  // Data the run needs: missing vendor registry or class rules degrade, they do not stop.
  inventory::OuiRegistry oui;
  {
    auto r = inventory::OuiRegistry::load_dir(o.oui_dir);
    if (r)
      oui = std::move(r.value());
    else
      std::fprintf(stderr, "sekisho watch: warning: %s (vendors will be empty)\n", r.error().message().c_str());
  }
  std::unique_ptr<inventory::Classifier> classifier;
  {
    std::string path = o.classes.empty() ? default_classes_path() : o.classes;
    auto r = inventory::Classifier::load(path);
    if (r) {
      classifier = std::make_unique<inventory::Classifier>(std::move(r.value()));
    } else if (!o.classes.empty()) {
      std::fprintf(stderr, "sekisho watch: %s\n", r.error().message().c_str());
      return kExitRuntime;
    } else {
      std::fprintf(stderr, "sekisho watch: warning: %s (device classes will be 'unknown')\n",
                   r.error().message().c_str());
    }
  }

  std::unique_ptr<output::EveWriter> eve;
  if (!o.eve.empty()) {
    auto r = output::EveWriter::open(o.eve);
    if (!r) {
      std::fprintf(stderr, "sekisho watch: %s\n", r.error().message().c_str());
      return kExitRuntime;
    }
    eve = std::move(r.value());
  }

  PipelineConfig pc;
  pc.flow.max_flows = uint32_t(o.max_flows);
  pc.devices.max_devices = o.max_devices;
  Pipeline pipeline(pc, &oui, classifier.get(), eve.get());
  PolicyMonitor policies(o.policy);
  const auto load_t0 = std::chrono::steady_clock::now();
  if (!load_policies(o, policies)) return kExitRuntime;
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_t0).count();
  if (!policies.empty()) {
    pipeline.set_observer(&policies);
    if (eve) policies.set_sink([w = eve.get()](std::string_view event) { w->text(event); });
    if (!eve && !o.quiet)
      std::fprintf(stderr, "sekisho watch: note: policy violations are EVE events; add --eve PATH|- to see them\n");
  }

  // Detectors: on unless --no-detect; thresholds and responses from --config.
  std::unique_ptr<detect::Engine> engine;
  if (o.detect) {
    detect::DetectConfig dc;
    if (!o.config.empty()) {
      auto r = detect::DetectConfig::load(o.config);
      if (!r) {
        std::fprintf(stderr, "sekisho watch: %s\n", r.error().message().c_str());
        return kExitRuntime;
      }
      dc = std::move(r.value());
    }
    if (o.lan_given) dc.local_networks = o.policy.local_networks;
    auto e = detect::Engine::create(dc);
    if (!e) {
      std::fprintf(stderr, "sekisho watch: %s\n", e.error().message().c_str());
      return kExitRuntime;
    }
    engine = std::move(e.value());
    engine->set_output([w = eve.get(), quiet = o.quiet](const detect::Alert& a, std::string_view json) {
      if (w) {
        w->text(json);
      } else if (!quiet) {
        const detect::SignatureInfo* sig = detect::find_signature(a.signature_id);
        std::fprintf(stderr, "sekisho watch: alert %s: %s (device %s%s%s)\n", core::eve_time(a.ts).c_str(),
                     a.signature.empty() ? std::string(sig ? sig->name : "?").c_str() : a.signature.c_str(),
                     a.mac.to_string().c_str(), a.device_ip.family ? " " : "",
                     a.device_ip.family ? a.device_ip.to_string().c_str() : "");
      }
    });
    pipeline.set_detectors(engine.get());
    if (!policies.empty())
      policies.set_violation_hook(
          [&engine, &pipeline](const PolicyViolation& v, const decode::PacketView& pv, const flow::Flow& f) {
            engine->report(violation_alert(v, pv, f, pipeline.devices()));
          });
  }

  std::vector<capture::CaptureStats> cap_stats;
  int rc = kExitOk;
  uint32_t warnings = 0;
  uint64_t suppressed = 0;
  capture::SourceOptions so;
  so.bpf = o.bpf;
  so.snaplen = o.snaplen;
  so.promiscuous = o.promisc;
  so.on_error = [&](const core::Error& e) {
    if (o.quiet) return;
    if (warnings < o.max_warnings) {
      ++warnings;
      std::fprintf(stderr, "sekisho watch: warning: %s\n", e.message().c_str());
    } else {
      ++suppressed;
    }
  };

  auto t0 = std::chrono::steady_clock::now();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  uint64_t total = 0;
  auto run_source = [&](capture::PacketSource& src, bool live) -> bool {
    capture::RawPacket pkt;
    auto deadline =
        t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.duration));
    for (;;) {
      if (g_stop.load()) return true;
      capture::ReadStatus st = src.next(pkt);
      if (st == capture::ReadStatus::kPacket) {
        pipeline.process(pkt);
        if (o.count && ++total >= o.count) return true;
        if (!live) continue;
      } else if (st == capture::ReadStatus::kEnd) {
        return true;
      } else if (st == capture::ReadStatus::kFatal) {
        std::fprintf(stderr, "sekisho watch: %s\n", src.last_error().message().c_str());
        return false;
      }
      if (live) {
        auto now = std::chrono::steady_clock::now();
        if (st == capture::ReadStatus::kTimeout) {
          // Idle: let flows time out by the clock and push buffered events out.
          pipeline.tick(
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count());
          if (eve) eve->flush();
        }
        if (o.duration > 0 && now >= deadline) return true;
      }
    }
  };

  if (!o.iface.empty()) {
    auto r = capture::open_live(o.iface, so);
    if (!r) {
      std::fprintf(stderr, "sekisho watch: %s\n", r.error().message().c_str());
      return kExitRuntime;
    }
    auto& src = *r.value();
    g_live = &src;
    if (!o.quiet) std::fprintf(stderr, "sekisho watch: listening on %s (Ctrl-C to stop)\n", o.iface.c_str());
    if (!run_source(src, true)) rc = kExitRuntime;
    g_live = nullptr;
    cap_stats.push_back(src.stats());
  } else {
    for (const auto& path : o.files) {
      if (g_stop.load()) break;
      warnings = 0;
      auto r = capture::open_file(path, so);
      if (!r) {
        std::fprintf(stderr, "sekisho watch: %s\n", r.error().message().c_str());
        rc = kExitRuntime;
        continue;  // the other files are still worth reading
      }
      if (!run_source(*r.value(), false)) rc = kExitRuntime;
      cap_stats.push_back(r.value()->stats());
      if (suppressed) {
        std::fprintf(stderr, "sekisho watch: warning: %s: %llu more damaged records not shown\n", path.c_str(),
                     (unsigned long long)suppressed);
        suppressed = 0;
      }
      if (o.count && total >= o.count) break;
    }
  }
  pipeline.finish();
  // The inventory is formatted while the event writer drains its last batches.
  std::string doc;
  if (!o.inventory.empty()) {
    auto devices = output::sorted_devices(pipeline.devices().devices());
    doc = o.inventory == "json" ? output::inventory_json(devices)
                                : output::inventory_table(devices, o.inventory_out.empty() ? terminal_width() : 0);
  }
  if (eve) {
    if (auto st = eve->close(); !st) {
      std::fprintf(stderr, "sekisho watch: %s\n", st.error().message().c_str());
      rc = kExitRuntime;
    }
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!o.inventory.empty()) {
    if (o.inventory_out.empty()) {
      std::fwrite(doc.data(), 1, doc.size(), stdout);
      std::fflush(stdout);
    } else {
      FILE* f = std::fopen(o.inventory_out.c_str(), "w");
      if (!f || std::fwrite(doc.data(), 1, doc.size(), f) != doc.size() || std::fclose(f) != 0) {
        std::fprintf(stderr, "sekisho watch: %s: cannot write the inventory: %s\n", o.inventory_out.c_str(),
                     std::strerror(errno));
        rc = kExitRuntime;
      }
    }
  }
  if (o.stats) {
    print_stats(pipeline, cap_stats, eve.get(), wall);
    if (!policies.empty()) {
      const auto& ps = policies.stats();
      std::fprintf(stderr, "  policies bound     %zu (automatically %llu, unknown MUD URLs %llu)\n", policies.size(),
                   (unsigned long long)ps.auto_bound, (unsigned long long)ps.unknown_mud_urls);
      std::fprintf(stderr, "  policy files read  in %.3f s\n", load_s);
      std::fprintf(stderr, "  flows checked      %llu (exempt %llu)\n", (unsigned long long)ps.flows_checked,
                   (unsigned long long)ps.exempt);
      std::fprintf(stderr, "  policy violations  %llu\n", (unsigned long long)ps.violations);
      std::fprintf(stderr, "  DNS names bound    %zu (from %llu answers)\n", policies.dns().size(),
                   (unsigned long long)ps.dns_answers);
    }
    if (engine) {
      const auto& es = engine->stats();
      std::fprintf(stderr, "  alerts             %llu (repeats suppressed %llu, quarantines %llu, failed %llu)\n",
                   (unsigned long long)es.alerts, (unsigned long long)es.suppressed, (unsigned long long)es.quarantines,
                   (unsigned long long)es.quarantine_errors);
      for (const auto& [id, n] : engine->alerts_by_signature()) {
        const detect::SignatureInfo* sig = detect::find_signature(id);
        std::fprintf(stderr, "    %u %-48s %llu\n", id, sig ? std::string(sig->name).c_str() : "?",
                     (unsigned long long)n);
      }
      size_t state = 0;
      std::string off;
      for (const auto& d : engine->detectors()) {
        state += d.state_bytes;
        if (!d.running) off += (off.empty() ? "" : ", ") + std::string(d.name);
      }
      std::fprintf(stderr, "  detectors          %zu, state %.1f KiB%s%s\n", engine->detectors().size(), state / 1024.0,
                   off.empty() ? "" : ", failed: ", off.c_str());
    }
  }
  return rc;
}

std::string default_classes_path() {
  if (const char* d = std::getenv("SEKISHO_DATA_DIR")) return std::string(d) + "/fingerprints/device_classes.json";
  return std::string(SEKISHO_DATA_DIR_DEFAULT) + "/fingerprints/device_classes.json";
}

}  // namespace sekisho::watch
