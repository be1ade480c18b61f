#pragma once
// What may be scanned: the operator's scope, the built-in block list, and target
// specifications in nmap's syntax expanded into a compact, range-based set.
//
// Safety rules (issue 5, "Scope safety first"):
//  - a scope is required, and every address a target spec expands to (host names after
//    resolution) must lie inside it, or nothing is scanned. The check runs on each spec
//    before exclusions and the block list, so an exclusion never makes an over-wide spec
//    acceptable;
//  - the block list below always applies; blocked addresses are skipped with a note;
//  - more than `confirm_threshold` targets need an explicit confirmation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.h"
#include "core/result.h"

namespace sekisho::scan {

// The ranges the operator is authorised to scan.
struct Scope {
  std::vector<core::IpPrefix> allowed;

  // "10.0.0.0/24,192.168.1.0/24,fd00::/64"; a bare address is a /32 or /128. Errors
  // (where "--scope") quote the bad item; an empty list is an error.
  static core::Result<Scope> parse(std::string_view csv);
  bool contains(const core::IpAddr& a) const;
  bool empty() const { return allowed.empty(); }
  std::string to_string() const;  // "10.0.0.0/24,fd00::/64"
};

// One entry of the built-in block list.
struct BlockedRange {
  core::IpPrefix prefix;
  const char* reason;
};

// Always applied: 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4, 255.255.255.255, 240.0.0.0/4,
// 192.0.0.0/24, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; ::, ::1, ff00::/8,
// ::ffff:0:0/96 (IPv4-mapped: a socket would reach the IPv4 address behind the scope's back),
// 2001:db8::/32. Not blocked: 100.64.0.0/10 (carrier-grade NAT space is where an ISP's own
// customers live, exactly what a NOTICE-style survey covers), 169.254.0.0/16, fe80::/10 and
// the private ranges: the scope decides those.
std::span<const BlockedRange> builtin_blocklist();

// Why `a` must not be probed: a built-in entry ("multicast", "loopback", ...) or the network /
// broadcast address of an IPv4 scope prefix of length <= 30 ("broadcast of scope
// 10.0.0.0/24"); nullptr if it may be. The scope reasons live in a thread-local buffer that
// the next call on the same thread overwrites.
const char* blocked_reason(const core::IpAddr& a, const Scope& scope);

class Resolver {
 public:
  virtual ~Resolver() = default;
  // All addresses of `host` (IPv4 and IPv6); an error, or an empty list, if none.
  virtual core::Result<std::vector<core::IpAddr>> resolve(std::string_view host) = 0;
};

// getaddrinfo(AF_UNSPEC); duplicates removed, at most 64 addresses kept.
class SystemResolver : public Resolver {
 public:
  core::Result<std::vector<core::IpAddr>> resolve(std::string_view host) override;
};

struct TargetOptions {
  std::vector<std::string> specs;          // command-line targets
  std::vector<std::string> input_files;    // -iL FILE ("-" = stdin)
  std::vector<std::string> exclude_specs;  // --exclude a,b,c
  std::vector<std::string> exclude_files;  // --excludefile FILE
  Scope scope;
  uint64_t confirm_threshold = 65536;  // more targets need `confirmed`
  bool confirmed = false;              // --confirm-large
  // Separate address ranges one build may hold (targets and exclusions each), so a pattern
  // like "*.*.*.1" is refused instead of allocating 16M ranges. The fuzzer lowers it.
  size_t max_ranges = size_t{1} << 20;
};

// A set of target addresses held as sorted, disjoint, non-adjacent ranges: memory grows with
// the number of ranges, never with the number of addresses. IPv4 addresses come first, then
// IPv6, each in ascending order.
class TargetSet {
 public:
  struct Range {
    core::IpAddr first, last;  // inclusive
    uint64_t count = 0;
  };

  // A set holding exactly these addresses (duplicates merged).
  static TargetSet from_addresses(const std::vector<core::IpAddr>& addrs);

  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The index-th address, index in [0, size()); O(log ranges). An empty IpAddr out of range.
  core::IpAddr at(uint64_t index) const;
  bool contains(const core::IpAddr& a) const;
  size_t range_count() const { return v4_.size() + v6_.size(); }
  Range range(size_t i) const;  // i in [0, range_count())
  // "10.0.0.1-10.0.0.254, fd00::5" with at most `max_ranges` ranges, then "(+N more)".
  std::string to_string(size_t max_ranges = 8) const;

 private:
  friend struct TargetSetAccess;
  struct V4 {
    uint32_t first, last;  // host order
    uint64_t before;       // addresses in the ranges ahead of this one
  };
  struct V6 {
    uint64_t first_hi, first_lo, last_hi, last_lo;
    uint64_t before;
  };
  std::vector<V4> v4_;
  std::vector<V6> v6_;
  uint64_t v4_size_ = 0, size_ = 0;
};

struct TargetReport {
  uint64_t excluded = 0;           // target addresses removed by --exclude / --excludefile
  uint64_t blocked = 0;            // target addresses removed by the block list
  std::vector<std::string> notes;  // "skipped 2 addresses: broadcast of scope 10.0.0.0/24"
};

// Target syntax (targets, -iL entries and exclusions alike):
//   10.0.0.5                 one IPv4 address
//   10.0.0.0/24              CIDR, /0 to /32
//   10.0.0-3.1,5,7-9         per-octet lists of numbers and ranges; "-5" is 0-5, "250-" is
//   10.0.*.1                   250-255, "*" and "-" are 0-255
//   fd00::5, fd00::/120      IPv6 literal or prefix; a target prefix must be /96 or longer
//   cam.example, host/28     host names, resolved through the Resolver; every address counts
// Each argument, -iL entry or --exclude value is split on whitespace and then on commas that
// separate whole specs: a comma starts a new spec unless the text before it is an incomplete
// dotted IPv4 pattern (fewer than three dots) or the text after it has no dot or colon and
// extends a dotted IPv4 pattern. So "10.0.0.1,5,7-9" and "10.0.1,2.5" are one spec each, and
// "10.0.0.1,10.0.0.5" and "10.0.0.1,cam.example" are two. Empty items ("a,,b") are dropped.
// In files '#' starts a comment.
//
// Errors (nothing is scanned): no scope; no targets; a spec that does not parse (named, with
// "FILE:LINE" for -iL / --excludefile); a host name that does not resolve; any target address
// outside the scope (ErrorCode::kPermission); an IPv6 prefix wider than /96; more ranges than
// max_ranges; more than confirm_threshold targets without `confirmed`; nothing left to scan.
core::Result<TargetSet> build_targets(const TargetOptions& options, Resolver& resolver, TargetReport* report = nullptr);

// The comma rule above, applied to one argument or line.
std::vector<std::string> split_target_specs(std::string_view text);

// The entries of an -iL / --excludefile text: '#' starts a comment, specs split as above,
// each with its "NAME:LINE".
struct SpecEntry {
  std::string spec;
  std::string where;
};
std::vector<SpecEntry> split_spec_file(std::string_view text, std::string_view name);

}  // namespace sekisho::scan
