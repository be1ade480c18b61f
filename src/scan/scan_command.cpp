#include "scan/scan_command.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scan/credentials.h"
#include "scan/engine.h"
#include "scan/findings.h"
#include "scan/ports.h"
#include "scan/proto/products.h"
#include "scan/report.h"
#include "scan/target.h"
#include "scan/vulns.h"

namespace sekisho::scan {

namespace {

constexpr const char* kHelp = R"(sekisho scan - risk survey of devices you are authorised to test

Usage: sekisho scan --scope CIDR[,CIDR...] TARGET... [options]

Finds the services of each device (telnet, SSH, HTTP(S), FTP, MQTT, RTSP, SNMP, CoAP,
UPnP), tries the published default passwords where a login prompt appears (stopping at
the first that works, sending nothing after it), looks the versions up in the offline
vulnerability data, and reports every problem with advice in Japanese and English.

Only addresses inside --scope are ever contacted; a target outside it is an error and
nothing is sent. Multicast, broadcast, loopback and reserved addresses are always skipped.

Targets (nmap syntax):
  10.0.0.5  10.0.0.0/24  10.0.0.1-20  10.0.0,1.1  cam.local  fd00::5
  -iL FILE               read targets from FILE ('-' = stdin; '#' comments)
  --exclude LIST         leave these out (same syntax, comma-separated)
  --excludefile FILE     leave out the targets in FILE
  --scope LIST           required: the ranges you are authorised to test
  --confirm-large        needed for more than 65,536 targets

Probing:
  --ports SPEC           nmap syntax, e.g. T:22,80,8000-8100,U:161,1900
                         (default: the IoT set T:21-23,80,81,443,554,1883,2323,5000,7547,
                         8000,8080,8081,8443,8883,37215,49152,52869,U:161,1900,5683)
  --rate N               new connections and datagrams per second, all targets (default 1000)
  --per-device N         connections to one device at a time (default 2)
  --max-hosts N          devices in progress at once (default: enough to keep --rate
                         busy through connect timeouts, at least 256)
  --timeout MS           connect timeout (default 1000); reads wait 3x this
  --no-login             no credential checks (services and versions only)
  --max-logins N         at most N credentials per service (default: the whole list)
  --attempt-gap MS       pause between two logins on one device (default 100)
  --credentials FILE     credential list (default: data/credentials/default.toml)
  --vulns PATH           vulnerability data file or directory (default: data/vulns)

Output:
  -oJ FILE|-             JSON lines: one 'service' and one 'finding' record each, then
                         'host' and 'summary' records
  -oX FILE               nmap-style XML
  --lang en|ja           language of the table (default en; JSON carries both)
  -q, --quiet            no table on standard output
  --fail-on SEVERITY     exit 1 when a finding is at or above it (info|low|medium|high|critical)
  --resume-file FILE     where an interrupted scan saves its place (default sekisho-scan.resume)
  --resume FILE          continue an interrupted scan (same options; done addresses skipped)

Exit codes: 0 ok, 1 finding at or above --fail-on, 2 usage or scope error (nothing sent),
3 runtime error, 130 interrupted (results and resume file written).

Example:
  sekisho scan --scope 192.168.1.0/24 192.168.1.0/24 -oJ findings.jsonl
)";

Engine* g_engine = nullptr;
volatile sig_atomic_t g_signals = 0;

void on_sigint(int) {
  g_signals = g_signals + 1;
  if (g_signals > 1) _exit(130);  // a second Ctrl-C: leave now
  if (g_engine) g_engine->request_stop();
}

bool parse_u64(const char* s, uint64_t& out) {
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, out);
  return ec == std::errc() && p == end && end != s;
}

int usage(const std::string& msg) {
  std::fprintf(stderr, "sekisho scan: %s\n(see 'sekisho scan --help')\n", msg.c_str());
  return 2;
}

// The resume file: the command line and the target indexes that finished.
struct ResumeState {
  std::vector<std::string> args;
  std::set<uint64_t> done;
};

bool load_resume(const std::string& path, ResumeState& st, std::string& err) {
  std::ifstream f(path);
  if (!f) {
    err = path + ": cannot read the resume file";
    return false;
  }
  try {
    const auto j = nlohmann::json::parse(f);
    for (const auto& a : j.at("args")) st.args.push_back(a.get<std::string>());
    for (const auto& r : j.at("done")) {
      const uint64_t lo = r.at(0).get<uint64_t>(), hi = r.at(1).get<uint64_t>();
      if (hi < lo || hi - lo > (uint64_t{1} << 32)) throw std::runtime_error("bad range in 'done'");
      for (uint64_t i = lo; i <= hi; ++i) st.done.insert(i);
    }
  } catch (const std::exception& e) {
    err = path + ": not a resume file (" + e.what() + ")";
    return false;
  }
  return true;
}

bool save_resume(const std::string& path, const std::vector<std::string>& args, const std::set<uint64_t>& done) {
  nlohmann::json j;
  j["version"] = 1;
  j["args"] = args;
  auto ranges = nlohmann::json::array();
  for (auto it = done.begin(); it != done.end();) {
    uint64_t lo = *it, hi = *it;
    for (++it; it != done.end() && *it == hi + 1; ++it) hi = *it;
    ranges.push_back({lo, hi});
  }
  j["done"] = ranges;
  std::ofstream f(path, std::ios::trunc);
  f << j.dump() << "\n";
  return bool(f);
}

}  // namespace

int scan_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string resume_from;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--resume") resume_from = args[i + 1];
  ResumeState resume;
  if (!resume_from.empty()) {
    std::string err;
    if (!load_resume(resume_from, resume, err)) {
      std::fprintf(stderr, "sekisho scan: %s\n", err.c_str());
      return 2;
    }
    args = resume.args;
  }

  TargetOptions topts;
  ScanOptions sopts;
  ReportOptions ropts;
  std::string scope_text, ports_text, json_path, creds_path = default_credentials_path(),
                                                 vulns_path = default_vulns_path(), fail_on;
  std::string resume_file = "sekisho-scan.resume";
  bool quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    auto next_num = [&](uint64_t& out) -> bool {
      std::string v;
      return next(v) && parse_u64(v.c_str(), out);
    };
    std::string v;
    uint64_t n = 0;
    if (a == "-h" || a == "--help") {
      std::fputs(kHelp, stdout);
      return 0;
    } else if (a == "--scope") {
      if (!next(scope_text)) return usage("--scope needs a list of ranges");
    } else if (a == "--ports" || a == "-p") {
      if (!next(ports_text)) return usage("--ports needs a port list");
    } else if (a == "--rate") {
      if (!next_num(n) || n == 0) return usage("--rate needs a positive number");
      sopts.rate = double(n);
    } else if (a == "--per-device") {
      if (!next_num(n) || n == 0 || n > 64) return usage("--per-device needs a number from 1 to 64");
      sopts.per_device = n;
    } else if (a == "--max-hosts") {
      if (!next_num(n) || n == 0) return usage("--max-hosts needs a positive number");
      sopts.max_hosts = n;
    } else if (a == "--timeout") {
      if (!next_num(n) || n < 10 || n > 600000) return usage("--timeout needs milliseconds from 10 to 600000");
      sopts.connect_timeout_ms = n;
      sopts.read_timeout_ms = 3 * n;
      sopts.udp_timeout_ms = n;
      sopts.banner_wait_ms = std::max<uint64_t>(n + n / 2, 200);
    } else if (a == "--attempt-gap") {
      if (!next_num(n) || n > 60000) return usage("--attempt-gap needs milliseconds (0 to 60000)");
      sopts.attempt_gap_ms = n;
    } else if (a == "--max-logins") {
      if (!next_num(n)) return usage("--max-logins needs a number");
      sopts.max_logins_per_service = n;
    } else if (a == "--no-login") {
      sopts.credentials = false;
    } else if (a == "--credentials") {
      if (!next(creds_path)) return usage("--credentials needs a file");
    } else if (a == "--vulns") {
      if (!next(vulns_path)) return usage("--vulns needs a file or directory");
    } else if (a == "-oJ") {
      if (!next(json_path)) return usage("-oJ needs a file or -");
    } else if (a == "-oX") {
      if (!next(ropts.xml_path)) return usage("-oX needs a file");
    } else if (a == "--lang") {
      if (!next(ropts.lang) || (ropts.lang != "en" && ropts.lang != "ja")) return usage("--lang is en or ja");
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (a == "--fail-on") {
      if (!next(fail_on) || !parse_severity(fail_on))
        return usage("--fail-on needs a severity: info, low, medium, high or critical");
    } else if (a == "-iL") {
      if (!next(v)) return usage("-iL needs a file");
      topts.input_files.push_back(v);
    } else if (a == "--exclude") {
      if (!next(v)) return usage("--exclude needs a list");
      topts.exclude_specs.push_back(v);
    } else if (a == "--excludefile") {
      if (!next(v)) return usage("--excludefile needs a file");
      topts.exclude_files.push_back(v);
    } else if (a == "--confirm-large") {
      topts.confirmed = true;
    } else if (a == "--resume-file") {
      if (!next(resume_file)) return usage("--resume-file needs a file");
    } else if (a == "--resume") {
      ++i;  // handled above
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return usage("unknown option '" + a + "'");
    } else {
      topts.specs.push_back(a);
    }
  }
  if (scope_text.empty())
    return usage("--scope is required: name the ranges you are authorised to test, e.g. --scope 192.168.1.0/24");
  auto scope = Scope::parse(scope_text);
  if (!scope) return usage(scope.error().message());
  topts.scope = std::move(scope.value());
  if (!ports_text.empty()) {
    auto ports = parse_ports(ports_text);
    if (!ports) return usage(ports.error().message());
    sopts.ports = std::move(ports.value());
  }
  if (topts.specs.empty() && topts.input_files.empty()) return usage("no targets given");

  SystemResolver resolver;
  TargetReport treport;
  auto targets = build_targets(topts, resolver, &treport);
  if (!targets) {
    std::fprintf(stderr, "sekisho scan: %s\nNothing was sent.\n", targets.error().message().c_str());
    return 2;
  }
  for (const auto& note : treport.notes) std::fprintf(stderr, "sekisho scan: %s\n", note.c_str());

  // Data: a broken file is a runtime error naming the file and the record.
  auto catalog = FindingCatalog::load(default_findings_path());
  if (!catalog) {
    std::fprintf(stderr, "sekisho scan: %s\n", catalog.error().message().c_str());
    return 3;
  }
  std::optional<CredentialSet> creds;
  if (sopts.credentials) {
    auto c = load_credentials(creds_path);
    if (!c) {
      std::fprintf(stderr, "sekisho scan: %s\n", c.error().message().c_str());
      return 3;
    }
    creds = std::move(c.value());
  }
  auto vulns = VulnDb::load(vulns_path);
  if (!vulns) {
    std::fprintf(stderr, "sekisho scan: %s\n", vulns.error().message().c_str());
    return 3;
  }
  auto products = proto::ProductMatcher::load(proto::default_products_path());
  if (!products) {
    std::fprintf(stderr, "sekisho scan: %s\n", products.error().message().c_str());
    return 3;
  }

  std::FILE* json = nullptr;
  if (json_path == "-") {
    json = stdout;
    quiet = true;  // stdout carries the JSON
  } else if (!json_path.empty()) {
    json = std::fopen(json_path.c_str(), resume_from.empty() ? "w" : "a");
    if (!json) {
      std::fprintf(stderr, "sekisho scan: %s: %s\n", json_path.c_str(), std::strerror(errno));
      return 3;
    }
  }
  ropts.json = json;
  ropts.table = quiet ? nullptr : stdout;
  for (const auto& a : args) ropts.args += (ropts.args.empty() ? "sekisho scan " : " ") + a;

  std::fprintf(stderr, "sekisho scan: %llu addresses (%s), %zu ports each, scope %s, rate %.0f/s, %zu per device\n",
               (unsigned long long)targets->size(), targets->to_string(4).c_str(), sopts.ports.size(),
               topts.scope.to_string().c_str(), sopts.rate, sopts.per_device);

  Report report(ropts, catalog.value());
  Engine engine(sopts, creds ? &*creds : nullptr, &vulns.value(), &products.value(), report);
  g_engine = &engine;
  // A device that hangs up mid-write must not kill the scan (libssh writes without
  // MSG_NOSIGNAL).
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  const ScanStats stats = engine.run(targets.value(), [&](uint64_t i) { return resume.done.count(i) > 0; });

  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  g_engine = nullptr;

  std::string err;
  const bool wrote = report.finish(stats, err);
  if (json && json != stdout) std::fclose(json);
  if (!wrote) {
    std::fprintf(stderr, "sekisho scan: %s\n", err.c_str());
    return 3;
  }
  if (stats.task_errors)
    std::fprintf(stderr, "sekisho scan: %llu probes failed inside sekisho (first: %s)\n",
                 (unsigned long long)stats.task_errors, "see the logs");
  if (stats.interrupted) {
    std::set<uint64_t> done = resume.done;
    for (const HostSummary& h : report.hosts())
      if (!h.interrupted) done.insert(h.index);
    if (save_resume(resume_file, args, done))
      std::fprintf(stderr, "sekisho scan: interrupted; continue with: sekisho scan --resume %s\n", resume_file.c_str());
    else
      std::fprintf(stderr, "sekisho scan: interrupted; could not write %s\n", resume_file.c_str());
    return 130;
  }
  if (resume_from.size()) std::remove(resume_from.c_str());
  if (!fail_on.empty() && report.any_finding() && report.worst() >= *parse_severity(fail_on)) return 1;
  return 0;
}

}  // namespace sekisho::scan
