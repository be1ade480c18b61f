// DNS (RFC 1035) and mDNS/DNS-SD (RFC 6762/6763) messages. Devices announce their model and
// services in mDNS (PTR/SRV/TXT) and reveal their cloud endpoints in ordinary queries.
#include <cstring>

#include "core/bytes.h"
#include "decode/app/app.h"

namespace sekisho::decode {

namespace {

constexpr size_t kHeader = 12;
constexpr size_t kMaxWireName = 255;  // RFC 1035 2.3.4, counting length octets and the root
constexpr int kMaxJumps = 32;         // pointers per name; each must also go strictly back
constexpr uint16_t kTypeA = 1, kTypeNs = 2, kTypeCname = 5, kTypePtr = 12, kTypeTxt = 16, kTypeAaaa = 28, kTypeSrv = 33,
                   kTypeOpt = 41;

// Appends '.' (unless first) and a label of `len` bytes at src, of which `avail` may be
// read. Within kMaxWireName the text always fits (at most 253 chars), so no truncation
// check; labels are copied in 16-byte blocks where both sides have room (names are short
// and a memcpy call per label showed up in the profile).
void append_label(DnsName& out, const uint8_t* src, size_t len, size_t avail) {
  static_assert(sizeof(out.buf) >= kMaxWireName);
  size_t at = out.len;
  if (at) out.buf[at++] = '.';
  const size_t blocks = (len + 15) & ~size_t{15};
  if (blocks <= avail && at + blocks <= sizeof(out.buf)) {
    for (size_t i = 0; i < blocks; i += 16) std::memcpy(out.buf + at + i, src + i, 16);
  } else {
    std::memcpy(out.buf + at, src, len);
  }
  out.len = uint16_t(at + len);
}

// Reads the (possibly compressed) name at msg[off] into `out` (may be null to only skip).
// On success `next` is the offset just past the name's in-place bytes. Returns false on a
// malformed name: a label or pointer past the end, a pointer that does not go strictly
// backwards from the previous one (which rules out loops and self-pointers), too many
// jumps, or a reserved label type. A name over 255 octets sets out->truncated and keeps
// what fits; after the first jump we stop reading once the name is known to be truncated.
bool read_name(const uint8_t* msg, size_t n, size_t off, DnsName* out, size_t& next) {
  if (out) out->clear();
  size_t pos = off;
  size_t limit = off;  // every pointer target must lie before this
  size_t wire = 1;     // the root label
  bool jumped = false;
  int jumps = 0;
  bool over = false;
  while (true) {
    if (pos >= n) return false;
    uint8_t len = msg[pos];
    if (len == 0) {
      if (!jumped) next = pos + 1;
      return true;
    }
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= n) return false;
      size_t target = (size_t{len & 0x3Fu} << 8) | msg[pos + 1];
      if (target >= limit || ++jumps > kMaxJumps) return false;
      if (!jumped) next = pos + 2;
      jumped = true;
      if (over) return true;  // the in-place part is done and the text is already capped
      limit = target;
      pos = target;
      continue;
    }
    if (len & 0xC0) return false;  // 0x40/0x80: extended label types, obsolete
    if (len > n - pos - 1) return false;
    wire += size_t{len} + 1;
    if (wire > kMaxWireName) {
      over = true;
      if (out) out->truncated = true;
      if (jumped) return true;
    }
    if (out && !over) append_label(*out, msg + pos + 1, len, n - pos - 1);
    pos += size_t{len} + 1;
  }
}

void reset_record(DnsRecord& rr) {
  rr.name.clear();
  rr.type = 0;
  rr.rclass = 0;
  rr.ttl = 0;
  rr.addr = {};
  rr.target.clear();
  rr.srv_priority = rr.srv_weight = rr.srv_port = 0;
  rr.txt.clear();
}

// Decodes the rdata the device-identification code uses. Names inside rdata may point
// anywhere earlier in the message; a bad rdata leaves the record's value empty but does
// not fail the message, since rdlength already tells us where the next record starts.
void decode_rdata(const uint8_t* msg, size_t rd, uint16_t rdlen, DnsRecord& rr) {
  const uint8_t* v = msg + rd;
  size_t end = rd + rdlen;
  size_t next = 0;
  switch (rr.type) {
    case kTypeA:
      if (rdlen == 4) rr.addr = core::IpAddr::v4(v);
      break;
    case kTypeAaaa:
      if (rdlen == 16) rr.addr = core::IpAddr::v6(v);
      break;
    case kTypeCname:
    case kTypePtr:
    case kTypeNs:
      if (!read_name(msg, end, rd, &rr.target, next)) rr.target.clear();
      break;
    case kTypeSrv:
      if (rdlen < 7) break;
      rr.srv_priority = core::load_be16(v);
      rr.srv_weight = core::load_be16(v + 2);
      rr.srv_port = core::load_be16(v + 4);
      if (!read_name(msg, end, rd + 6, &rr.target, next)) rr.target.clear();
      break;
    case kTypeTxt: {
      size_t pos = 0;
      while (pos < rdlen) {
        uint8_t len = v[pos];
        if (len > rdlen - pos - 1) {
          rr.txt.truncated = true;
          break;
        }
        if (pos) rr.txt.push(';');
        rr.txt.append({reinterpret_cast<const char*>(v + pos + 1), len});
        pos += size_t{len} + 1;
      }
      break;
    }
    default: break;
  }
}

}  // namespace

ParseStatus parse_dns(const uint8_t* p, size_t n, DnsMessage& out, DnsDepth depth) {
  out.id = out.flags = 0;
  out.is_response = false;
  out.opcode = out.rcode = 0;
  out.qdcount = out.ancount = out.nscount = out.arcount = 0;
  out.question_count = out.record_count = out.answer_count = 0;
  out.more_records = false;
  if (n < kHeader) return ParseStatus::kMalformed;

  out.id = core::load_be16(p);
  out.flags = core::load_be16(p + 2);
  out.is_response = (out.flags & 0x8000) != 0;
  out.opcode = uint8_t((out.flags >> 11) & 0x0F);
  out.rcode = uint8_t(out.flags & 0x0F);
  out.qdcount = core::load_be16(p + 4);
  out.ancount = core::load_be16(p + 6);
  out.nscount = core::load_be16(p + 8);
  out.arcount = core::load_be16(p + 10);

  size_t pos = kHeader;
  for (uint32_t i = 0; i < out.qdcount; ++i) {
    DnsName* name = nullptr;
    if (depth != DnsDepth::kValidate && out.question_count < DnsMessage::kMaxQuestions)
      name = &out.questions[out.question_count].name;
    size_t next = 0;
    if (!read_name(p, n, pos, name, next) || n - next < 4) return ParseStatus::kMalformed;
    if (name) {
      DnsQuestion& q = out.questions[out.question_count++];
      q.qtype = core::load_be16(p + next);
      q.qclass = core::load_be16(p + next + 2) & 0x7FFF;  // mDNS unicast-response bit
    }
    pos = next + 4;
  }

  uint32_t total = uint32_t{out.ancount} + out.nscount + out.arcount;
  if (depth != DnsDepth::kFull) {
    // Only what decides the status: with no question, the first record must parse.
    if (out.qdcount != 0 || total == 0) return ParseStatus::kOk;
    size_t next = 0;
    if (!read_name(p, n, pos, nullptr, next) || n - next < 10) return ParseStatus::kMalformed;
    return core::load_be16(p + next + 8) > n - (next + 10) ? ParseStatus::kMalformed : ParseStatus::kOk;
  }
  for (uint32_t i = 0; i < total; ++i) {
    if (out.record_count == DnsMessage::kMaxRecords) {
      out.more_records = true;
      break;
    }
    DnsRecord& rr = out.records[out.record_count];
    reset_record(rr);
    size_t next = 0;
    if (!read_name(p, n, pos, &rr.name, next) || n - next < 10) break;
    rr.type = core::load_be16(p + next);
    rr.rclass = core::load_be16(p + next + 2);
    if (rr.type != kTypeOpt) rr.rclass &= 0x7FFF;  // mDNS cache-flush; OPT holds a size
    rr.ttl = core::load_be32(p + next + 4);
    uint16_t rdlen = core::load_be16(p + next + 8);
    size_t rd = next + 10;
    if (rdlen > n - rd) break;  // the header promised more than the packet holds
    decode_rdata(p, rd, rdlen, rr);
    ++out.record_count;
    if (i < out.ancount) ++out.answer_count;
    pos = rd + rdlen;
  }
  // Questions parsed (or none claimed); records are best effort. A header that claims
  // records of which not one parses, with no question either, is not a DNS message.
  if (out.qdcount == 0 && total > 0 && out.record_count == 0) return ParseStatus::kMalformed;
  return ParseStatus::kOk;
}

}  // namespace sekisho::decode
