#include "scan/vulns_command.h"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/files.h"
#include "scan/vulns.h"

namespace sekisho::scan {

namespace {

constexpr int kExitOk = 0, kExitUsage = 2, kExitRuntime = 3;

void print_usage(FILE* out) {
  std::fprintf(out,
               "Usage: sekisho vulns COMMAND [options]\n"
               "\n"
               "The offline list of known-vulnerable versions that 'sekisho scan' checks banners\n"
               "against (data/vulns/*.json).\n"
               "\n"
               "Commands:\n"
               "  check PRODUCT VERSION   which advisories cover this version of a product\n"
               "  import -o OUT FEED...   turn NVD CVE JSON 2.0 feed files into a data file\n"
               "\n"
               "'sekisho vulns COMMAND --help' for a command's options.\n");
}

void print_check_usage(FILE* out) {
  std::fprintf(out,
               "Usage: sekisho vulns check [--data PATH] [--json] PRODUCT VERSION\n"
               "\n"
               "Looks PRODUCT at VERSION up in the offline vulnerability data and prints every\n"
               "advisory whose version range holds it.\n"
               "\n"
               "  PRODUCT      CPE vendor:product, e.g. allegrosoft:rompager, openbsd:openssh,\n"
               "               dropbear_ssh_project:dropbear_ssh (a full cpe:2.3:... or cpe:/... works too)\n"
               "  VERSION      the version the banner shows, e.g. 4.07, 9.2p1, 2022.83\n"
               "  --data PATH  a data file or a directory of *.json (default: %s)\n"
               "  --json       one JSON object per advisory on standard output\n"
               "\n"
               "A match comes from the version number alone: a vendor or distribution may have\n"
               "fixed the flaw without changing the number (Debian's dropbear 2022.83-1+deb12u1\n"
               "has the Terrapin fix), so treat it as 'potentially vulnerable'.\n"
               "\n"
               "Example: sekisho vulns check allegrosoft:rompager 4.07\n"
               "Exit status: 0 looked up (with or without matches), 2 usage, 3 unreadable data.\n",
               default_vulns_path().c_str());
}

void print_import_usage(FILE* out) {
  std::fprintf(out,
               "Usage: sekisho vulns import [--products FILE|LIST] [--version V] -o OUT.json FEED.json...\n"
               "\n"
               "Reads NVD CVE JSON 2.0 feeds (download nvdcve-2.0-YEAR.json.gz and\n"
               "nvdcve-2.0-modified.json.gz from https://nvd.nist.gov/vuln/data-feeds and gunzip\n"
               "them; an API response from /rest/json/cves/2.0 works too) and writes the rules for\n"
               "the chosen products in the data/vulns format. Later feeds override earlier ones, so\n"
               "list the yearly feeds first and the 'modified' feed last.\n"
               "\n"
               "  --products FILE|LIST  CPE vendor:product names, one per line in FILE ('#' starts\n"
               "                        a comment) or comma-separated; default: the IoT daemons the\n"
               "                        scanner identifies (busybox, dropbear, lighttpd, ...)\n"
               "  --version V           the version written into OUT (default: the date of today)\n"
               "  -o OUT.json           where to write ('-' for standard output)\n"
               "\n"
               "Put OUT.json into data/vulns/ (or point 'sekisho vulns check --data' at it). Files\n"
               "load in name order and the first file with a rule for a CVE and product wins, so\n"
               "the curated iot.json keeps its hand-checked rules over an import named nvd.json.\n"
               "Example: sekisho vulns import -o data/vulns/nvd.json nvdcve-2.0-2023.json nvdcve-2.0-2024.json\n"
               "Exit status: 0 written, 2 usage, 3 a feed or the output could not be read or written.\n");
}

bool read_file(const std::string& path, std::string& out, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = path + ": cannot open";
    return false;
  }
  out.clear();
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, size_t(in.gcount()));
    if (out.size() > (size_t(4) << 30)) {
      err = path + ": larger than 4 GiB";
      return false;
    }
  }
  if (in.bad()) {
    err = path + ": read error";
    return false;
  }
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

// A file of names (one per line) or a comma-separated list; "" on success, else the problem.
std::string parse_products(const std::string& arg, std::vector<std::string>& out) {
  std::string text = arg;
  char sep = ',';
  std::error_code ec;
  if (arg.find(',') == std::string::npos && std::filesystem::is_regular_file(arg, ec)) {
    std::string err;
    if (!read_file(arg, text, err)) return err;
    sep = '\n';
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    if (const size_t hash = item.find('#'); hash != std::string::npos) item.resize(hash);
    item = trim(item);
    if (!item.empty()) {
      const std::string key = product_key(item);
      if (key.empty()) return "'" + item.substr(0, 80) + "' is not a CPE vendor:product such as busybox:busybox";
      out.push_back(key);
    }
    start = end + 1;
  }
  if (out.empty()) return "no products given";
  return {};
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y.%m.%d", &tm);
  return buf;
}

int import_main(int argc, char** argv) {
  std::vector<std::string> feeds, products;
  std::string out_path, version = today(), products_arg;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](const char* opt) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sekisho vulns import: %s needs a value\n", opt);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      print_import_usage(stdout);
      return kExitOk;
    } else if (a == "-o" || a == "--output") {
      const char* v = value("-o");
      if (!v) return kExitUsage;
      out_path = v;
    } else if (a == "--products") {
      const char* v = value("--products");
      if (!v) return kExitUsage;
      products_arg = v;
    } else if (a == "--version") {
      const char* v = value("--version");
      if (!v) return kExitUsage;
      version = v;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "sekisho vulns import: unknown option %s ('sekisho vulns import --help')\n", argv[i]);
      return kExitUsage;
    } else {
      feeds.emplace_back(a);
    }
  }
  if (out_path.empty() || feeds.empty()) {
    std::fprintf(stderr, "sekisho vulns import: give -o OUT.json and at least one FEED.json\n\n");
    print_import_usage(stderr);
    return kExitUsage;
  }
  if (version.empty() || version.size() > 64) {
    std::fprintf(stderr, "sekisho vulns import: --version must be 1..64 characters\n");
    return kExitUsage;
  }
  if (products_arg.empty()) {
    products = default_vuln_products();
  } else if (std::string err = parse_products(products_arg, products); !err.empty()) {
    std::fprintf(stderr, "sekisho vulns import: --products: %s\n", err.c_str());
    return kExitUsage;
  }

  std::map<std::pair<std::string, std::string>, VulnRule> merged;  // (product, id) -> rule
  std::vector<VulnSource> sources;
  std::string text, err;
  for (const auto& feed : feeds) {
    if (!read_file(feed, text, err)) {
      std::fprintf(stderr, "sekisho vulns import: %s\n", err.c_str());
      return kExitRuntime;
    }
    auto rules = import_nvd(text, feed, products);
    if (!rules) {
      std::fprintf(stderr, "sekisho vulns import: %s\n", rules.error().message().c_str());
      return kExitRuntime;
    }
    std::fprintf(stderr, "sekisho vulns import: %s: %zu rule%s\n", feed.c_str(), rules->size(),
                 rules->size() == 1 ? "" : "s");
    for (auto& r : *rules) merged[{r.product, r.id}] = std::move(r);
    const std::string base = std::filesystem::path(feed).filename().string();
    sources.push_back(VulnSource{"nvd-" + std::to_string(sources.size() + 1), "NVD CVE JSON 2.0 feed " + base,
                                 "https://nvd.nist.gov/vuln/data-feeds"});
  }
  std::vector<VulnRule> all;
  all.reserve(merged.size());
  for (auto& [k, r] : merged) all.push_back(std::move(r));
  const std::string json = write_vulns_json(all, version, sources);

  if (out_path == "-") {
    std::fwrite(json.data(), 1, json.size(), stdout);
  } else {
    if (auto written = core::write_file_atomic(out_path, json); !written) {
      std::fprintf(stderr, "sekisho vulns import: %s\n", written.error().message().c_str());
      return kExitRuntime;
    }
  }
  std::fprintf(stderr, "sekisho vulns import: wrote %zu rules for %zu products to %s\n", all.size(), products.size(),
               out_path == "-" ? "standard output" : out_path.c_str());
  return kExitOk;
}

int check_main(int argc, char** argv) {
  std::string data = default_vulns_path();
  bool json = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      print_check_usage(stdout);
      return kExitOk;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--data") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sekisho vulns check: --data needs a path\n");
        return kExitUsage;
      }
      data = argv[++i];
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "sekisho vulns check: unknown option %s ('sekisho vulns check --help')\n", argv[i]);
      return kExitUsage;
    } else {
      args.emplace_back(a);
    }
  }
  if (args.size() != 2) {
    std::fprintf(stderr, "sekisho vulns check: give PRODUCT and VERSION\n\n");
    print_check_usage(stderr);
    return kExitUsage;
  }
  const std::string product = product_key(args[0]);
  if (product.empty()) {
    std::fprintf(stderr, "sekisho vulns check: '%s' is not a CPE vendor:product such as allegrosoft:rompager\n",
                 args[0].c_str());
    return kExitUsage;
  }
  auto db = VulnDb::load(data);
  if (!db) {
    std::fprintf(stderr, "sekisho vulns check: %s\n", db.error().message().c_str());
    return kExitRuntime;
  }
  const auto matches = db->match(product, args[1]);
  if (json) {
    for (const auto& m : matches) {
      nlohmann::ordered_json o;
      o["id"] = m.rule->id;
      o["product"] = m.rule->product;
      o["version"] = args[1];
      o["severity"] = severity_name(m.rule->severity);
      o["cvss"] = m.rule->cvss;
      o["kev"] = m.rule->kev;
      o["confidence"] = m.confidence;
      if (!m.rule->check.empty()) o["check"] = m.rule->check;
      o["summary"] = m.rule->summary;
      o["references"] = m.rule->references;
      std::printf("%s\n", o.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    }
    return kExitOk;
  }
  if (matches.empty()) {
    std::printf("%s %s: no known vulnerability in the offline data (%zu rules)\n", product.c_str(), args[1].c_str(),
                db->size());
    return kExitOk;
  }
  std::printf(
      "%s %s: %zu known vulnerabilit%s (from the version number only; a vendor may have patched it\n"
      "without changing the number)\n",
      product.c_str(), args[1].c_str(), matches.size(), matches.size() == 1 ? "y" : "ies");
  for (const auto& m : matches) {
    const VulnRule& r = *m.rule;
    std::printf("\n  %s  %s", r.id.c_str(), severity_name(r.severity));
    if (r.cvss > 0) std::printf("  CVSS %.1f", r.cvss);
    if (r.kev) std::printf("  known exploited (CISA KEV)");
    std::printf("\n");
    if (!r.summary.empty()) std::printf("    %s\n", r.summary.c_str());
    if (!r.check.empty()) std::printf("    an active check can clear it: %s\n", r.check.c_str());
    for (const auto& ref : r.references) std::printf("    %s\n", ref.c_str());
  }
  return kExitOk;
}

}  // namespace

int vulns_main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return kExitUsage;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    print_usage(stdout);
    return kExitOk;
  }
  if (cmd == "import") return import_main(argc - 1, argv + 1);
  if (cmd == "check") return check_main(argc - 1, argv + 1);
  std::fprintf(stderr, "sekisho vulns: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return kExitUsage;
}

}  // namespace sekisho::scan
