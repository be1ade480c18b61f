#include "core/net.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sekisho::core {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
  // Accept aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff and aabbccddeeff (as in file names),
  // surrounding whitespace trimmed.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t'))
    text.remove_suffix(1);
  MacAddr m;
  if (text.size() == 12) {
    for (size_t i = 0; i < 6; ++i) {
      int hi = hex_value(text[i * 2]);
      int lo = hex_value(text[i * 2 + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      m.b[i] = uint8_t(hi * 16 + lo);
    }
    return m;
  }
  if (text.size() != 17) return std::nullopt;
  for (size_t i = 0; i < 6; ++i) {
    int hi = hex_value(text[i * 3]);
    int lo = hex_value(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    m.b[i] = uint8_t(hi * 16 + lo);
  }
  return m;
}

void MacAddr::format(char* out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < 6; ++i) {
    out[i * 3] = kHex[b[i] >> 4];
    out[i * 3 + 1] = kHex[b[i] & 15];
    if (i < 5) out[i * 3 + 2] = ':';
  }
}

std::string MacAddr::to_string() const {
  std::string s(17, '\0');
  format(s.data());
  return s;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  std::string s(text);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.b.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.b.data()) == 1) {
    a.family = 6;
    return a;
  }
  return std::nullopt;
}

bool IpAddr::is_local_scope() const {
  if (family == 4) {
    if (b[0] == 10) return true;
    if (b[0] == 172 && (b[1] & 0xf0) == 16) return true;
    if (b[0] == 192 && b[1] == 168) return true;
    if (b[0] == 169 && b[1] == 254) return true;
    return false;
  }
  if (family == 6) {
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10
    if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7
    return false;
  }
  return false;
}

bool IpAddr::is_multicast() const {
  if (family == 4) return (b[0] & 0xf0) == 0xe0 || v4_host_order() == 0xffffffffu;
  if (family == 6) return b[0] == 0xff;
  return false;
}

bool IpAddr::is_unspecified() const {
  for (size_t i = 0; i < size(); ++i)
    if (b[i] != 0) return false;
  return true;
}

size_t IpAddr::format(char* out) const {
  if (family == 4) {
    // Hand-rolled: this runs for every flow event.
    char* p = out;
    for (int i = 0; i < 4; ++i) {
      unsigned v = b[size_t(i)];
      if (v >= 100) *p++ = char('0' + v / 100);
      if (v >= 10) *p++ = char('0' + v / 10 % 10);
      *p++ = char('0' + v % 10);
      if (i < 3) *p++ = '.';
    }
    return size_t(p - out);
  }
  if (family == 6) return format_v6(out);
  out[0] = 0;
  return 0;
}

// The same text as glibc's inet_ntop(AF_INET6) (RFC 5952 zero compression, the first of
// equal longest runs; ::a.b.c.d and ::ffff:a.b.c.d keep the dotted tail), without its
// sprintf per group: mDNS and NDP events carry many IPv6 addresses.
size_t IpAddr::format_v6(char* out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned words[8];
  for (size_t i = 0; i < 8; ++i) words[i] = unsigned(b[2 * i]) << 8 | b[2 * i + 1];
  int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
  for (int i = 0; i < 8; ++i) {
    if (words[i] == 0) {
      if (cur_base == -1) {
        cur_base = i;
        cur_len = 1;
      } else {
        ++cur_len;
      }
    } else if (cur_base != -1) {
      if (best_base == -1 || cur_len > best_len) best_base = cur_base, best_len = cur_len;
      cur_base = -1;
    }
  }
  if (cur_base != -1 && (best_base == -1 || cur_len > best_len)) best_base = cur_base, best_len = cur_len;
  if (best_base != -1 && best_len < 2) best_base = -1;
  char* p = out;
  for (int i = 0; i < 8; ++i) {
    if (best_base != -1 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      IpAddr v4 = IpAddr::v4(b.data() + 12);
      p += v4.format(p);
      *p = 0;
      return size_t(p - out);
    }
    unsigned w = words[i];
    int shift = w >= 0x1000 ? 12 : w >= 0x100 ? 8 : w >= 0x10 ? 4 : 0;
    for (; shift >= 0; shift -= 4) *p++ = kHex[(w >> shift) & 15];
  }
  if (best_base != -1 && best_base + best_len == 8) *p++ = ':';
  *p = 0;
  return size_t(p - out);
}

std::string IpAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  return std::string(buf, format(buf));
}

IpPrefix IpPrefix::of(const IpAddr& a, uint8_t len) {
  IpPrefix p;
  p.net = a;
  const size_t bits = a.size() * 8;
  p.len = uint8_t(std::min<size_t>(len, bits));
  for (size_t i = p.len; i < bits; ++i) p.net.b[i / 8] &= uint8_t(~(0x80u >> (i % 8)));
  return p;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const size_t bits = addr->size() * 8;
  size_t len = bits;
  if (slash != std::string_view::npos) {
    std::string_view l = text.substr(slash + 1);
    if (l.empty() || l.size() > 3) return std::nullopt;
    len = 0;
    for (char c : l) {
      if (c < '0' || c > '9') return std::nullopt;
      len = len * 10 + size_t(c - '0');
    }
    if (len > bits) return std::nullopt;
  }
  return of(*addr, uint8_t(len));
}

bool IpPrefix::parse_list(std::string_view text, std::vector<IpPrefix>& out) {
  std::vector<IpPrefix> got;
  while (true) {
    const size_t comma = text.find(',');
    auto p = parse(text.substr(0, comma));
    if (!p) return false;
    got.push_back(*p);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  out.insert(out.end(), got.begin(), got.end());
  return true;
}

bool IpPrefix::contains(const IpAddr& a) const {
  if (a.family != net.family) return false;
  const size_t full = len / 8;
  if (std::memcmp(a.b.data(), net.b.data(), full) != 0) return false;
  const size_t rest = len % 8;
  if (rest == 0) return true;
  const uint8_t mask = uint8_t(0xFF00u >> rest);
  return (a.b[full] & mask) == net.b[full];
}

std::string IpPrefix::to_string() const { return net.to_string() + "/" + std::to_string(len); }

const char* ip_proto_name(uint8_t proto, char* buf4) {
  switch (proto) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    case 132: return "SCTP";
    case 47: return "GRE";
    default:
      buf4[0] = char('0' + proto / 100);
      buf4[1] = char('0' + proto / 10 % 10);
      buf4[2] = char('0' + proto % 10);
      buf4[3] = 0;
      return buf4;
  }
}

}  // namespace sekisho::core
