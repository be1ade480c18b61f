#include "watch/learn_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/packet_source.h"
#include "policy/mud.h"
#include "watch/mud_learn.h"
#include "watch/pipeline.h"
#include "watch/watch_command.h"

namespace sekisho::watch {

namespace {

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sekisho mud learn: %s\nTry 'sekisho mud learn --help'.\n", msg.c_str());
  return kExitUsage;
}

void print_help() {
  std::printf(
      "Usage: sekisho mud learn -r FILE... -o DIR [options]\n"
      "\n"
      "Learn a profile (an RFC 8520 MUD file) for each LAN device from its traffic, to read,\n"
      "edit and approve, then bind with 'sekisho watch --policy-dir DIR' or 'sekisho enforce'.\n"
      "Remotes are named by the DNS names the device was told, LAN peers become\n"
      "local-networks, ports stay exact unless one peer is reached on many ports.\n"
      "Writes DIR/<mac>.json, one per device.\n"
      "\n"
      "Options:\n"
      "  -r, --read FILE...      pcap or pcapng files\n"
      "  -o, --out DIR           where to write the files (created if missing)\n"
      "  --device MAC            learn only this device (repeatable; default: every LAN device)\n"
      "  --lan PREFIX[,PREFIX]   what local-networks means (default: RFC 1918, link-local, ULA)\n"
      "  --dns-grace SECONDS     names stay bound this long past their TTL (default 300; use\n"
      "                          the same value with watch)\n"
      "  --max-exact-ports N     more distinct ports to one peer become a range (default 8)\n"
      "  --oui-dir DIR           IEEE registry CSVs, for the vendor in each file's description\n"
      "  -q, --quiet             no per-record warnings about damaged input\n"
      "\n"
      "Exit status: 0 ok, 2 usage error, 3 runtime error.\n");
}

}  // namespace

int mud_learn_main(int argc, char** argv) {
  std::vector<std::string> files;
  std::string out_dir;
  std::string oui_dir = inventory::OuiRegistry::kDefaultDir;
  bool quiet = false;
  MudLearnConfig cfg;
  std::vector<core::MacAddr> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-h" || a == "--help") {
      print_help();
      return kExitOk;
    } else if (a == "-r" || a == "--read") {
      while (i + 1 < argc && argv[i + 1][0] != '-') files.emplace_back(argv[++i]);
      if (files.empty()) return usage_error(a + " needs at least one file");
    } else if (a == "-o" || a == "--out") {
      const char* v = need();
      if (!v) return usage_error(a + " needs a directory");
      out_dir = v;
    } else if (a == "--device") {
      const char* v = need();
      auto mac = v ? core::MacAddr::parse(v) : std::nullopt;
      if (!mac) return usage_error("--device needs a MAC address");
      only.push_back(*mac);
    } else if (a == "--lan") {
      const char* v = need();
      if (!v || !core::IpPrefix::parse_list(v, cfg.local_networks))
        return usage_error("--lan needs PREFIX[,PREFIX...], e.g. 192.168.1.0/24");
    } else if (a == "--dns-grace") {
      const char* v = need();
      char* end = nullptr;
      const long s = v ? std::strtol(v, &end, 10) : -1;
      if (!v || *end || s < 0 || s > 604800) return usage_error("--dns-grace needs seconds 0..604800");
      cfg.dns.grace = core::TimeNs(s) * core::kNsPerSec;
    } else if (a == "--max-exact-ports") {
      const char* v = need();
      char* end = nullptr;
      const long n = v ? std::strtol(v, &end, 10) : -1;
      if (!v || *end || n < 1 || n > 65535) return usage_error("--max-exact-ports needs a number 1..65535");
      cfg.max_exact_ports = size_t(n);
    } else if (a == "--oui-dir") {
      const char* v = need();
      if (!v) return usage_error("--oui-dir needs a directory");
      oui_dir = v;
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else {
      return usage_error("unknown option '" + a + "'");
    }
  }
  if (files.empty()) return usage_error("give the traffic to learn from: -r FILE...");
  if (out_dir.empty()) return usage_error("give the output directory: -o DIR");
  if (mkdir(out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "sekisho mud learn: %s: cannot create: %s\n", out_dir.c_str(), std::strerror(errno));
    return kExitRuntime;
  }

  inventory::OuiRegistry oui;
  if (auto r = inventory::OuiRegistry::load_dir(oui_dir); r) oui = std::move(r.value());
  MudLearner learner(cfg);
  for (const auto& m : only) learner.only(m);
  PipelineConfig pc;
  Pipeline pipeline(pc, &oui, nullptr, nullptr);
  pipeline.set_observer(&learner);

  int rc = kExitOk;
  capture::SourceOptions so;
  so.on_error = [&](const core::Error& e) {
    if (!quiet) std::fprintf(stderr, "sekisho mud learn: warning: %s\n", e.message().c_str());
  };
  for (const auto& path : files) {
    auto r = capture::open_file(path, so);
    if (!r) {
      std::fprintf(stderr, "sekisho mud learn: %s\n", r.error().message().c_str());
      rc = kExitRuntime;
      continue;
    }
    capture::RawPacket pkt;
    for (;;) {
      auto st = r.value()->next(pkt);
      if (st == capture::ReadStatus::kPacket) {
        pipeline.process(pkt);
      } else if (st == capture::ReadStatus::kFatal) {
        std::fprintf(stderr, "sekisho mud learn: %s\n", r.value()->last_error().message().c_str());
        rc = kExitRuntime;
        break;
      } else if (st == capture::ReadStatus::kEnd) {
        break;
      }
    }
  }
  pipeline.finish();

  size_t written = 0;
  for (const auto& mac : learner.devices()) {
    const uint32_t id1 = pipeline.devices().find(mac);
    const inventory::Device* d = id1 ? &pipeline.devices().devices()[id1 - 1] : nullptr;
    policy::MudFile mud = learner.profile(mac, d);
    std::string json = policy::write_mud(mud);
    // What we write must read back as the same policy.
    auto back = policy::parse_mud(json, "learned profile");
    if (!back || !(back.value() == mud)) {
      std::fprintf(stderr, "sekisho mud learn: internal error: the profile of %s does not read back%s%s\n",
                   mac.to_string().c_str(), back ? "" : ": ", back ? "" : back.error().message().c_str());
      rc = kExitRuntime;
      continue;
    }
    const std::string path = out_dir + "/" + mac.to_string() + ".json";
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f || std::fwrite(json.data(), 1, json.size(), f) != json.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "sekisho mud learn: %s: cannot write: %s\n", path.c_str(), std::strerror(errno));
      rc = kExitRuntime;
      continue;
    }
    ++written;
    std::printf("%s  %6llu flows  %4zu ACEs  %s\n", mac.to_string().c_str(), (unsigned long long)learner.flows(mac),
                mud.ace_count(), path.c_str());
  }
  if (!written) std::fprintf(stderr, "sekisho mud learn: no LAN device with unicast IP traffic found\n");
  return written || rc != kExitOk ? rc : kExitRuntime;
}

}  // namespace sekisho::watch
