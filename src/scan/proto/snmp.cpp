#include "scan/proto/snmp.h"

#include <optional>

#include "scan/proto/text.h"

namespace sekisho::scan::proto {

namespace {

constexpr uint8_t kTagInteger = 0x02, kTagOctetString = 0x04, kTagNull = 0x05, kTagOid = 0x06, kTagSequence = 0x30,
                  kTagGetRequest = 0xa0, kTagGetResponse = 0xa2;
constexpr size_t kMaxOidArcs = 128;
constexpr size_t kMaxVarBinds = 64;

// ---- encoding ----

std::string tlv(uint8_t tag, std::string_view value) {
  std::string out;
  out.push_back(char(tag));
  size_t n = value.size();
  if (n < 0x80) {
    out.push_back(char(n));
  } else if (n <= 0xff) {
    out.push_back(char(0x81));
    out.push_back(char(n));
  } else {
    out.push_back(char(0x82));
    out.push_back(char(n >> 8));
    out.push_back(char(n & 0xff));
  }
  out.append(value);
  return out;
}

std::string integer(int32_t v) {
  // Minimal two's complement: drop leading bytes that only repeat the sign.
  uint8_t b[4] = {uint8_t(uint32_t(v) >> 24), uint8_t(uint32_t(v) >> 16), uint8_t(uint32_t(v) >> 8), uint8_t(v)};
  size_t i = 0;
  while (i < 3 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) || (b[i] == 0xff && (b[i + 1] & 0x80)))) ++i;
  return tlv(kTagInteger, std::string_view(reinterpret_cast<const char*>(b + i), 4 - i));
}

std::string oid(std::string_view dotted) {
  std::string out;
  uint32_t arcs[kMaxOidArcs] = {};
  size_t n = 0;
  uint32_t cur = 0;
  for (char c : dotted) {
    if (c == '.') {
      if (n < kMaxOidArcs) arcs[n++] = cur;
      cur = 0;
    } else {
      cur = cur * 10 + uint32_t(c - '0');
    }
  }
  if (n < kMaxOidArcs) arcs[n++] = cur;
  out.push_back(char(arcs[0] * 40 + arcs[1]));
  for (size_t i = 2; i < n; ++i) {
    char enc[5];
    int k = 0;
    uint32_t v = arcs[i];
    do {
      enc[k++] = char(v & 0x7f);
      v >>= 7;
    } while (v);
    while (k > 1) out.push_back(char(enc[--k] | 0x80));
    out.push_back(enc[0]);
  }
  return tlv(kTagOid, out);
}

// ---- decoding ----

struct Tlv {
  uint8_t tag = 0;
  std::span<const uint8_t> value;
};

// Reads one TLV from the front of `in`, advancing it. Only single-byte tags and definite
// lengths of up to 4 bytes that fit in `in`.
std::optional<Tlv> next(std::span<const uint8_t>& in) {
  if (in.size() < 2) return std::nullopt;
  uint8_t tag = in[0];
  if ((tag & 0x1f) == 0x1f) return std::nullopt;  // high tag numbers: not in SNMP
  size_t pos = 2;
  size_t len = in[1];
  if (len & 0x80) {
    size_t k = len & 0x7f;
    if (k == 0 || k > 4 || in.size() < 2 + k) return std::nullopt;  // indefinite or absurd
    len = 0;
    for (size_t i = 0; i < k; ++i) len = (len << 8) | in[2 + i];
    pos += k;
  }
  if (len > in.size() - pos) return std::nullopt;
  Tlv t{tag, in.subspan(pos, len)};
  in = in.subspan(pos + len);
  return t;
}

std::optional<int64_t> as_integer(const Tlv& t) {
  if (t.tag != kTagInteger || t.value.empty() || t.value.size() > 5) return std::nullopt;
  int64_t v = (t.value[0] & 0x80) ? -1 : 0;
  for (uint8_t b : t.value) v = int64_t(uint64_t(v) << 8) | b;
  return v;
}

std::optional<std::string> as_oid(const Tlv& t) {
  if (t.tag != kTagOid || t.value.empty()) return std::nullopt;
  std::string out;
  uint8_t first = t.value[0];
  // A first byte >= 0x80 would be a multi-byte first subidentifier: not in our OIDs.
  if (first & 0x80) return std::nullopt;
  unsigned a = first < 40 ? 0 : first < 80 ? 1 : 2;
  out = std::to_string(a) + "." + std::to_string(first - 40 * a);
  uint64_t v = 0;
  size_t arcs = 2, bytes = 0;
  for (size_t i = 1; i < t.value.size(); ++i) {
    uint8_t b = t.value[i];
    v = (v << 7) | (b & 0x7f);
    if (++bytes > 5 || v > 0xffffffffu) return std::nullopt;
    if (!(b & 0x80)) {
      if (++arcs > kMaxOidArcs) return std::nullopt;
      out += "." + std::to_string(v);
      v = 0;
      bytes = 0;
    }
  }
  if (bytes) return std::nullopt;  // ended inside a subidentifier
  return out;
}

std::string_view as_view(std::span<const uint8_t> s) { return {reinterpret_cast<const char*>(s.data()), s.size()}; }

}  // namespace

std::string snmp_get_request(std::string_view community, int version, int32_t request_id, bool only_sys_descr) {
  if (community.size() > 255) community = community.substr(0, 255);
  std::string binds;
  for (std::string_view o : {kOidSysDescr, kOidSysObjectId, kOidSysName}) {
    binds += tlv(kTagSequence, oid(o) + tlv(kTagNull, ""));
    if (only_sys_descr) break;
  }
  std::string pdu = integer(request_id) + integer(0) + integer(0) + tlv(kTagSequence, binds);
  std::string msg = integer(version == kSnmpV1 ? 0 : 1) + tlv(kTagOctetString, community) + tlv(kTagGetRequest, pdu);
  return tlv(kTagSequence, msg);
}

SnmpResponse parse_snmp_response(std::span<const uint8_t> bytes) {
  SnmpResponse r;
  auto message = next(bytes);
  if (!message || message->tag != kTagSequence) return r;
  std::span<const uint8_t> m = message->value;

  auto version = next(m);
  auto v = version ? as_integer(*version) : std::nullopt;
  if (!v || (*v != kSnmpV1 && *v != kSnmpV2c)) return r;
  auto community = next(m);
  if (!community || community->tag != kTagOctetString || community->value.size() > 255) return r;
  auto pdu = next(m);
  if (!pdu || pdu->tag != kTagGetResponse) return r;

  std::span<const uint8_t> p = pdu->value;
  auto rid_tlv = next(p);
  auto rid = rid_tlv ? as_integer(*rid_tlv) : std::nullopt;
  auto es_tlv = next(p);
  auto es = es_tlv ? as_integer(*es_tlv) : std::nullopt;
  auto ei_tlv = next(p);
  auto ei = ei_tlv ? as_integer(*ei_tlv) : std::nullopt;
  auto binds = next(p);
  if (!rid || !es || !ei || !binds || binds->tag != kTagSequence) return r;
  const int64_t rid_v = rid.value_or(0), es_v = es.value_or(0);  // (GCC 12 at -O3 warns on *opt here)
  if (rid_v < INT32_MIN || rid_v > INT32_MAX || es_v < 0 || es_v > 255) return r;

  r.valid = true;
  r.version = int(*v);
  r.community = std::string(as_view(community->value));
  r.request_id = int32_t(rid_v);
  r.error_status = int(es_v);

  std::span<const uint8_t> list = binds->value;
  for (size_t n = 0; n < kMaxVarBinds && !list.empty(); ++n) {
    auto bind = next(list);
    if (!bind || bind->tag != kTagSequence) break;
    std::span<const uint8_t> b = bind->value;
    auto name_tlv = next(b);
    auto value = next(b);
    if (!name_tlv || !value) break;
    auto name = as_oid(*name_tlv);
    if (!name) continue;
    if (value->tag == kTagOctetString) {
      if (*name == kOidSysDescr) r.sys_descr = text::printable(as_view(value->value), kSnmpMaxString);
      if (*name == kOidSysName) r.sys_name = text::printable(as_view(value->value), kSnmpMaxString);
    } else if (value->tag == kTagOid && *name == kOidSysObjectId) {
      if (auto id = as_oid(*value)) r.sys_object_id = *id;
    }
    // NULL (v1 error echo) and noSuchObject/noSuchInstance/endOfMibView (0x80..0x82): nothing.
  }
  return r;
}

}  // namespace sekisho::scan::proto
