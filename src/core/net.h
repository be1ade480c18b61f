#pragma once
// Strong value types for link and network addresses.
#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::core {

struct MacAddr {
  std::array<uint8_t, 6> b{};

  static MacAddr from_bytes(const uint8_t* p) {
    MacAddr m;
    std::memcpy(m.b.data(), p, 6);
    return m;
  }
  static std::optional<MacAddr> parse(std::string_view text);  // "aa:bb:cc:dd:ee:ff", '-' or 12 hex digits

  bool is_broadcast() const { return as_u64() == 0xffffffffffffULL; }
  bool is_multicast() const { return (b[0] & 0x01) != 0; }
  // Locally administered bit: randomised / private Wi-Fi addresses set it.
  bool is_local() const { return (b[0] & 0x02) != 0; }
  bool is_zero() const { return as_u64() == 0; }
  uint32_t oui() const { return (uint32_t{b[0]} << 16) | (uint32_t{b[1]} << 8) | b[2]; }
  uint64_t as_u64() const {
    uint64_t v = 0;
    for (uint8_t x : b) v = (v << 8) | x;
    return v;
  }
  std::string to_string() const;
  // Writes 17 chars, no terminator.
  void format(char* out) const;

  auto operator<=>(const MacAddr&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 false positive
  bool operator==(const MacAddr& o) const {
    uint32_t x0, y0;
    uint16_t x1, y1;
    std::memcpy(&x0, b.data(), 4);
    std::memcpy(&y0, o.b.data(), 4);
    std::memcpy(&x1, b.data() + 4, 2);
    std::memcpy(&y1, o.b.data() + 4, 2);
    return x0 == y0 && x1 == y1;
  }
};

// IPv4 or IPv6 address. IPv4 is stored in the first 4 bytes of `b`, network order.
struct IpAddr {
  std::array<uint8_t, 16> b{};
  uint8_t family = 0;  // 0 none, 4, 6

  static IpAddr v4(const uint8_t* p) {
    IpAddr a;
    a.set_v4(p);
    return a;
  }
  // In place, as two 8-byte stores: a temporary assembled from a 4-byte store and copied
  // with one 16-byte load stalled on store forwarding in the decoder's hot path.
  void set_v4(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    const uint64_t lo = std::endian::native == std::endian::little ? uint64_t{v} : uint64_t{v} << 32, hi = 0;
    std::memcpy(b.data(), &lo, 8);
    std::memcpy(b.data() + 8, &hi, 8);
    family = 4;
  }
  static IpAddr v4(uint32_t host_order) {
    IpAddr a;
    a.family = 4;
    a.b[0] = uint8_t(host_order >> 24);
    a.b[1] = uint8_t(host_order >> 16);
    a.b[2] = uint8_t(host_order >> 8);
    a.b[3] = uint8_t(host_order);
    return a;
  }
  static IpAddr v6(const uint8_t* p) {
    IpAddr a;
    a.family = 6;
    std::memcpy(a.b.data(), p, 16);
    return a;
  }
  static std::optional<IpAddr> parse(std::string_view text);

  bool empty() const { return family == 0; }
  bool is_v4() const { return family == 4; }
  bool is_v6() const { return family == 6; }
  size_t size() const { return family == 4 ? 4 : family == 6 ? 16 : 0; }
  uint32_t v4_host_order() const {
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }
  // Private, link-local, unique-local: addresses that belong to the LAN side.
  bool is_local_scope() const;
  bool is_multicast() const;
  bool is_unspecified() const;
  std::string to_string() const;
  // Writes the text form into out (at least 46 bytes), returns its length.
  size_t format(char* out) const;

  auto operator<=>(const IpAddr&) const = default;
  // Two 8-byte compares; the defaulted one called memcmp (2% of the packet thread, in the
  // inventory's address lists).
  bool operator==(const IpAddr& o) const {
    uint64_t x0, x1, y0, y1;  // scalars, not arrays: see FlowTable's same_key
    std::memcpy(&x0, b.data(), 8);
    std::memcpy(&x1, b.data() + 8, 8);
    std::memcpy(&y0, o.b.data(), 8);
    std::memcpy(&y1, o.b.data() + 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0 && family == o.family;
  }

 private:
  size_t format_v6(char* out) const;
};

// An address prefix (net/len), the form MUD networks, LAN definitions and nftables sets use.
struct IpPrefix {
  IpAddr net;  // host bits cleared
  uint8_t len = 0;

  // "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128. Host bits are cleared.
  static std::optional<IpPrefix> parse(std::string_view text);
  // "P[,P...]" appended to out; false (out unchanged) if any is malformed or none given.
  static bool parse_list(std::string_view text, std::vector<IpPrefix>& out);
  static IpPrefix of(const IpAddr& a, uint8_t len);
  bool contains(const IpAddr& a) const;
  std::string to_string() const;
  auto operator<=>(const IpPrefix&) const = default;
};

// EVE's name of an IP protocol ("TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", "GRE"), else its
// number in three digits written into buf4.
const char* ip_proto_name(uint8_t proto, char* buf4);

}  // namespace sekisho::core
