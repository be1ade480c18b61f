#pragma once
// Offline known-vulnerable versions: product (CPE vendor:product) + banner version -> advisories.
// Data: data/vulns/*.json, curated by hand or written by `sekisho vulns import` from NVD feeds.
//
//   {
//     "format": "sekisho-vulns/1",
//     "version": "2026.11.1",
//     "sources": {"nvd": {"title": "...", "url": "..."}},          // optional
//     "rules": [
//       {"id": "CVE-2014-9222", "product": "allegrosoft:rompager", "scheme": "rompager",
//        "ranges": [{"end_excl": "4.34"}],                         // NVD cpeMatch semantics
//        "severity": "critical", "cvss": 9.8, "kev": false,
//        "summary": "...", "references": ["https://..."],
//        "check": ""}                                              // optional active check
//     ]
//   }
//
// A range field left out is unbounded; a range with no field matches every version. Banner
// versions are not patch levels (distributions backport fixes), so every match is reported
// with confidence "version": potentially vulnerable, to be confirmed.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "scan/findings.h"

namespace sekisho::scan {

// How to order two versions of one product.
//  kDotted    numeric components split at '.', '_' and digit/letter changes: "1.4.69", "9.2p1",
//             "1.0.2k". Letters after a number are a later release ("9.2p1" > "9.2"), except the
//             pre-release words alpha, beta, pre, rc, dev ("2.0rc1" < "2.0"). A '-' followed by a
//             digit, and anything after '+', '~' or a space, is packaging ("1.4.69-1",
//             "2022.83+deb12u1") and ignored. Missing components are 0 ("1.4" == "1.4.0").
//  kDropbear  "YEAR.N" (2022.83) and the old "0.NN"; integer components, as kDotted.
//  kRomPager  "MAJOR.MINOR" where the minor is a decimal fraction: "4.5" == "4.50" > "4.34".
// Text before the first digit is skipped ("v1.2", "dropbear_2022.83", "RomPager/4.07").
enum class VersionScheme { kDotted, kDropbear, kRomPager };
const char* scheme_name(VersionScheme s);  // "dotted", "dropbear", "rompager"
bool parse_scheme(std::string_view s, VersionScheme& out);
VersionScheme scheme_for_product(std::string_view product);  // the scheme a product's versions use

// <0, 0 or >0 as a is older than, the same as, or newer than b.
int compare_versions(std::string_view a, std::string_view b, VersionScheme scheme);

// Empty bounds are unbounded (NVD cpeMatch versionStart/End{Including,Excluding}).
struct VersionRange {
  std::string start_incl, start_excl, end_incl, end_excl;
  bool contains(std::string_view version, VersionScheme scheme) const;
};

struct VulnRule {
  std::string id;       // advisory id: "CVE-2014-9222"
  std::string product;  // CPE "vendor:product"
  std::vector<VersionRange> ranges;
  VersionScheme scheme = VersionScheme::kDotted;
  Severity severity = Severity::kHigh;
  double cvss = 0;
  bool kev = false;  // in CISA's Known Exploited Vulnerabilities catalog
  std::string summary;
  std::vector<std::string> references;
  std::string check;  // optional active check that can clear a match, e.g. "ssh-strict-kex"
};

struct VulnMatch {
  const VulnRule* rule;
  std::string confidence;  // "version": from the banner version only
};

struct VulnSource {
  std::string key, title, url;
};

// "vendor:product" of "vendor:product", "cpe:2.3:a:vendor:product:..." or "cpe:/a:vendor:product:..."
// (lower case, canonical), or "" when it is none of these.
std::string product_key(std::string_view cpe);
// The one name the data uses for a product that has several: vsftpd_project:vsftpd and nmap's
// vsftpd:vsftpd -> beasts:vsftpd; acme:mini_httpd -> acme:mini-httpd (NVD's spelling);
// matt_johnston:dropbear_ssh_server -> dropbear_ssh_project:dropbear_ssh. Others unchanged.
std::string canonical_product(std::string_view key);

class VulnDb {
 public:
  // A file, or every *.json in a directory (in name order). Errors name the file and the rule.
  // A file may hold one rule per (advisory, product); when a later file repeats one, the earlier
  // file's rule is kept (iot.json, curated, before an import such as nvd.json) and the later
  // one is counted in shadowed().
  static core::Result<VulnDb> load(const std::string& path_or_dir);
  static core::Result<VulnDb> load_text(std::string_view json, std::string_view name);

  // Rules whose product is product_cpe and whose ranges hold `version`. An empty or
  // unparseable version matches nothing.
  std::vector<VulnMatch> match(std::string_view product_cpe, std::string_view version) const;
  size_t size() const { return rules_.size(); }
  const std::vector<VulnRule>& rules() const { return rules_; }
  const std::vector<std::string>& versions() const { return versions_; }  // one per file loaded
  size_t shadowed() const { return shadowed_; }  // rules left out because an earlier file has them

 private:
  core::Status add_text(std::string_view json, const std::string& name);
  std::vector<VulnRule> rules_;
  std::vector<std::string> versions_;
  std::unordered_map<std::string, std::vector<size_t>> by_product_;  // product -> rules_ indexes
  size_t shadowed_ = 0;
};

// data/vulns under $SEKISHO_DATA_DIR, else the build's data directory.
std::string default_vulns_path();

// The products `sekisho vulns import` keeps by default: the IoT daemons the scanner identifies.
const std::vector<std::string>& default_vuln_products();

// NVD CVE JSON 2.0 (a feed file nvdcve-2.0-*.json or an API response) -> rules for the products
// in `products` (CPE vendor:product). Only vulnerable cpeMatch entries outside negated nodes
// are kept; a criteria with an exact version becomes a one-version range (its update field is
// appended: openssh 7.2 p2 -> "7.2p2"); platform conditions of AND configurations are dropped.
// One rule per (CVE, product). Severity: CVSS v3.1, else v3.0, else v2, else v4.0 (NVD's primary
// metric first); without any, high. kev: the record has cisaExploitAdd.
core::Result<std::vector<VulnRule>> import_nvd(std::string_view feed_json, std::string_view feed_name,
                                               const std::vector<std::string>& products);

// The data/vulns format, rules sorted by (product, id): diffs between imports stay small.
std::string write_vulns_json(const std::vector<VulnRule>& rules);
std::string write_vulns_json(const std::vector<VulnRule>& rules, std::string_view version,
                             const std::vector<VulnSource>& sources);

}  // namespace sekisho::scan
