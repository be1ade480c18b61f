// blocklist: a LAN device talking to an address on a block list the operator supplies
// (C2 servers, known-bad networks: Spamhaus DROP, FireHOL, DShield, abuse.ch feeds...).
// The lists are read once at start into sorted, merged intervals, IPv4 and IPv6 apart, so
// a lookup is one binary search however long the lists are; each flow is checked on its
// first packet, whichever side opened it. No list configured: nothing to do.
#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

struct U128 {
  uint64_t hi = 0, lo = 0;
  auto operator<=>(const U128&) const = default;
};

uint32_t v4_of(const core::IpAddr& a) { return a.v4_host_order(); }
U128 v6_of(const core::IpAddr& a) {
  U128 u;
  for (int i = 0; i < 8; ++i) u.hi = (u.hi << 8) | a.b[size_t(i)];
  for (int i = 8; i < 16; ++i) u.lo = (u.lo << 8) | a.b[size_t(i)];
  return u;
}
core::IpAddr ip_of(uint32_t v) { return core::IpAddr::v4(v); }
core::IpAddr ip_of(const U128& u) {
  uint8_t b[16];
  for (int i = 0; i < 8; ++i) b[i] = uint8_t(u.hi >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = uint8_t(u.lo >> (56 - 8 * i));
  return core::IpAddr::v6(b);
}
bool next_of(uint32_t v, uint32_t* out) {
  if (v == ~uint32_t{0}) return false;
  *out = v + 1;
  return true;
}
bool next_of(const U128& v, U128* out) {
  if (v.hi == ~uint64_t{0} && v.lo == ~uint64_t{0}) return false;
  *out = v;
  if (++out->lo == 0) ++out->hi;
  return true;
}
// Host bits of a prefix of `len` bits set: the range's last address.
uint32_t last_of(uint32_t net, uint8_t len) { return len == 0 ? ~uint32_t{0} : net | ~(~uint32_t{0} << (32 - len)); }
U128 last_of(const U128& net, uint8_t len) {
  U128 u = net;
  if (len <= 64) {
    u.hi |= len == 0 ? ~uint64_t{0} : len == 64 ? 0 : ~(~uint64_t{0} << (64 - len));
    u.lo = ~uint64_t{0};
  } else if (len < 128) {
    u.lo |= ~(~uint64_t{0} << (128 - len));
  }
  return u;
}
bool host_clear(uint32_t a, uint32_t host) { return (a & host) == 0; }
bool host_clear(const U128& a, const U128& host) { return (a.hi & host.hi) == 0 && (a.lo & host.lo) == 0; }

// One family's list: the entries as written (for the evidence) and their union as
// sorted, disjoint, non-adjacent intervals (for the lookup).
template <typename A>
class IntervalSet {
 public:
  struct Entry {
    A first, last;
    uint32_t line;
    uint16_t file;
  };
  void add(const A& first, const A& last, uint16_t file, uint32_t line) {
    entries_.push_back(Entry{first, last, line, file});
  }
  void build() {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.first < b.first || (a.first == b.first && a.line < b.line);
    });
    entries_.shrink_to_fit();
    merged_.clear();
    reach_.clear();
    reach_.reserve(entries_.size());
    for (const auto& e : entries_) {
      A next{};
      if (!merged_.empty() &&
          (merged_.back().second >= e.first || (next_of(merged_.back().second, &next) && next == e.first))) {
        if (e.last > merged_.back().second) merged_.back().second = e.last;
      } else {
        merged_.emplace_back(e.first, e.last);
      }
      reach_.push_back(reach_.empty() || e.last > reach_.back() ? e.last : reach_.back());
    }
    merged_.shrink_to_fit();
  }
  bool contains(const A& a) const {
    auto it = std::upper_bound(merged_.begin(), merged_.end(), a,
                               [](const A& v, const std::pair<A, A>& r) { return v < r.first; });
    return it != merged_.begin() && std::prev(it)->second >= a;
  }
  // An entry holding `a` (the last written of those starting nearest below it). Only on
  // hits: walks back while an earlier entry could still reach `a`.
  const Entry* entry_for(const A& a) const {
    auto it =
        std::upper_bound(entries_.begin(), entries_.end(), a, [](const A& v, const Entry& e) { return v < e.first; });
    for (size_t i = size_t(it - entries_.begin()); i-- > 0;) {
      if (reach_[i] < a) break;
      if (entries_[i].last >= a) return &entries_[i];
    }
    return nullptr;
  }
  size_t size() const { return entries_.size(); }
  size_t intervals() const { return merged_.size(); }
  size_t memory_bytes() const {
    return entries_.capacity() * sizeof(Entry) + merged_.capacity() * sizeof(std::pair<A, A>) +
           reach_.capacity() * sizeof(A);
  }

 private:
  std::vector<Entry> entries_;
  std::vector<std::pair<A, A>> merged_;
  std::vector<A> reach_;  // highest `last` among entries_[0..i]
};

// An entry's range as text: "1.2.3.0/24", "1.2.3.4", or "first-last" for a range that is
// no prefix.
template <typename A>
std::string range_text(const A& first, const A& last, int bits) {
  for (int len = 0; len <= bits; ++len) {
    if (!host_clear(first, last_of(A{}, uint8_t(len))) || last_of(first, uint8_t(len)) != last) continue;
    return len == bits ? ip_of(first).to_string() : ip_of(first).to_string() + "/" + std::to_string(len);
  }
  return ip_of(first).to_string() + "-" + ip_of(last).to_string();
}

struct Lists {
  std::vector<std::string> files;  // as configured (for the evidence)
  IntervalSet<uint32_t> v4;
  IntervalSet<U128> v6;
};

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Adds one address, prefix or range ("a-b", or "a b" as DShield writes its start and end
// columns) to the lists. `second` is the next column, if any.
bool add_range(std::string_view tok, std::string_view second, Lists& l, uint16_t file, uint32_t line) {
  std::optional<core::IpAddr> first, last;
  if (const size_t dash = tok.find('-'); dash != std::string_view::npos) {
    first = core::IpAddr::parse(tok.substr(0, dash));
    last = core::IpAddr::parse(tok.substr(dash + 1));
    if (!first || !last || first->family != last->family) return false;
  } else if (tok.find('/') != std::string_view::npos) {
    auto p = core::IpPrefix::parse(tok);
    if (!p) return false;
    if (p->net.is_v4()) {
      const uint32_t net = v4_of(p->net);
      l.v4.add(net, last_of(net, p->len), file, line);
    } else {
      const U128 net = v6_of(p->net);
      l.v6.add(net, last_of(net, p->len), file, line);
    }
    return true;
  } else {
    first = core::IpAddr::parse(tok);
    if (!first) return false;
    // A second column holding an address of the same family, not below the first: an
    // explicit range (DShield block.txt: start, end, prefix length, ...).
    if (auto s = second.empty() ? std::nullopt : core::IpAddr::parse(second); s && s->family == first->family)
      last = s;
    else
      last = first;
  }
  if (first->is_v4()) {
    const uint32_t a = v4_of(*first), b = v4_of(*last);
    if (b < a) return false;
    l.v4.add(a, b, file, line);
  } else {
    const U128 a = v6_of(*first), b = v6_of(*last);
    if (b < a) return false;
    l.v6.add(a, b, file, line);
  }
  return true;
}

// One list file: an address, prefix or range first on each line; '#' and ';' start
// comments; other columns are ignored. Errors name file:line.
core::Status read_list(const std::string& path, Lists& l, uint16_t file, uint64_t max_entries) {
  std::ifstream in(path);
  if (!in) return core::Error{core::ErrorCode::kNotFound, path, "cannot open the block list"};
  std::string text;
  uint32_t n = 0;
  bool data_seen = false;
  while (std::getline(in, text)) {
    ++n;
    std::string_view s = text;
    if (const size_t c = s.find_first_of("#;"); c != std::string_view::npos) s = s.substr(0, c);
    auto token = [&s]() {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == ','))
        s.remove_prefix(1);
      size_t e = 0;
      while (e < s.size() && s[e] != ' ' && s[e] != '\t' && s[e] != '\r' && s[e] != ',') ++e;
      std::string_view t = s.substr(0, e);
      s.remove_prefix(e);
      return t;
    };
    const std::string_view first = token();
    if (first.empty()) continue;
    const std::string_view second = token();
    const bool header = !data_seen && !has_digit(first);  // a column header ("Start End Netblock ...")
    data_seen = true;
    if (header) continue;
    if (!add_range(first, second, l, file, n))
      return core::Error{core::ErrorCode::kFormat, path + ":" + std::to_string(n),
                         "expected an IPv4/IPv6 address, prefix or range, got \"" + std::string(first) + "\""};
    if (l.v4.size() + l.v6.size() > max_entries)
      return core::Error{core::ErrorCode::kFormat, path + ":" + std::to_string(n),
                         "more than max_entries (" + std::to_string(max_entries) + ") entries in the block lists"};
  }
  return {};
}

class BlockList final : public Detector {
 public:
  explicit BlockList(Lists lists) : l_(std::move(lists)) {
    l_.v4.build();
    l_.v6.build();
    any_ = l_.v4.size() + l_.v6.size() > 0;
  }

  uint32_t interests() const override { return any_ ? interest::kIp : 0; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    if (!any_) return;
    // A flow's first packet, whichever side sends it; packets outside the flow table
    // one by one (a lookup is a binary search).
    if (ctx.flow ? !ctx.new_flow : (ctx.pv.l3 != decode::L3::kIpv4 && ctx.pv.l3 != decode::L3::kIpv6)) return;
    const decode::PacketView& pv = ctx.pv;
    switch (ctx.where) {
      case Where::kOutbound: check(ctx, pv.dst_ip, false, out); break;
      case Where::kInbound: check(ctx, pv.src_ip, true, out); break;
      case Where::kInternal:
        if (!check(ctx, pv.dst_ip, false, out)) check(ctx, pv.src_ip, true, out);
        break;
      default: break;
    }
  }

  size_t state_bytes() const override {
    size_t n = sizeof *this + l_.v4.memory_bytes() + l_.v6.memory_bytes();
    for (const auto& f : l_.files) n += sizeof f + f.capacity();
    return n;
  }

 private:
  // `peer_is_src`: the listed address sent the packet (the device is the receiver).
  bool check(const PacketContext& ctx, const core::IpAddr& peer, bool peer_is_src, AlertSink& out) {
    if (peer.is_v4()) {
      const uint32_t a = v4_of(peer);
      if (!l_.v4.contains(a)) return false;
      const auto* e = l_.v4.entry_for(a);
      raise(ctx, peer, peer_is_src, e ? range_text(e->first, e->last, 32) : std::string(), e ? e->file : 0,
            e ? e->line : 0, out);
      return true;
    }
    if (peer.is_v6()) {
      const U128 a = v6_of(peer);
      if (!l_.v6.contains(a)) return false;
      const auto* e = l_.v6.entry_for(a);
      raise(ctx, peer, peer_is_src, e ? range_text(e->first, e->last, 128) : std::string(), e ? e->file : 0,
            e ? e->line : 0, out);
      return true;
    }
    return false;
  }

  void raise(const PacketContext& ctx, const core::IpAddr& peer, bool peer_is_src, const std::string& entry,
             uint16_t file, uint32_t line, AlertSink& out) const {
    const decode::PacketView& pv = ctx.pv;
    Alert a = packet_alert(sig::kBlockListPeer, ctx);
    a.device1 = peer_is_src ? ctx.dst_dev1 : ctx.src_dev1;
    a.device_ip = peer_is_src ? pv.dst_ip : pv.src_ip;
    a.subkey = addr_key(peer);
    core::JsonWriter w(a.evidence);
    w.field("peer", peer.to_string());
    // Who opened the connection (who sent the packet, outside the flow table).
    w.field("initiated_by", peer_is_src ? "peer" : "device");
    if (line) {
      w.field("list", file < l_.files.size() ? l_.files[file] : std::string());
      w.field("line", uint64_t{line});
      w.field("entry", entry);
    }
    out.raise(std::move(a));
  }

  Lists l_;
  bool any_ = false;
};

std::string resolve_path(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return (base.empty() ? std::string(".") : base) + "/" + p;
}

}  // namespace

MakeResult make_blocklist(const ConfigView& cfg) {
  Lists l;
  l.files = cfg.strings("files", {});
  const uint64_t max_entries = cfg.u64("max_entries", 2'000'000, 1, 100'000'000);
  if (l.files.size() > 65535) {
    cfg.fail("files", "too many files");
    return cfg.finish().error();
  }
  for (size_t i = 0; i < l.files.size(); ++i) {
    if (auto st = read_list(resolve_path(cfg.base_dir(), l.files[i]), l, uint16_t(i), max_entries); !st) {
      cfg.fail("files", st.error().message());
      return cfg.finish().error();
    }
  }
  return std::unique_ptr<Detector>(new BlockList(std::move(l)));
}

}  // namespace sekisho::detect
