#include "flow/community_id.h"

#include <cstring>

#include "core/digest.h"

namespace sekisho::flow {

namespace {
// ICMP types with a counterpart, so request and reply hash to the same flow.
int icmp4_counterpart(uint16_t t) {
  switch (t) {
    case 8: return 0;
    case 0: return 8;
    case 13: return 14;
    case 14: return 13;
    case 15: return 16;
    case 16: return 15;
    case 10: return 9;
    case 9: return 10;
    case 17: return 18;
    case 18: return 17;
    default: return -1;
  }
}
int icmp6_counterpart(uint16_t t) {
  switch (t) {
    case 128: return 129;
    case 129: return 128;
    case 133: return 134;
    case 134: return 133;
    case 135: return 136;
    case 136: return 135;
    case 130: return 131;
    case 131: return 130;
    case 144: return 145;
    case 145: return 144;
    case 146: return 147;
    case 147: return 146;
    default: return -1;
  }
}
}  // namespace

std::string community_id_v1(const core::IpAddr& src, const core::IpAddr& dst, uint16_t sp, uint16_t dp, uint8_t proto,
                            uint16_t seed) {
  char buf[32];
  return std::string(buf, community_id_v1_into(src, dst, sp, dp, proto, buf, seed));
}

size_t community_id_v1_into(const core::IpAddr& src, const core::IpAddr& dst, uint16_t sp, uint16_t dp, uint8_t proto,
                            char* out, uint16_t seed) {
  const size_t alen = src.size();
  bool one_way = false;
  if (proto == 1 || proto == 58) {
    int peer = proto == 1 ? icmp4_counterpart(sp) : icmp6_counterpart(sp);
    // Type is the source port; the counterpart type, or else the code, the destination.
    if (peer < 0)
      one_way = true;
    else
      dp = uint16_t(peer);
  }
  // One-way ICMP messages are never reordered; everything else sorts by (address, port).
  int cmp = std::memcmp(src.b.data(), dst.b.data(), alen);
  bool swap = !one_way && (cmp > 0 || (cmp == 0 && sp >= dp));
  const core::IpAddr& a = swap ? dst : src;
  const core::IpAddr& b = swap ? src : dst;
  uint16_t pa = swap ? dp : sp;
  uint16_t pb = swap ? sp : dp;

  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = uint8_t(seed >> 8);
  buf[n++] = uint8_t(seed);
  std::memcpy(buf + n, a.b.data(), alen);
  n += alen;
  std::memcpy(buf + n, b.b.data(), alen);
  n += alen;
  buf[n++] = proto;
  buf[n++] = 0;
  if (proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58) {
    buf[n++] = uint8_t(pa >> 8);
    buf[n++] = uint8_t(pa);
    buf[n++] = uint8_t(pb >> 8);
    buf[n++] = uint8_t(pb);
  }
  uint8_t digest[20];
  core::sha1(buf, n, digest);
  out[0] = '1';
  out[1] = ':';
  return 2 + core::base64_into(digest, sizeof digest, out + 2);
}

}  // namespace sekisho::flow
