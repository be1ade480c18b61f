#include "scan/vulns.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/files.h"

#ifndef SEKISHO_DATA_DIR_DEFAULT
#define SEKISHO_DATA_DIR_DEFAULT "/usr/share/sekisho"
#endif

namespace sekisho::scan {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr size_t kMaxDataBytes = 64u << 20;
constexpr size_t kMaxDepth = 16;  // data files; NVD records nest about 8 deep
constexpr size_t kMaxFeedDepth = 32;
constexpr size_t kMaxRules = 1000000;
constexpr size_t kMaxRanges = 256;
constexpr size_t kMaxReferences = 20;
constexpr size_t kMaxVersionBytes = 64;
constexpr size_t kMaxSummaryBytes = 2000;
constexpr size_t kMaxTokens = 32;
constexpr std::string_view kFormat = "sekisho-vulns/1";

core::Error format_error(std::string where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, std::move(where), std::move(what));
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// A name from a file, cut short and with control bytes replaced: messages must not grow with
// hostile input.
std::string clip(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 64; ++i) out += (unsigned char)s[i] < 0x20 ? '?' : s[i];
  if (s.size() > 64) out += "...";
  return out;
}
std::string quote(std::string_view s) { return "'" + clip(s) + "'"; }

std::string json_error_text(const std::exception& e) {
  // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> the part after "] "
  std::string_view what = e.what();
  if (const size_t at = what.find("] "); at != std::string_view::npos) what.remove_prefix(at + 2);
  return std::string(what);
}

// ---- versions ----

struct Token {
  enum Kind : uint8_t { kEnd, kNumber, kWord } kind = kEnd;
  std::string_view text;  // digits without leading zeros, or a lower-case word (in `store`)
  std::string_view raw;   // the digits as written ("07": RomPager's minor is a fraction)
};

// Not copyable or movable: the tokens point into `store`, which a move of a short string
// would relocate.
struct Tokens {
  Tokens() = default;
  Tokens(const Tokens&) = delete;
  Tokens& operator=(const Tokens&) = delete;
  std::string store;  // lower-cased copy the tokens point into
  std::vector<Token> items;
};

int pre_release_rank(std::string_view w) {
  if (w == "dev") return 0;
  if (w == "alpha") return 1;
  if (w == "beta") return 2;
  if (w == "pre") return 3;
  if (w == "rc") return 4;
  return -1;
}

void tokenize(std::string_view v, Tokens& t) {
  size_t i = 0;
  while (i < v.size() && !is_digit(v[i])) ++i;
  v.remove_prefix(i);
  // The version proper ends at packaging suffixes: "-<digit>", '+', '~', space, or any other
  // character that is not part of a version.
  size_t end = 0;
  while (end < v.size() && end < 128) {
    const char c = v[end];
    if (c == '-' && end + 1 < v.size() && is_digit(v[end + 1])) break;
    if (!(is_digit(c) || is_alpha(c) || c == '.' || c == '_' || c == '-')) break;
    ++end;
  }
  t.store = lowercase(v.substr(0, end));
  t.items.reserve(8);
  const std::string_view s = t.store;
  for (size_t p = 0; p < s.size() && t.items.size() < kMaxTokens;) {
    if (is_digit(s[p])) {
      size_t q = p;
      while (q < s.size() && is_digit(s[q])) ++q;
      size_t z = p;
      while (z + 1 < q && s[z] == '0') ++z;  // "07" -> "7"; "0" stays
      t.items.push_back({Token::kNumber, s.substr(z, q - z), s.substr(p, q - p)});
      p = q;
    } else if (is_alpha(s[p])) {
      size_t q = p;
      while (q < s.size() && is_alpha(s[q])) ++q;
      t.items.push_back({Token::kWord, s.substr(p, q - p), s.substr(p, q - p)});
      p = q;
    } else {
      ++p;  // separator
    }
  }
}

int compare_numbers(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// A decimal fraction: "5" == "50" > "34" > "07".
int compare_fractions(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = i < a.size() ? a[i] : '0', y = i < b.size() ? b[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

int compare_tokens(const Token& a, const Token& b, bool fraction) {
  using K = Token::Kind;
  if (a.kind == K::kNumber && b.kind == K::kNumber)
    return fraction ? compare_fractions(a.raw, b.raw) : compare_numbers(a.text, b.text);
  if (a.kind == K::kWord && b.kind == K::kWord) {
    const int ra = pre_release_rank(a.text), rb = pre_release_rank(b.text);
    if (ra >= 0 || rb >= 0) {
      if (ra != rb) return ra < rb ? -1 : 1;  // a pre-release sorts before any other word
      return 0;
    }
    const int c = a.text.compare(b.text);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.kind == K::kNumber && b.kind == K::kWord) return 1;
  if (a.kind == K::kWord && b.kind == K::kNumber) return -1;
  // One side has ended: a missing number is 0; a pre-release word is older than the release,
  // any other word (9.2p1, 1.0.2k) newer.
  const Token& t = a.kind == K::kEnd ? b : a;
  const int sign = a.kind == K::kEnd ? -1 : 1;
  if (t.kind == K::kEnd) return 0;
  if (t.kind == K::kNumber) return t.text == "0" ? 0 : sign;
  return pre_release_rank(t.text) >= 0 ? -sign : sign;
}

bool has_digit(std::string_view s) { return std::any_of(s.begin(), s.end(), is_digit); }

bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return (unsigned char)c < 0x20 || c == 0x7f; });
}

// What the data files accept as a version bound.
bool ok_version(std::string_view s) {
  return !s.empty() && s.size() <= kMaxVersionBytes && has_digit(s) && printable(s);
}

// ---- NVD / CPE ----

// Splits a CPE 2.3 formatted string at unescaped ':' and removes the escapes.
std::vector<std::string> split_cpe23(std::string_view s) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < s.size() && out.size() <= 13; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.back() += s[++i];
    } else if (s[i] == ':') {
      out.emplace_back();
    } else {
      out.back() += s[i];
    }
  }
  return out;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 128 || s == "*" || s == "-") return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return (unsigned char)c <= 0x20 || c == ':' || c == 0x7f; });
}

const std::string* string_at(const Json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

const Json* field(const Json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  const auto it = o.find(key);
  return it != o.end() ? &*it : nullptr;
}

std::string cut_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

struct Metric {
  std::optional<Severity> severity;
  double score = 0;
};

// The primary metric of one cvssMetricVxx array, else its first.
Metric pick_metric(const Json& metrics, const char* name) {
  Metric m;
  const Json* arr = field(metrics, name);
  if (!arr || !arr->is_array() || arr->empty()) return m;
  const Json* chosen = nullptr;
  for (const Json& e : *arr) {
    if (!e.is_object()) continue;
    if (!chosen) chosen = &e;
    if (const std::string* type = string_at(e, "type"); type && *type == "Primary") {
      chosen = &e;
      break;
    }
  }
  if (!chosen) return m;
  const Json* data = field(*chosen, "cvssData");
  const std::string* sev = data ? string_at(*data, "baseSeverity") : nullptr;
  if (!sev) sev = string_at(*chosen, "baseSeverity");  // v2 keeps it beside cvssData
  if (sev) m.severity = *sev == "NONE" ? std::optional<Severity>(Severity::kInfo) : parse_severity(*sev);
  if (const Json* score = data ? field(*data, "baseScore") : nullptr; score && score->is_number()) {
    const double d = score->get<double>();
    if (std::isfinite(d) && d >= 0 && d <= 10) m.score = d;
  }
  return m;
}

bool same_range(const VersionRange& a, const VersionRange& b) {
  return a.start_incl == b.start_incl && a.start_excl == b.start_excl && a.end_incl == b.end_incl &&
         a.end_excl == b.end_excl;
}

struct Importer {
  const std::vector<std::string>& products;  // normalized
  std::vector<VulnRule> rules;
  std::optional<core::Error> error;
  std::string name;

  void cve(const Json& item) {
    const Json* cve = field(item, "cve");
    if (!cve || !cve->is_object()) return;
    const std::string* id = string_at(*cve, "id");
    if (!id || id->empty() || id->size() > 64 || !printable(*id) || id->find(' ') != std::string::npos) return;
    if (const std::string* status = string_at(*cve, "vulnStatus"); status && *status == "Rejected") return;

    std::map<std::string, VulnRule> by_product;
    const Json* configs = field(*cve, "configurations");
    if (!configs || !configs->is_array()) return;
    for (const Json& config : *configs) {
      if (const Json* neg = field(config, "negate"); neg && neg->is_boolean() && neg->get<bool>()) continue;
      const Json* nodes = field(config, "nodes");
      if (!nodes || !nodes->is_array()) continue;
      for (const Json& node : *nodes) {
        if (const Json* neg = field(node, "negate"); neg && neg->is_boolean() && neg->get<bool>()) continue;
        const Json* matches = field(node, "cpeMatch");
        if (!matches || !matches->is_array()) continue;
        for (const Json& m : *matches) add_match(*id, m, by_product);
      }
    }
    if (by_product.empty()) return;

    Metric metric;
    for (const char* version : {"cvssMetricV31", "cvssMetricV30", "cvssMetricV2", "cvssMetricV40"}) {
      if (const Json* metrics = field(*cve, "metrics"); metrics) metric = pick_metric(*metrics, version);
      if (metric.severity) break;
    }
    std::string summary;
    if (const Json* descs = field(*cve, "descriptions"); descs && descs->is_array())
      for (const Json& d : *descs)
        if (const std::string* lang = string_at(d, "lang"); lang && *lang == "en")
          if (const std::string* value = string_at(d, "value")) {
            summary = cut_utf8(*value, 500);
            for (char& c : summary)
              if ((unsigned char)c < 0x20 || c == 0x7f) c = ' ';
            break;
          }
    std::vector<std::string> refs = {"https://nvd.nist.gov/vuln/detail/" + *id};
    if (const Json* rs = field(*cve, "references"); rs && rs->is_array())
      for (const Json& r : *rs) {
        if (refs.size() >= 6) break;
        if (const std::string* url = string_at(r, "url");
            url && url->size() <= 500 && url->starts_with("http") && printable(*url))
          if (std::find(refs.begin(), refs.end(), *url) == refs.end()) refs.push_back(*url);
      }
    const bool kev = field(*cve, "cisaExploitAdd") != nullptr;

    for (auto& [product, rule] : by_product) {
      if (rules.size() >= kMaxRules) {
        error = format_error(name, "more than 1,000,000 rules");
        return;
      }
      rule.severity = metric.severity.value_or(Severity::kHigh);
      rule.cvss = std::round(metric.score * 10) / 10;
      rule.kev = kev;
      rule.summary = summary;
      rule.references = refs;
      rules.push_back(std::move(rule));
    }
  }

  void add_match(const std::string& id, const Json& m, std::map<std::string, VulnRule>& by_product) {
    const Json* vulnerable = field(m, "vulnerable");
    if (!vulnerable || !vulnerable->is_boolean() || !vulnerable->get<bool>()) return;
    const std::string* criteria = string_at(m, "criteria");
    if (!criteria || criteria->size() > 1000 || !criteria->starts_with("cpe:2.3:")) return;
    const auto parts = split_cpe23(*criteria);
    if (parts.size() < 6) return;
    const std::string product = canonical_product(lowercase(parts[3]) + ":" + lowercase(parts[4]));
    if (std::find(products.begin(), products.end(), product) == products.end()) return;

    VersionRange r;
    const std::string& version = parts[5];
    if (version == "-") return;  // "not applicable": nothing a banner version can match
    if (version != "*") {
      std::string exact = version;
      if (parts.size() > 6 && parts[6] != "*" && parts[6] != "-") exact += parts[6];
      if (!ok_version(exact)) return;
      r.start_incl = r.end_incl = exact;
    } else {
      for (auto [key, out] : {std::pair<const char*, std::string*>{"versionStartIncluding", &r.start_incl},
                              {"versionStartExcluding", &r.start_excl},
                              {"versionEndIncluding", &r.end_incl},
                              {"versionEndExcluding", &r.end_excl}}) {
        if (const std::string* v = string_at(m, key)) {
          if (!ok_version(*v)) return;
          *out = *v;
        }
      }
      if ((!r.start_incl.empty() && !r.start_excl.empty()) || (!r.end_incl.empty() && !r.end_excl.empty())) return;
    }
    VulnRule& rule = by_product[product];
    if (rule.id.empty()) {
      rule.id = id;
      rule.product = product;
      rule.scheme = scheme_for_product(product);
    }
    if (rule.ranges.size() >= kMaxRanges) return;
    for (const auto& existing : rule.ranges)
      if (same_range(existing, r)) return;
    rule.ranges.push_back(std::move(r));
  }
};

}  // namespace

// ---- versions ----

const char* scheme_name(VersionScheme s) {
  switch (s) {
    case VersionScheme::kDotted: return "dotted";
    case VersionScheme::kDropbear: return "dropbear";
    case VersionScheme::kRomPager: return "rompager";
  }
  return "dotted";
}

bool parse_scheme(std::string_view s, VersionScheme& out) {
  for (auto v : {VersionScheme::kDotted, VersionScheme::kDropbear, VersionScheme::kRomPager})
    if (s == scheme_name(v)) {
      out = v;
      return true;
    }
  return false;
}

VersionScheme scheme_for_product(std::string_view product) {
  if (product == "allegrosoft:rompager") return VersionScheme::kRomPager;
  if (product == "dropbear_ssh_project:dropbear_ssh") return VersionScheme::kDropbear;
  return VersionScheme::kDotted;
}

int compare_versions(std::string_view a, std::string_view b, VersionScheme scheme) {
  Tokens ta, tb;
  tokenize(a, ta);
  tokenize(b, tb);
  const size_t n = std::max(ta.items.size(), tb.items.size());
  for (size_t i = 0; i < n; ++i) {
    const Token x = i < ta.items.size() ? ta.items[i] : Token{};
    const Token y = i < tb.items.size() ? tb.items[i] : Token{};
    const bool fraction = scheme == VersionScheme::kRomPager && i == 1;
    if (const int c = compare_tokens(x, y, fraction); c != 0) return c;
  }
  return 0;
}

bool VersionRange::contains(std::string_view v, VersionScheme s) const {
  if (!start_incl.empty() && compare_versions(v, start_incl, s) < 0) return false;
  if (!start_excl.empty() && compare_versions(v, start_excl, s) <= 0) return false;
  if (!end_incl.empty() && compare_versions(v, end_incl, s) > 0) return false;
  if (!end_excl.empty() && compare_versions(v, end_excl, s) >= 0) return false;
  return true;
}

std::string product_key(std::string_view cpe) {
  std::string vendor, product;
  if (cpe.starts_with("cpe:2.3:")) {
    const auto parts = split_cpe23(cpe);
    if (parts.size() < 5) return {};
    vendor = parts[3];
    product = parts[4];
  } else if (cpe.starts_with("cpe:/")) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i <= cpe.size() && parts.size() < 5; ++i)
      if (i == cpe.size() || cpe[i] == ':') {
        parts.push_back(cpe.substr(start, i - start));
        start = i + 1;
      }
    if (parts.size() < 4) return {};
    vendor = parts[2];
    product = parts[3];
  } else {
    const size_t colon = cpe.find(':');
    if (colon == std::string_view::npos || cpe.find(':', colon + 1) != std::string_view::npos) return {};
    vendor = cpe.substr(0, colon);
    product = cpe.substr(colon + 1);
  }
  if (!valid_name(vendor) || !valid_name(product)) return {};
  return canonical_product(lowercase(vendor) + ":" + lowercase(product));
}

std::string canonical_product(std::string_view key) {
  // Other names for the same software: nmap's CPEs and NVD's renamings.
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"vsftpd_project:vsftpd", "beasts:vsftpd"},
      {"vsftpd:vsftpd", "beasts:vsftpd"},
      {"acme:mini_httpd", "acme:mini-httpd"},
      {"matt_johnston:dropbear_ssh_server", "dropbear_ssh_project:dropbear_ssh"},
      {"dropbear_ssh_project:dropbear_ssh_server", "dropbear_ssh_project:dropbear_ssh"},
  };
  for (const auto& [alias, canonical] : kAliases)
    if (key == alias) return std::string(canonical);
  return std::string(key);
}

// ---- the data files ----

std::string default_vulns_path() {
  if (const char* d = std::getenv("SEKISHO_DATA_DIR"); d && *d) return std::string(d) + "/vulns";
  return std::string(SEKISHO_DATA_DIR_DEFAULT) + "/vulns";
}

const std::vector<std::string>& default_vuln_products() {
  static const std::vector<std::string> products = {
      "allegrosoft:rompager",
      "busybox:busybox",
      "dropbear_ssh_project:dropbear_ssh",
      "openbsd:openssh",
      "lighttpd:lighttpd",
      "beasts:vsftpd",
      "acme:mini-httpd",
      "embedthis:goahead",
      "boa:boa",
      "miniupnp_project:miniupnpd",
      "net-snmp:net-snmp",
      "eclipse:mosquitto",
      "libcoap:libcoap",
      "thekelleys:dnsmasq",
      "proftpd:proftpd",
      "pureftpd:pure-ftpd",
      "samba:samba",
      "nginx:nginx",
      "apache:http_server",
      "gnu:inetutils",
  };
  return products;
}

namespace {

core::Error rule_error(const std::string& name, size_t index, const std::string& id, std::string what) {
  std::string where = name + ": rule " + std::to_string(index);
  if (!id.empty()) where += " (" + clip(id) + ")";
  return format_error(std::move(where), std::move(what));
}

std::optional<core::Error> parse_rule(const Json& r, const std::string& name, size_t index, VulnRule& out) {
  std::string id;
  if (const std::string* s = string_at(r, "id")) id = *s;
  auto fail = [&](std::string what) { return rule_error(name, index, id, std::move(what)); };
  if (!r.is_object()) return fail("expected an object");
  static constexpr std::string_view kKeys[] = {"id",   "product", "scheme",  "ranges",     "severity",
                                               "cvss", "kev",     "summary", "references", "check"};
  for (const auto& [k, v] : r.items())
    if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys)) return fail("unknown field " + quote(k));

  if (id.empty() || id.size() > 64 || !printable(id) || id.find(' ') != std::string::npos)
    return fail("field 'id' must be an advisory id such as \"CVE-2014-9222\"");
  out.id = id;
  const std::string* product = string_at(r, "product");
  if (!product) return fail("field 'product' must be a string \"vendor:product\"");
  out.product = product_key(*product);
  if (out.product.empty())
    return fail("field 'product' must be a lower-case CPE \"vendor:product\", got " + quote(*product));
  if (out.product != *product) return fail("field 'product': write " + quote(out.product) + " for " + quote(*product));
  out.scheme = scheme_for_product(out.product);
  if (const Json* s = field(r, "scheme")) {
    if (!s->is_string() || !parse_scheme(s->get_ref<const std::string&>(), out.scheme))
      return fail("field 'scheme' must be \"dotted\", \"dropbear\" or \"rompager\"");
  }
  const Json* ranges = field(r, "ranges");
  if (!ranges || !ranges->is_array() || ranges->empty())
    return fail("field 'ranges' must be a non-empty array of {start_incl, start_excl, end_incl, end_excl}");
  if (ranges->size() > kMaxRanges) return fail("field 'ranges' has more than 256 ranges");
  size_t ri = 0;
  for (const Json& rg : *ranges) {
    ++ri;
    const std::string at = "field 'ranges' item " + std::to_string(ri);
    if (!rg.is_object()) return fail(at + " must be an object");
    VersionRange vr;
    for (const auto& [k, v] : rg.items()) {
      std::string* dst = k == "start_incl"   ? &vr.start_incl
                         : k == "start_excl" ? &vr.start_excl
                         : k == "end_incl"   ? &vr.end_incl
                         : k == "end_excl"   ? &vr.end_excl
                                             : nullptr;
      if (!dst) return fail(at + ": unknown bound " + quote(k));
      if (!v.is_string()) return fail(at + ": " + k + " must be a version string");
      const auto& s = v.get_ref<const std::string&>();
      if (!ok_version(s)) return fail(at + ": " + k + " must be a version such as \"4.34\", got " + quote(s));
      *dst = s;
    }
    if (!vr.start_incl.empty() && !vr.start_excl.empty()) return fail(at + ": give start_incl or start_excl, not both");
    if (!vr.end_incl.empty() && !vr.end_excl.empty()) return fail(at + ": give end_incl or end_excl, not both");
    out.ranges.push_back(std::move(vr));
  }
  if (const Json* s = field(r, "severity")) {
    const auto sev = s->is_string() ? parse_severity(s->get_ref<const std::string&>()) : std::nullopt;
    if (!sev) return fail("field 'severity' must be info, low, medium, high or critical");
    out.severity = *sev;
  }
  if (const Json* c = field(r, "cvss")) {
    const double d = c->is_number() ? c->get<double>() : -1;
    if (!(std::isfinite(d) && d >= 0 && d <= 10)) return fail("field 'cvss' must be a number 0..10");
    out.cvss = d;
  }
  if (const Json* k = field(r, "kev")) {
    if (!k->is_boolean()) return fail("field 'kev' must be true or false");
    out.kev = k->get<bool>();
  }
  if (const Json* s = field(r, "summary")) {
    if (!s->is_string() || s->get_ref<const std::string&>().size() > kMaxSummaryBytes ||
        !printable(s->get_ref<const std::string&>()))
      return fail("field 'summary' must be one line of at most 2000 bytes");
    out.summary = s->get<std::string>();
  }
  if (const Json* refs = field(r, "references")) {
    if (!refs->is_array() || refs->size() > kMaxReferences)
      return fail("field 'references' must be an array of at most 20 URLs");
    for (const Json& u : *refs) {
      if (!u.is_string() || u.get_ref<const std::string&>().size() > 500 ||
          !u.get_ref<const std::string&>().starts_with("http") || !printable(u.get_ref<const std::string&>()))
        return fail("field 'references' must hold http(s) URLs");
      out.references.push_back(u.get<std::string>());
    }
  }
  if (const Json* c = field(r, "check")) {
    if (!c->is_string()) return fail("field 'check' must be a string");
    const auto& s = c->get_ref<const std::string&>();
    if (s.size() > 64 || !std::all_of(s.begin(), s.end(), [](char ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
        }))
      return fail("field 'check' must be a check name such as \"ssh-strict-kex\"");
    out.check = s;
  }
  return std::nullopt;
}

}  // namespace

core::Status VulnDb::add_text(std::string_view text, const std::string& name) {
  if (text.size() > kMaxDataBytes) return format_error(name, "larger than 64 MiB; not a vulnerability data file");
  if (const size_t at = core::json_deeper_than(text, kMaxDepth); at != std::string_view::npos)
    return format_error(name, "nested deeper than 16 levels at byte " + std::to_string(at));
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return format_error(name, "not JSON: " + json_error_text(e));
  }
  if (!doc.is_object()) return format_error(name, "expected a JSON object with \"version\" and \"rules\"");
  for (const auto& [k, v] : doc.items())
    if (k != "format" && k != "version" && k != "sources" && k != "rules")
      return format_error(name + ": " + clip(k), "unknown key");
  if (const Json* f = field(doc, "format"); f && !(f->is_string() && f->get_ref<const std::string&>() == kFormat))
    return format_error(name + ": format", "expected \"sekisho-vulns/1\"");
  const std::string* version = string_at(doc, "version");
  if (!version || version->empty() || version->size() > 64 || !printable(*version))
    return format_error(name + ": version", "expected a version string such as \"2026.11.1\"");
  if (const Json* sources = field(doc, "sources")) {
    if (!sources->is_object()) return format_error(name + ": sources", "expected an object of {title, url}");
    for (const auto& [k, v] : sources->items()) {
      const std::string* title = string_at(v, "title");
      const std::string* url = string_at(v, "url");
      if (!title || !url || title->empty() || url->empty())
        return format_error(name + ": sources." + clip(k), "expected {\"title\": ..., \"url\": ...}");
    }
  }
  const Json* rules = field(doc, "rules");
  if (!rules || !rules->is_array()) return format_error(name + ": rules", "expected an array of rules");
  if (rules_.size() + rules->size() > kMaxRules) return format_error(name, "more than 1,000,000 rules in all");

  std::vector<VulnRule> parsed;
  parsed.reserve(rules->size());
  std::map<std::pair<std::string, std::string>, size_t> seen;  // (product, id) in this file
  size_t index = 0;
  for (const Json& r : *rules) {
    ++index;
    VulnRule rule;
    if (auto err = parse_rule(r, name, index, rule)) return *err;
    if (!seen.emplace(std::pair{rule.product, rule.id}, index).second)
      return rule_error(name, index, rule.id, "a second rule for " + rule.id + " on " + rule.product);
    parsed.push_back(std::move(rule));
  }
  for (auto& r : parsed) {
    // An earlier file (in name order) has this advisory for this product: it wins, so the
    // curated iot.json keeps its hand-checked ranges and checks over an NVD import.
    const auto& same_product = by_product_[r.product];
    if (std::any_of(same_product.begin(), same_product.end(), [&](size_t i) { return rules_[i].id == r.id; })) {
      ++shadowed_;
      continue;
    }
    by_product_[r.product].push_back(rules_.size());
    rules_.push_back(std::move(r));
  }
  versions_.push_back(*version);
  return {};
}

core::Result<VulnDb> VulnDb::load_text(std::string_view json, std::string_view name) {
  VulnDb db;
  if (auto st = db.add_text(json, std::string(name)); !st) return st.error();
  return db;
}

core::Result<VulnDb> VulnDb::load(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".json" && e.is_regular_file(ec)) files.push_back(e.path().string());
    if (ec) return core::make_error(core::ErrorCode::kIo, path, "cannot list the directory: " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) return core::make_error(core::ErrorCode::kNotFound, path, "no *.json vulnerability files");
  } else {
    files.push_back(path);
  }
  VulnDb db;
  for (const auto& f : files) {
    auto text = core::read_file_capped(f, kMaxDataBytes, "vulnerability data file");
    if (!text) return text.error();
    if (auto st = db.add_text(text.value(), f); !st) return st.error();
  }
  return db;
}

std::vector<VulnMatch> VulnDb::match(std::string_view product_cpe, std::string_view version) const {
  std::vector<VulnMatch> out;
  if (!has_digit(version) || version.size() > 256) return out;
  const auto it = by_product_.find(product_key(product_cpe));
  if (it == by_product_.end()) return out;
  for (size_t i : it->second) {
    const VulnRule& r = rules_[i];
    if (std::any_of(r.ranges.begin(), r.ranges.end(),
                    [&](const VersionRange& range) { return range.contains(version, r.scheme); }))
      out.push_back(VulnMatch{&r, "version"});
  }
  return out;
}

// ---- NVD import ----

core::Result<std::vector<VulnRule>> import_nvd(std::string_view feed, std::string_view feed_name,
                                               const std::vector<std::string>& products) {
  const std::string name(feed_name);
  std::vector<std::string> keys;
  for (const auto& p : products) {
    std::string k = product_key(p);
    if (k.empty()) return core::make_error(core::ErrorCode::kInvalidArgument, quote(p), "not a CPE vendor:product");
    keys.push_back(std::move(k));
  }
  if (keys.empty()) return core::make_error(core::ErrorCode::kInvalidArgument, name, "no products to import");
  if (feed.size() >= 2 && (unsigned char)feed[0] == 0x1f && (unsigned char)feed[1] == 0x8b)
    return format_error(name, "gzip-compressed; run gunzip on it first");
  if (const size_t at = core::json_deeper_than(feed, kMaxFeedDepth); at != std::string_view::npos)
    return format_error(name, "nested deeper than 32 levels at byte " + std::to_string(at) + "; not an NVD feed");

  Importer imp{keys, {}, std::nullopt, name};
  bool saw_vulnerabilities = false, saw_v11 = false;
  std::string top_key;
  // Each element of the top-level "vulnerabilities" array is handled as soon as it is parsed
  // and then dropped, so a 500 MB yearly feed never sits in memory as a DOM.
  Json::parser_callback_t cb = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      top_key = parsed.get<std::string>();
      if (top_key == "vulnerabilities") saw_vulnerabilities = true;
      if (top_key == "CVE_Items") saw_v11 = true;
    }
    if (event == Json::parse_event_t::object_end && depth == 2 && top_key == "vulnerabilities") {
      if (!imp.error) imp.cve(parsed);
      return false;
    }
    return true;
  };
  try {
    const Json root = Json::parse(feed.begin(), feed.end(), cb);
    if (!root.is_object()) return format_error(name, "not an NVD CVE JSON 2.0 feed (expected an object)");
  } catch (const std::exception& e) {
    return format_error(name, "not JSON: " + json_error_text(e));
  }
  if (imp.error) return *imp.error;
  if (saw_v11 && !saw_vulnerabilities)
    return format_error(name, "an NVD 1.1 feed (CVE_Items); download the JSON 2.0 feeds (nvdcve-2.0-*.json)");
  if (!saw_vulnerabilities) return format_error(name, "not an NVD CVE JSON 2.0 feed (no \"vulnerabilities\" array)");
  // A record listed twice: the later one wins.
  std::map<std::pair<std::string, std::string>, size_t> last;
  for (size_t i = 0; i < imp.rules.size(); ++i) last[{imp.rules[i].product, imp.rules[i].id}] = i;
  std::vector<VulnRule> out;
  out.reserve(last.size());
  for (size_t i = 0; i < imp.rules.size(); ++i)
    if (last[{imp.rules[i].product, imp.rules[i].id}] == i) out.push_back(std::move(imp.rules[i]));
  return out;
}

std::string write_vulns_json(const std::vector<VulnRule>& rules) { return write_vulns_json(rules, "imported", {}); }

std::string write_vulns_json(const std::vector<VulnRule>& rules, std::string_view version,
                             const std::vector<VulnSource>& sources) {
  std::vector<const VulnRule*> sorted;
  for (const auto& r : rules) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const VulnRule* a, const VulnRule* b) {
    return std::tie(a->product, a->id) < std::tie(b->product, b->id);
  });
  OrderedJson doc;
  doc["format"] = kFormat;
  doc["version"] = std::string(version);
  if (!sources.empty()) {
    OrderedJson s = OrderedJson::object();
    for (const auto& src : sources) s[src.key] = OrderedJson{{"title", src.title}, {"url", src.url}};
    doc["sources"] = std::move(s);
  }
  OrderedJson arr = OrderedJson::array();
  for (const VulnRule* r : sorted) {
    OrderedJson o;
    o["id"] = r->id;
    o["product"] = r->product;
    o["scheme"] = scheme_name(r->scheme);
    OrderedJson ranges = OrderedJson::array();
    for (const auto& vr : r->ranges) {
      OrderedJson g = OrderedJson::object();
      if (!vr.start_incl.empty()) g["start_incl"] = vr.start_incl;
      if (!vr.start_excl.empty()) g["start_excl"] = vr.start_excl;
      if (!vr.end_incl.empty()) g["end_incl"] = vr.end_incl;
      if (!vr.end_excl.empty()) g["end_excl"] = vr.end_excl;
      ranges.push_back(std::move(g));
    }
    o["ranges"] = std::move(ranges);
    o["severity"] = severity_name(r->severity);
    o["cvss"] = std::round(r->cvss * 10) / 10;
    o["kev"] = r->kev;
    o["summary"] = r->summary;
    o["references"] = r->references;
    if (!r->check.empty()) o["check"] = r->check;
    arr.push_back(std::move(o));
  }
  doc["rules"] = std::move(arr);
  return doc.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

}  // namespace sekisho::scan
