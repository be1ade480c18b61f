// DHCPv4 (RFC 2131/2132, FQDN RFC 4702, MUD RFC 8520) and DHCPv6 (RFC 8415, FQDN RFC 4704).
// What a client puts in its DISCOVER/SOLICIT (host name, vendor class, the order of its
// options and requested parameters) is one of the strongest device-type signals we get.
#include "core/bytes.h"
#include "decode/app/app.h"

namespace sekisho::decode {

namespace {

constexpr size_t kBootpFixed = 236;
constexpr uint8_t kMagicCookie[4] = {99, 130, 83, 99};
constexpr int kMaxRelayDepth = 8;  // RFC 8415 allows 32 hops; real chains are short

std::string_view view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

void reset(DhcpInfo& out, uint8_t version) {
  out.version = version;
  out.op = 0;
  out.msg_type = 0;
  out.xid = 0;
  out.chaddr = {};
  out.ciaddr = out.yiaddr = out.requested_ip = out.server_id = {};
  out.hostname = out.vendor_class = out.client_id = out.fqdn = out.mud_url = {};
  out.fqdn_text.clear();
  out.param_count = 0;
  out.option_count = 0;
  out.oro_count = 0;
}

void note_option(DhcpInfo& out, uint16_t code) {
  if (out.option_count < sizeof(out.options) / sizeof(out.options[0])) out.options[out.option_count++] = code;
}

// An uncompressed DNS wire-format name (RFC 4702/4704 forbid compression here) to dotted
// text in out.fqdn_text. A partial name (no terminating zero) is allowed by both RFCs.
void wire_name_to_fqdn(const uint8_t* p, size_t n, DhcpInfo& out) {
  out.fqdn_text.clear();
  size_t pos = 0;
  while (pos < n) {
    uint8_t len = p[pos];
    if (len == 0) break;
    if (len > 63 || len > n - pos - 1) {  // compression or a label past the option: stop
      out.fqdn_text.truncated = true;
      break;
    }
    if (out.fqdn_text.len) out.fqdn_text.push('.');
    out.fqdn_text.append(view(p + pos + 1, len));
    pos += size_t{len} + 1;
  }
  out.fqdn = out.fqdn_text.view();
}

void dhcp4_option(uint8_t code, const uint8_t* v, uint8_t len, DhcpInfo& out) {
  switch (code) {
    case 53:
      if (len >= 1) out.msg_type = v[0];
      break;
    case 12:
      if (out.hostname.empty()) out.hostname = view(v, len);
      break;
    case 50:
      if (len == 4) out.requested_ip = core::IpAddr::v4(v);
      break;
    case 54:
      if (len == 4) out.server_id = core::IpAddr::v4(v);
      break;
    case 55:
      for (uint8_t i = 0; i < len && out.param_count < sizeof(out.params); ++i) out.params[out.param_count++] = v[i];
      break;
    case 60:
      if (out.vendor_class.empty()) out.vendor_class = view(v, len);
      break;
    case 61:
      if (out.client_id.empty()) out.client_id = view(v, len);
      break;
    case 81:  // flags, rcode1, rcode2, name; E (0x04) = canonical wire format
      if (len >= 3 && out.fqdn.empty()) {
        if (v[0] & 0x04)
          wire_name_to_fqdn(v + 3, len - 3u, out);
        else
          out.fqdn = view(v + 3, len - 3u);
      }
      break;
    case 161:
      if (out.mud_url.empty()) out.mud_url = view(v, len);
      break;
    default:  // 52 (overload) is recorded in the order but sname/file are not re-parsed
      break;
  }
}

bool is_zero4(const uint8_t* p) { return (p[0] | p[1] | p[2] | p[3]) == 0; }

// The options of one DHCPv6 message (client/server or relay), from p to p+n.
ParseStatus dhcp6_options(const uint8_t* p, size_t n, DhcpInfo& out) {
  core::ByteReader r(p, n);
  while (r.remaining() > 0) {
    uint16_t code = r.u16();
    uint16_t len = r.u16();
    const uint8_t* v = r.take(len);
    if (!r.ok) return ParseStatus::kMalformed;
    note_option(out, code);
    switch (code) {
      case 1:
        if (out.client_id.empty()) out.client_id = view(v, len);
        break;
      case 6:
        for (size_t i = 0; i + 1 < len && out.oro_count < sizeof(out.oro) / sizeof(out.oro[0]); i += 2)
          out.oro[out.oro_count++] = core::load_be16(v + i);
        break;
      case 16:  // enterprise-number, then (len16, data)*; the first data names the vendor
        if (len >= 6 && out.vendor_class.empty()) {
          uint16_t dlen = core::load_be16(v + 4);
          if (dlen <= len - 6u) out.vendor_class = view(v + 6, dlen);
        }
        break;
      case 39:  // flags, then a wire-format name
        if (len >= 1 && out.fqdn.empty()) wire_name_to_fqdn(v + 1, len - 1u, out);
        break;
      case 112:
        if (out.mud_url.empty()) out.mud_url = view(v, len);
        break;
      default: break;
    }
  }
  return ParseStatus::kOk;
}

}  // namespace

ParseStatus parse_dhcp4(const uint8_t* p, size_t n, DhcpInfo& out) {
  reset(out, 4);
  if (n == 0) return ParseStatus::kMalformed;
  if (p[0] != 1 && p[0] != 2) return ParseStatus::kNotMine;
  if (n < kBootpFixed) return ParseStatus::kMalformed;
  out.op = p[0];
  out.xid = core::load_be32(p + 4);
  if (p[1] == 1 && p[2] == 6) out.chaddr = core::MacAddr::from_bytes(p + 28);
  // Unset addresses (0.0.0.0) stay empty so that callers can tell "not given".
  if (!is_zero4(p + 12)) out.ciaddr = core::IpAddr::v4(p + 12);
  if (!is_zero4(p + 16)) out.yiaddr = core::IpAddr::v4(p + 16);
  if (n < kBootpFixed + 4) return ParseStatus::kMalformed;
  for (size_t i = 0; i < 4; ++i)
    if (p[kBootpFixed + i] != kMagicCookie[i]) return ParseStatus::kNotMine;  // plain BOOTP

  size_t pos = kBootpFixed + 4;
  while (pos < n) {
    uint8_t code = p[pos];
    if (code == 0) {  // PAD
      ++pos;
      continue;
    }
    if (code == 255) break;  // END; what follows is padding
    if (n - pos < 2) return ParseStatus::kMalformed;
    uint8_t len = p[pos + 1];
    if (len > n - pos - 2) return ParseStatus::kMalformed;
    note_option(out, code);
    dhcp4_option(code, p + pos + 2, len, out);
    pos += size_t{len} + 2;
  }
  // A missing END is tolerated: some clients stop right after the last option.
  return ParseStatus::kOk;
}

ParseStatus parse_dhcp6(const uint8_t* p, size_t n, DhcpInfo& out) {
  reset(out, 6);
  // Relay-forward/reply (12/13) wrap the client's message in option 9; unwrap so that the
  // fields describe the client, not the relay agent.
  for (int depth = 0;; ++depth) {
    if (n < 4) return ParseStatus::kMalformed;
    out.msg_type = p[0];
    if (out.msg_type != 12 && out.msg_type != 13) break;
    if (depth == kMaxRelayDepth || n < 34) return ParseStatus::kMalformed;
    core::ByteReader r(p + 34, n - 34);
    const uint8_t* inner = nullptr;
    size_t inner_len = 0;
    while (r.remaining() > 0 && inner == nullptr) {
      uint16_t code = r.u16();
      uint16_t len = r.u16();
      const uint8_t* v = r.take(len);
      if (!r.ok) return ParseStatus::kMalformed;
      if (code == 9) {
        inner = v;
        inner_len = len;
      }
    }
    if (inner == nullptr) return ParseStatus::kOk;  // a relay message without a payload
    p = inner;
    n = inner_len;
  }
  out.xid = (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  return dhcp6_options(p + 4, n - 4, out);
}

}  // namespace sekisho::decode
