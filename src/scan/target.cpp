#include "scan/target.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <bitset>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <unordered_set>

namespace sekisho::scan {

namespace {

__extension__ typedef unsigned __int128 U128;  // IPv6 addresses as numbers

using core::ErrorCode;
using core::IpAddr;
using core::IpPrefix;

constexpr size_t kMaxFileBytes = size_t{64} << 20;  // -iL / --excludefile
constexpr size_t kMaxResolved = 64;                 // addresses kept per host name
constexpr uint8_t kMinV6TargetPrefix = 96;          // at most 2^32 addresses per IPv6 spec

// An inclusive range of addresses as numbers: uint32_t (IPv4, host order) or U128.
template <typename K>
struct Span {
  K first, last;
};
using Span4 = Span<uint32_t>;
using Span6 = Span<U128>;

struct Spans {
  std::vector<Span4> v4;
  std::vector<Span6> v6;
};

U128 to_u128(const IpAddr& a) {
  U128 v = 0;
  for (size_t i = 0; i < 16; ++i) v = (v << 8) | a.b[i];
  return v;
}

IpAddr from_u128(U128 v) {
  uint8_t bytes[16];
  for (size_t i = 16; i-- > 0;) {
    bytes[i] = uint8_t(v);
    v >>= 8;
  }
  return IpAddr::v6(bytes);
}

template <typename K>
uint64_t span_count(const Span<K>& s) {
  const U128 d = U128(s.last) - U128(s.first);
  return d >= U128(UINT64_MAX) ? UINT64_MAX : uint64_t(d) + 1;
}

uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

template <typename K>
uint64_t total(const std::vector<Span<K>>& v) {
  uint64_t n = 0;
  for (const auto& s : v) n = sat_add(n, span_count(s));
  return n;
}

uint64_t total(const Spans& s) { return sat_add(total(s.v4), total(s.v6)); }

// Sorted, disjoint and non-adjacent afterwards.
template <typename K>
void normalize(std::vector<Span<K>>& v) {
  std::sort(v.begin(), v.end(), [](const Span<K>& a, const Span<K>& b) { return a.first < b.first; });
  size_t w = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    // last + 1 wraps only when last is the top address, and then the first test holds.
    if (w > 0 && (v[i].first <= v[w - 1].last || K(v[w - 1].last + 1) == v[i].first)) {
      v[w - 1].last = std::max(v[w - 1].last, v[i].last);
    } else {
      v[w++] = v[i];
    }
  }
  v.resize(w);
}

void normalize(Spans& s) {
  normalize(s.v4);
  normalize(s.v6);
}

// a minus b, both normalized; linear.
template <typename K>
std::vector<Span<K>> subtract(const std::vector<Span<K>>& a, const std::vector<Span<K>>& b) {
  std::vector<Span<K>> out;
  out.reserve(a.size());
  size_t j = 0;
  for (const auto& s : a) {
    while (j < b.size() && b[j].last < s.first) ++j;
    K cur = s.first;
    bool open = true;
    for (size_t k = j; k < b.size() && b[k].first <= s.last; ++k) {
      if (b[k].first > cur) out.push_back({cur, K(b[k].first - 1)});
      if (b[k].last >= s.last) {
        open = false;
        break;
      }
      cur = std::max(cur, K(b[k].last + 1));
    }
    if (open) out.push_back({cur, s.last});
  }
  return out;
}

// The first address of `spans` outside `allowed` (normalized), if any.
template <typename K>
std::optional<K> first_outside(const std::vector<Span<K>>& spans, const std::vector<Span<K>>& allowed) {
  for (const auto& s : spans) {
    auto it =
        std::upper_bound(allowed.begin(), allowed.end(), s.first, [](K v, const Span<K>& a) { return v < a.first; });
    if (it == allowed.begin()) return s.first;
    --it;
    if (it->last < s.first) return s.first;
    if (it->last < s.last) return K(it->last + 1);  // allowed is non-adjacent: the next one is out
  }
  return std::nullopt;
}

template <typename K>
bool span_contains(const std::vector<Span<K>>& v, K x) {
  auto it = std::upper_bound(v.begin(), v.end(), x, [](K a, const Span<K>& s) { return a < s.first; });
  return it != v.begin() && std::prev(it)->last >= x;
}

Span4 span_of_v4(uint32_t net, uint8_t len) {
  const uint32_t host = len >= 32 ? 0 : (0xffffffffu >> len);
  return {net & ~host, (net & ~host) | host};
}

Span6 span_of_v6(U128 net, uint8_t len) {
  const U128 host = len >= 128 ? U128(0) : (~U128(0) >> len);
  return {net & ~host, (net & ~host) | host};
}

void add_prefix(const IpPrefix& p, Spans& out) {
  if (p.net.is_v4()) out.v4.push_back(span_of_v4(p.net.v4_host_order(), p.len));
  if (p.net.is_v6()) out.v6.push_back(span_of_v6(to_u128(p.net), p.len));
}

std::string addr_text(uint32_t v) { return IpAddr::v4(v).to_string(); }
std::string addr_text(U128 v) { return from_u128(v).to_string(); }

// Quoted for messages: printable ASCII only, long text cut.
std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 80) out += "...";
  return out + "'";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// Characters of a dotted IPv4 pattern ("10.0.0-3.1,5", "10.0.*.1").
bool is_v4_pattern(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-' || c == '*')) return false;
  return true;
}

// ---- parsing one spec ----

struct SpecError {
  ErrorCode code;
  std::string what;
};

SpecError syntax(std::string what) { return {ErrorCode::kInvalidArgument, std::move(what)}; }

SpecError too_many_ranges(uint64_t adds, size_t limit) {
  return syntax("too many separate address ranges: this spec adds " + std::to_string(adds) + ", the limit is " +
                std::to_string(limit) + " in all");
}

std::optional<uint32_t> small_number(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint32_t(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

// One octet field: comma-separated numbers, ranges "a-b", "-b", "a-", and "*" / "-" for all.
std::optional<SpecError> parse_octet(std::string_view field, std::bitset<256>& out) {
  if (field.empty()) return syntax("empty octet");
  const std::string_view whole = field;
  while (true) {
    const size_t comma = field.find(',');
    const std::string_view item = field.substr(0, comma);
    if (item.empty()) return syntax("empty item in octet " + quote(whole));
    uint32_t lo = 0, hi = 255;
    if (item == "*") {
    } else if (const size_t dash = item.find('-'); dash != std::string_view::npos) {
      const std::string_view a = item.substr(0, dash), b = item.substr(dash + 1);
      auto va = a.empty() ? std::optional<uint32_t>(0) : small_number(a, 255);
      auto vb = b.empty() ? std::optional<uint32_t>(255) : small_number(b, 255);
      if (!va || !vb) return syntax("octet range " + quote(item) + " is not within 0-255");
      if (*va > *vb) return syntax("octet range " + quote(item) + " is reversed");
      lo = *va;
      hi = *vb;
    } else {
      auto v = small_number(item, 255);
      if (!v) return syntax("octet " + quote(item) + " is not a number within 0-255");
      lo = hi = *v;
    }
    for (uint32_t i = lo; i <= hi; ++i) out.set(i);
    if (comma == std::string_view::npos) return std::nullopt;
    field.remove_prefix(comma + 1);
  }
}

std::optional<uint8_t> parse_len(std::string_view s, uint8_t max) {
  auto v = small_number(s, max);
  if (!v) return std::nullopt;
  return uint8_t(*v);
}

// "10.0.0-3.1,5,7-9", "10.0.*.1", "10.0.0.0/24".
std::optional<SpecError> expand_v4_pattern(std::string_view base, std::optional<std::string_view> len_text,
                                           std::vector<Span4>& out, size_t& budget, size_t limit) {
  std::bitset<256> oct[4];
  size_t part = 0;
  while (true) {
    if (part == 4) return syntax("more than four octets");
    const size_t dot = base.find('.');
    if (auto e = parse_octet(base.substr(0, dot), oct[part])) return e;
    ++part;
    if (dot == std::string_view::npos) break;
    base.remove_prefix(dot + 1);
  }
  if (part != 4) return syntax("expected four dot-separated octets");
  if (len_text) {
    for (const auto& o : oct)
      if (o.count() != 1) return syntax("a /length needs a plain address, not an octet range");
    auto len = parse_len(*len_text, 32);
    if (!len) return syntax("prefix length " + quote(*len_text) + " is not within 0-32");
    uint32_t v = 0;
    for (const auto& o : oct) {
      uint32_t x = 0;
      while (!o[x]) ++x;
      v = (v << 8) | x;
    }
    if (budget == 0) return too_many_ranges(1, limit);
    --budget;
    out.push_back(span_of_v4(v, *len));
    return std::nullopt;
  }
  // The set is the product of the four octet sets. Trailing octets that take all 256 values
  // fold into the runs of the last partial octet, so "10.0.0-3.*" is one range, not four.
  size_t k = 3;
  while (k > 0 && oct[k].all()) --k;
  std::vector<uint32_t> vals[3];
  for (size_t i = 0; i < k; ++i)
    for (uint32_t x = 0; x < 256; ++x)
      if (oct[i][x]) vals[i].push_back(x);
  std::vector<std::pair<uint32_t, uint32_t>> runs;
  for (uint32_t x = 0; x < 256;) {
    if (!oct[k][x]) {
      ++x;
      continue;
    }
    uint32_t y = x;
    while (y + 1 < 256 && oct[k][y + 1]) ++y;
    runs.emplace_back(x, y);
    x = y + 1;
  }
  uint64_t n = runs.size();
  for (size_t i = 0; i < k; ++i) n *= vals[i].size();
  if (n > budget) return too_many_ranges(n, limit);
  const uint32_t shift = uint32_t(8 * (3 - k));  // bits below octet k: 0..24
  const uint32_t fill = (1u << shift) - 1;
  size_t idx[3] = {0, 0, 0};
  for (bool more = true; more;) {
    uint32_t prefix = 0;
    for (size_t i = 0; i < k; ++i) prefix = (prefix << 8) | vals[i][idx[i]];
    const uint32_t high = k == 0 ? 0 : prefix << (8 * (4 - k));
    for (const auto& [r0, r1] : runs) {
      const uint32_t first = high | (r0 << shift), last = high | (r1 << shift) | fill;
      if (!out.empty() && out.back().last != 0xffffffffu && out.back().last + 1 == first) {
        out.back().last = last;
      } else {
        out.push_back({first, last});
        --budget;
      }
    }
    more = false;  // odometer over the leading octets' values
    for (size_t i = k; i-- > 0;) {
      if (++idx[i] < vals[i].size()) {
        more = true;
        break;
      }
      idx[i] = 0;
    }
  }
  return std::nullopt;
}

bool valid_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);
  size_t label = 0;
  bool letter = false;
  char prev = '.';
  for (char c : s) {
    // Labels neither start nor end with '-', so "--exclude" is never taken for a name.
    if ((c == '-' && prev == '.') || (c == '.' && prev == '-')) return false;
    prev = c;
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!(alpha || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    letter |= alpha;
    if (++label > 63) return false;
  }
  return label > 0 && letter && prev != '-';
}

struct ExpandContext {
  Resolver& resolver;
  bool is_target;  // targets: IPv6 prefixes limited to /96, resolved names noted
  size_t budget;   // ranges still allowed
  size_t limit;    // TargetOptions::max_ranges
  std::vector<std::string>* notes;
};

std::optional<SpecError> expand_spec(std::string_view spec, ExpandContext& ctx, Spans& out) {
  if (spec.empty()) return syntax("empty target");
  const size_t slash = spec.find('/');
  const std::string_view base = spec.substr(0, slash);
  std::optional<std::string_view> len_text;
  if (slash != std::string_view::npos) len_text = spec.substr(slash + 1);

  if (base.find(':') != std::string_view::npos) {
    if (base.find('%') != std::string_view::npos) return syntax("IPv6 zone ids are not supported");
    auto a = IpAddr::parse(base);
    if (!a || !a->is_v6()) return syntax("not a valid IPv6 address");
    uint8_t len = 128;
    if (len_text) {
      auto l = parse_len(*len_text, 128);
      if (!l) return syntax("prefix length " + quote(*len_text) + " is not within 0-128");
      len = *l;
    }
    if (ctx.is_target && len < kMinV6TargetPrefix)
      return syntax("too many addresses (2^" + std::to_string(128 - len) +
                    "); IPv6 target prefixes must be /96 or longer");
    if (ctx.budget == 0) return too_many_ranges(1, ctx.limit);
    --ctx.budget;
    out.v6.push_back(span_of_v6(to_u128(*a), len));
    return std::nullopt;
  }
  if (is_v4_pattern(base)) return expand_v4_pattern(base, len_text, out.v4, ctx.budget, ctx.limit);
  if (!valid_host_name(base)) return syntax("not an address, range or host name");

  std::optional<uint8_t> len;
  if (len_text) {
    len = parse_len(*len_text, 128);
    if (!len) return syntax("prefix length " + quote(*len_text) + " is not within 0-128");
  }
  auto r = ctx.resolver.resolve(base);
  if (!r.ok()) return SpecError{ErrorCode::kNotFound, "cannot resolve: " + r.error().what};
  std::vector<IpAddr> addrs = std::move(r.value());
  if (addrs.empty()) return SpecError{ErrorCode::kNotFound, "the name resolves to no address"};
  if (addrs.size() > kMaxResolved) addrs.resize(kMaxResolved);
  std::string note = "host " + quote(base) + " is";
  for (size_t i = 0; i < addrs.size(); ++i) {
    const IpAddr& a = addrs[i];
    if (i < 8) note += (i ? ", " : " ") + a.to_string();
    if (ctx.budget == 0) return too_many_ranges(addrs.size(), ctx.limit);
    --ctx.budget;
    if (a.is_v4()) {
      if (len && *len > 32)
        return syntax("prefix length /" + std::to_string(*len) + " is too long for " + a.to_string());
      out.v4.push_back(span_of_v4(a.v4_host_order(), len.value_or(32)));
    } else if (a.is_v6()) {
      const uint8_t l = len.value_or(128);
      if (ctx.is_target && l < kMinV6TargetPrefix)
        return syntax("too many addresses for " + a.to_string() + "/" + std::to_string(l) +
                      "; IPv6 target prefixes must be /96 or longer");
      out.v6.push_back(span_of_v6(to_u128(a), l));
    } else {
      return SpecError{ErrorCode::kNotFound, "the resolver returned an empty address"};
    }
  }
  if (addrs.size() > 8) note += " (+" + std::to_string(addrs.size() - 8) + " more)";
  if (len) note += " (/" + std::to_string(*len) + " each)";
  if (ctx.is_target && ctx.notes) ctx.notes->push_back(std::move(note));
  return std::nullopt;
}

// ---- inputs ----

core::Result<std::string> read_input(const std::string& path) {
  const std::string where = path == "-" ? "stdin" : path;
  std::ifstream file;
  if (path != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return core::make_error(ErrorCode::kInvalidArgument, path, "is a directory, not a file of targets");
    file.open(path, std::ios::binary);
    if (!file) return core::make_error(ErrorCode::kNotFound, path, std::string("cannot open: ") + std::strerror(errno));
  }
  std::istream& in = path == "-" ? std::cin : file;
  // Read in chunks rather than by size, so pipes and process substitution work too.
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, size_t(in.gcount()));
    if (text.size() > kMaxFileBytes) return core::make_error(ErrorCode::kInvalidArgument, where, "larger than 64 MiB");
  }
  if (in.bad()) return core::make_error(ErrorCode::kIo, where, "read failed");
  return text;
}

core::Status collect(const std::vector<std::string>& specs, const std::vector<std::string>& files,
                     const std::string& cli_where, std::vector<SpecEntry>& out) {
  for (const auto& s : specs)
    for (auto& one : split_target_specs(s)) out.push_back({std::move(one), cli_where});
  for (const auto& f : files) {
    auto text = read_input(f);
    if (!text.ok()) return text.error();
    auto entries = split_spec_file(*text, f == "-" ? "stdin" : f);
    std::move(entries.begin(), entries.end(), std::back_inserter(out));
  }
  return {};
}

// ---- block list ----

struct ScopeEdge {
  uint32_t addr;
  std::string reason;
};

std::vector<ScopeEdge> scope_edges(const Scope& scope) {
  std::vector<ScopeEdge> out;
  for (const auto& p : scope.allowed) {
    if (!p.net.is_v4() || p.len > 30) continue;
    const Span4 s = span_of_v4(p.net.v4_host_order(), p.len);
    out.push_back({s.first, "network address of scope " + p.to_string()});
    out.push_back({s.last, "broadcast of scope " + p.to_string()});
  }
  return out;
}

std::string plural(uint64_t n) { return std::to_string(n) + (n == 1 ? " address" : " addresses"); }

}  // namespace

// ---- Scope ----

core::Result<Scope> Scope::parse(std::string_view csv) {
  Scope s;
  auto trim = [](std::string_view v) {
    while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
    return v;
  };
  if (trim(csv).empty())
    return core::make_error(ErrorCode::kInvalidArgument, "--scope", "empty; give the CIDR ranges you may scan");
  while (true) {
    const size_t comma = csv.find(',');
    const std::string_view item = trim(csv.substr(0, comma));
    if (item.empty()) return core::make_error(ErrorCode::kInvalidArgument, "--scope", "empty item in the list");
    auto p = IpPrefix::parse(item);
    if (!p || item.find('%') != std::string_view::npos)
      return core::make_error(ErrorCode::kInvalidArgument, "--scope",
                              quote(item) + " is not an address or CIDR prefix");
    s.allowed.push_back(*p);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return s;
}

bool Scope::contains(const IpAddr& a) const {
  for (const auto& p : allowed)
    if (p.contains(a)) return true;
  return false;
}

std::string Scope::to_string() const {
  std::string out;
  for (const auto& p : allowed) out += (out.empty() ? "" : ",") + p.to_string();
  return out;
}

// ---- block list ----

std::span<const BlockedRange> builtin_blocklist() {
  static const std::vector<BlockedRange> list = [] {
    // Order matters: the first matching entry names the reason.
    const std::pair<const char*, const char*> raw[] = {
        {"0.0.0.0/8", "this-network 0.0.0.0/8"},
        {"127.0.0.0/8", "loopback"},
        {"224.0.0.0/4", "multicast"},
        {"255.255.255.255/32", "limited broadcast"},
        {"240.0.0.0/4", "reserved 240.0.0.0/4"},
        {"192.0.0.0/24", "special-purpose 192.0.0.0/24"},
        {"192.0.2.0/24", "documentation 192.0.2.0/24"},
        {"198.51.100.0/24", "documentation 198.51.100.0/24"},
        {"203.0.113.0/24", "documentation 203.0.113.0/24"},
        {"::/128", "unspecified address"},
        {"::1/128", "loopback"},
        {"ff00::/8", "multicast"},
        {"::ffff:0:0/96", "IPv4-mapped ::ffff:0:0/96"},
        {"2001:db8::/32", "documentation 2001:db8::/32"},
    };
    std::vector<BlockedRange> v;
    for (const auto& [p, why] : raw) v.push_back({*IpPrefix::parse(p), why});
    return v;
  }();
  return list;
}

const char* blocked_reason(const IpAddr& a, const Scope& scope) {
  for (const auto& b : builtin_blocklist())
    if (b.prefix.contains(a)) return b.reason;
  if (!a.is_v4()) return nullptr;
  const uint32_t v = a.v4_host_order();
  for (const auto& p : scope.allowed) {
    if (!p.net.is_v4() || p.len > 30) continue;
    const Span4 s = span_of_v4(p.net.v4_host_order(), p.len);
    if (v != s.first && v != s.last) continue;
    thread_local std::string reason;
    reason = (v == s.first ? "network address of scope " : "broadcast of scope ") + p.to_string();
    return reason.c_str();
  }
  return nullptr;
}

// ---- SystemResolver ----

core::Result<std::vector<IpAddr>> SystemResolver::resolve(std::string_view host) {
  const std::string name(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) return core::make_error(ErrorCode::kNotFound, name, gai_strerror(rc));
  std::vector<IpAddr> out;
  for (const addrinfo* ai = res; ai; ai = ai->ai_next) {
    IpAddr a;
    if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in)) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      a = IpAddr::v4(reinterpret_cast<const uint8_t*>(&sin->sin_addr));
    } else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(sockaddr_in6)) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      a = IpAddr::v6(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr));
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), a) == out.end() && out.size() < kMaxResolved) out.push_back(a);
  }
  freeaddrinfo(res);
  if (out.empty()) return core::make_error(ErrorCode::kNotFound, name, "no IPv4 or IPv6 address");
  return out;
}

// ---- spec splitting ----

std::vector<std::string> split_target_specs(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    std::string_view word = text.substr(i, j - i);
    i = j;
    if (word.empty()) continue;
    std::string cur;
    auto flush = [&] {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    };
    while (true) {
      const size_t comma = word.find(',');
      const std::string_view piece = word.substr(0, comma);
      const bool cur_pattern = is_v4_pattern(cur);
      const bool incomplete = cur_pattern && std::count(cur.begin(), cur.end(), '.') < 3;
      const bool octet_items = piece.find_first_of(".:") == std::string_view::npos && is_v4_pattern(piece);
      if (!cur.empty() && (incomplete || (cur_pattern && (octet_items || piece.empty())))) {
        cur += ',';
        cur += piece;
      } else {
        flush();
        cur = piece;
      }
      if (comma == std::string_view::npos) break;
      word.remove_prefix(comma + 1);
    }
    flush();
  }
  return out;
}

std::vector<SpecEntry> split_spec_file(std::string_view text, std::string_view name) {
  std::vector<SpecEntry> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    line = line.substr(0, line.find('#'));
    for (auto& spec : split_target_specs(line))
      out.push_back({std::move(spec), std::string(name) + ":" + std::to_string(line_no)});
  }
  return out;
}

// ---- TargetSet ----

struct TargetSetAccess {
  static void fill(TargetSet& t, const Spans& s) {
    t.v4_.clear();
    t.v6_.clear();
    uint64_t n = 0;
    for (const auto& r : s.v4) {
      t.v4_.push_back({r.first, r.last, n});
      n = sat_add(n, span_count(r));
    }
    t.v4_size_ = n;
    for (const auto& r : s.v6) {
      t.v6_.push_back({uint64_t(r.first >> 64), uint64_t(r.first), uint64_t(r.last >> 64), uint64_t(r.last), n});
      n = sat_add(n, span_count(r));
    }
    t.size_ = n;
  }
};

TargetSet TargetSet::from_addresses(const std::vector<IpAddr>& addrs) {
  Spans s;
  for (const auto& a : addrs) {
    if (a.is_v4()) s.v4.push_back({a.v4_host_order(), a.v4_host_order()});
    if (a.is_v6()) s.v6.push_back({to_u128(a), to_u128(a)});
  }
  normalize(s);
  TargetSet t;
  TargetSetAccess::fill(t, s);
  return t;
}

IpAddr TargetSet::at(uint64_t index) const {
  if (index >= size_) return {};
  if (index < v4_size_) {
    auto it = std::upper_bound(v4_.begin(), v4_.end(), index, [](uint64_t i, const V4& r) { return i < r.before; });
    --it;
    return IpAddr::v4(uint32_t(it->first + (index - it->before)));
  }
  auto it = std::upper_bound(v6_.begin(), v6_.end(), index, [](uint64_t i, const V6& r) { return i < r.before; });
  --it;
  const U128 first = (U128(it->first_hi) << 64) | it->first_lo;
  return from_u128(first + (index - it->before));
}

bool TargetSet::contains(const IpAddr& a) const {
  if (a.is_v4()) {
    const uint32_t v = a.v4_host_order();
    auto it = std::upper_bound(v4_.begin(), v4_.end(), v, [](uint32_t x, const V4& r) { return x < r.first; });
    return it != v4_.begin() && std::prev(it)->last >= v;
  }
  if (a.is_v6()) {
    const U128 v = to_u128(a);
    auto it = std::upper_bound(v6_.begin(), v6_.end(), v,
                               [](U128 x, const V6& r) { return x < ((U128(r.first_hi) << 64) | r.first_lo); });
    return it != v6_.begin() && ((U128(std::prev(it)->last_hi) << 64) | std::prev(it)->last_lo) >= v;
  }
  return false;
}

TargetSet::Range TargetSet::range(size_t i) const {
  Range r;
  if (i < v4_.size()) {
    r.first = IpAddr::v4(v4_[i].first);
    r.last = IpAddr::v4(v4_[i].last);
    r.count = span_count(Span4{v4_[i].first, v4_[i].last});
  } else if (i - v4_.size() < v6_.size()) {
    const V6& x = v6_[i - v4_.size()];
    const Span6 s{(U128(x.first_hi) << 64) | x.first_lo, (U128(x.last_hi) << 64) | x.last_lo};
    r.first = from_u128(s.first);
    r.last = from_u128(s.last);
    r.count = span_count(s);
  }
  return r;
}

std::string TargetSet::to_string(size_t max_ranges) const {
  std::string out;
  const size_t n = range_count();
  for (size_t i = 0; i < n && i < max_ranges; ++i) {
    const Range r = range(i);
    if (!out.empty()) out += ", ";
    out += r.first.to_string();
    if (r.count > 1) out += "-" + r.last.to_string();
  }
  if (n > max_ranges) out += " (+" + std::to_string(n - max_ranges) + " more)";
  return out;
}

// ---- build_targets ----

core::Result<TargetSet> build_targets(const TargetOptions& opt, Resolver& resolver, TargetReport* report) {
  TargetReport local;
  TargetReport& rep = report ? *report : local;
  rep = TargetReport{};
  if (opt.scope.empty())
    return core::make_error(ErrorCode::kInvalidArgument, "--scope",
                            "no scope given; pass the address ranges you are authorised to scan");

  Spans scope;
  for (const auto& p : opt.scope.allowed) add_prefix(p, scope);
  normalize(scope);
  const std::string scope_text = opt.scope.to_string();

  std::vector<SpecEntry> entries;
  if (auto st = collect(opt.specs, opt.input_files, "", entries); !st.ok()) return st.error();
  if (entries.empty()) return core::make_error(ErrorCode::kInvalidArgument, "", "no targets given");

  // Targets: each spec expanded and checked against the scope on its own, so the error can
  // name the spec (and its file line) that reaches outside.
  Spans targets;
  ExpandContext tctx{resolver, true, opt.max_ranges, opt.max_ranges, &rep.notes};
  for (const auto& e : entries) {
    Spans one;
    if (auto err = expand_spec(e.spec, tctx, one))
      return core::make_error(err->code, e.where, "target " + quote(e.spec) + ": " + err->what);
    normalize(one);
    std::string outside;
    if (auto x = first_outside(one.v4, scope.v4)) outside = addr_text(*x);
    if (auto x = first_outside(one.v6, scope.v6); x && outside.empty()) outside = addr_text(*x);
    if (!outside.empty()) {
      std::string what = "target " + outside;
      what += " (from " + quote(e.spec) + ") is outside the scope ";
      what += scope_text;
      return core::make_error(ErrorCode::kPermission, e.where, std::move(what));
    }
    targets.v4.insert(targets.v4.end(), one.v4.begin(), one.v4.end());
    targets.v6.insert(targets.v6.end(), one.v6.begin(), one.v6.end());
  }
  normalize(targets);
  const uint64_t expanded = total(targets);

  // Exclusions: the same syntax; they may reach outside the scope.
  std::vector<SpecEntry> excl_entries;
  if (auto st = collect(opt.exclude_specs, opt.exclude_files, "--exclude", excl_entries); !st.ok()) return st.error();
  if (!excl_entries.empty()) {
    Spans excl;
    ExpandContext xctx{resolver, false, opt.max_ranges, opt.max_ranges, nullptr};
    for (const auto& e : excl_entries)
      if (auto err = expand_spec(e.spec, xctx, excl))
        return core::make_error(err->code, e.where, "exclusion " + quote(e.spec) + ": " + err->what);
    normalize(excl);
    const uint64_t before = total(targets);
    targets.v4 = subtract(targets.v4, excl.v4);
    targets.v6 = subtract(targets.v6, excl.v6);
    rep.excluded = before - total(targets);
  }

  // Built-in block list, entry by entry so each skipped address is counted under one reason.
  std::vector<std::pair<std::string, uint64_t>> skipped;
  auto note_skip = [&](const std::string& why, uint64_t n) {
    if (n == 0) return;
    rep.blocked += n;
    for (auto& [w, c] : skipped)
      if (w == why) {
        c += n;
        return;
      }
    skipped.emplace_back(why, n);
  };
  for (const auto& b : builtin_blocklist()) {
    Spans blk;
    add_prefix(b.prefix, blk);
    const uint64_t before = total(targets);
    if (!blk.v4.empty()) targets.v4 = subtract(targets.v4, blk.v4);
    if (!blk.v6.empty()) targets.v6 = subtract(targets.v6, blk.v6);
    note_skip(b.reason, before - total(targets));
  }
  // Network and broadcast addresses of the scope's IPv4 prefixes: single addresses, looked up
  // one by one and removed in one pass.
  std::vector<Span4> edges;
  std::unordered_set<uint32_t> seen;
  for (const auto& e : scope_edges(opt.scope)) {
    if (!span_contains(targets.v4, e.addr) || !seen.insert(e.addr).second) continue;
    edges.push_back({e.addr, e.addr});
    note_skip(e.reason, 1);
  }
  if (!edges.empty()) {
    normalize(edges);
    targets.v4 = subtract(targets.v4, edges);
  }
  for (const auto& [why, n] : skipped) rep.notes.push_back("skipped " + plural(n) + ": " + why);

  const uint64_t n = total(targets);
  if (n == 0)
    return core::make_error(ErrorCode::kInvalidArgument, "",
                            "no targets left to scan: " + plural(expanded) + " given, " + std::to_string(rep.excluded) +
                                " excluded, " + std::to_string(rep.blocked) + " blocked");
  if (n > opt.confirm_threshold && !opt.confirmed)
    return core::make_error(ErrorCode::kInvalidArgument, "",
                            std::to_string(n) + " targets, more than " + std::to_string(opt.confirm_threshold) +
                                "; add --confirm-large to scan them all");
  TargetSet set;
  TargetSetAccess::fill(set, targets);
  return set;
}

}  // namespace sekisho::scan
