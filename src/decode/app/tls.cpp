// TLS ClientHello (RFC 8446 4.1.2) with the JA3 (Salesforce) and JA4 (FoxIO, JA4.md)
// fingerprints: an IoT device's TLS stack is fixed in firmware, so its hello identifies the
// firmware family even when the traffic itself is encrypted.
//
// One TCP segment, no reassembly: a hello cut by the segment end keeps the fields that were
// wholly present (the cipher list as a whole, extensions one by one) and returns kMalformed;
// JA3/JA4 are only emitted when the cipher list and every extension were seen.
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "decode/app/app.h"

namespace sekisho::decode {

namespace {

constexpr size_t kMaxList = 512;  // per list; real hellos carry < 100 entries
constexpr char kHex[] = "0123456789abcdef";

// RFC 8701 GREASE: 0x0a0a, 0x1a1a, ..., 0xfafa.
bool is_grease(uint16_t v) { return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF); }

struct U16List {
  uint16_t v[kMaxList];
  size_t n = 0;      // kept in v
  size_t count = 0;  // seen, GREASE excluded
  bool overflow = false;
  void add(uint16_t x) {
    if (is_grease(x)) return;
    ++count;
    if (n < kMaxList)
      v[n++] = x;
    else
      overflow = true;
  }
};

// What the fingerprints need beyond the output struct; lives on the parser's stack.
struct Scratch {
  U16List ciphers, extensions, groups, sigalgs;
  uint8_t formats[255];
  size_t format_count = 0;
  bool formats_overflow = false;
  bool has_sni = false;
  bool sv_seen = false;  // a non-GREASE supported_versions entry
  uint16_t sv_max = 0;
  std::string_view alpn;  // first ALPN protocol, raw
};

void extension(uint16_t type, const uint8_t* v, size_t len, Scratch& s, TlsClientHello& out) {
  core::ByteReader r(v, len);
  switch (type) {
    case 0x0000: {  // server_name: list<type u8, name<u16>>
      s.has_sni = true;
      uint16_t list_len = r.u16();
      core::ByteReader list(r.cur(), std::min<size_t>(list_len, r.remaining()));
      while (list.ok && list.remaining() >= 3 && out.sni.empty()) {
        uint8_t name_type = list.u8();
        uint16_t name_len = list.u16();
        std::string_view name = list.take_view(name_len);
        if (list.ok && name_type == 0) out.sni = name;
      }
      break;
    }
    case 0x0010: {  // ALPN: list<proto<u8>>
      r.u16();
      uint8_t plen = r.u8();
      std::string_view proto = r.take_view(plen);
      if (r.ok) s.alpn = out.alpn_first = proto;
      break;
    }
    case 0x002B: {  // supported_versions (ClientHello form): list<u16><u8>
      uint8_t vlen = r.u8();
      for (size_t i = 0; i + 1 < vlen && r.has(2); i += 2) {
        uint16_t ver = r.u16();
        if (!is_grease(ver) && (!s.sv_seen || ver > s.sv_max)) {
          s.sv_seen = true;
          s.sv_max = ver;
        }
      }
      break;
    }
    case 0x000A: {  // supported_groups
      uint16_t glen = r.u16();
      for (size_t i = 0; i + 1 < glen && r.has(2); i += 2) s.groups.add(r.u16());
      break;
    }
    case 0x000B: {  // ec_point_formats
      uint8_t flen = r.u8();
      for (size_t i = 0; i < flen && r.has(1); ++i) {
        if (s.format_count == sizeof(s.formats)) {  // only a repeated extension gets here
          s.formats_overflow = true;
          break;
        }
        s.formats[s.format_count++] = r.u8();
      }
      break;
    }
    case 0x000D: {  // signature_algorithms
      uint16_t slen = r.u16();
      for (size_t i = 0; i + 1 < slen && r.has(2); i += 2) s.sigalgs.add(r.u16());
      break;
    }
    default: break;
  }
}

void append_decimal(FixedText<1024>& t, unsigned v) {
  char digits[10];
  int k = 0;
  do {
    digits[k++] = char('0' + v % 10);
    v /= 10;
  } while (v && k < 10);
  while (k) t.push(digits[--k]);
}

template <typename T>
void append_dashed(FixedText<1024>& t, const T* v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (i) t.push('-');
    append_decimal(t, v[i]);
  }
}

// OpenSSL 3's one-shot EVP_Digest fetches the algorithm and allocates a context on every
// call (locks, malloc/free: three per hello, on both threads). Fetch each algorithm once
// and keep one context per thread; the digest is the same.
struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};
const EVP_MD* md5_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "MD5", nullptr);
    return m ? m : EVP_md5();
  }();
  return md;
}
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return m ? m : EVP_sha256();
  }();
  return md;
}

// The fingerprints of a device's stack are remembered whole (make_fingerprints), so a
// digest is computed once per distinct stack and needs no cache of its own.
void hex_digest(const EVP_MD* md, const char* data, size_t len, char* out, size_t hex_chars) {
  thread_local DigestContext c;
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned dn = 0;
  if (!c.ctx || EVP_DigestInit_ex2(c.ctx, md, nullptr) != 1 || EVP_DigestUpdate(c.ctx, data, len) != 1 ||
      EVP_DigestFinal_ex(c.ctx, d, &dn) != 1) {
    dn = 0;
    if (EVP_Digest(data, len, d, &dn, md, nullptr) != 1) dn = 0;  // not expected
  }
  for (size_t i = 0; i < hex_chars; ++i) {
    unsigned char b = i / 2 < dn ? d[i / 2] : 0;
    out[i] = kHex[(i % 2) ? (b & 15) : (b >> 4)];
  }
}

// "xxxx,xxxx,..." of v[0..n) into buf; returns the length. buf holds 5 * kMaxList.
size_t hex_list(const uint16_t* v, size_t n, char* buf) {
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i) buf[k++] = ',';
    buf[k++] = kHex[v[i] >> 12];
    buf[k++] = kHex[(v[i] >> 8) & 15];
    buf[k++] = kHex[(v[i] >> 4) & 15];
    buf[k++] = kHex[v[i] & 15];
  }
  return k;
}

void make_ja3(const Scratch& s, TlsClientHello& out) {
  FixedText<1024>& t = out.ja3_string;
  append_decimal(t, out.legacy_version);
  t.push(',');
  append_dashed(t, s.ciphers.v, s.ciphers.n);
  t.push(',');
  append_dashed(t, s.extensions.v, s.extensions.n);
  t.push(',');
  append_dashed(t, s.groups.v, s.groups.n);
  t.push(',');
  append_dashed(t, s.formats, s.format_count);
  if (t.truncated) return;  // a hash of a cut string would be a wrong fingerprint
  hex_digest(md5_md(), t.buf, t.len, out.ja3, 32);
  out.ja3[32] = '\0';
}

const char* ja4_version(uint16_t v) {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xFEFF: return "d1";
    case 0xFEFD: return "d2";
    case 0xFEFC: return "d3";
    default: return "00";
  }
}

bool is_alnum(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

void two_digits(char* out, size_t v) {
  if (v > 99) v = 99;
  out[0] = char('0' + v / 10);
  out[1] = char('0' + v % 10);
}

void make_ja4(const Scratch& s, TlsClientHello& out) {
  char* o = out.ja4;
  o[0] = 't';
  const char* ver = ja4_version(out.max_version);
  o[1] = ver[0];
  o[2] = ver[1];
  o[3] = s.has_sni ? 'd' : 'i';
  two_digits(o + 4, s.ciphers.n);
  two_digits(o + 6, s.extensions.n);
  if (s.alpn.empty()) {
    o[8] = o[9] = '0';
  } else {
    auto first = uint8_t(s.alpn.front()), last = uint8_t(s.alpn.back());
    if (is_alnum(first) && is_alnum(last)) {
      o[8] = char(first);
      o[9] = char(last);
    } else {  // JA4.md: the first and last characters of the value's hex form
      o[8] = kHex[first >> 4];
      o[9] = kHex[last & 15];
    }
  }
  o[10] = '_';

  char buf[2 * 5 * kMaxList + 1];
  uint16_t sorted[kMaxList];
  if (s.ciphers.n == 0) {
    std::fill(o + 11, o + 23, '0');
  } else {
    std::copy(s.ciphers.v, s.ciphers.v + s.ciphers.n, sorted);
    std::sort(sorted, sorted + s.ciphers.n);
    hex_digest(sha256_md(), buf, hex_list(sorted, s.ciphers.n, buf), o + 11, 12);
  }
  o[23] = '_';

  size_t m = 0;
  for (size_t i = 0; i < s.extensions.n; ++i)
    if (s.extensions.v[i] != 0x0000 && s.extensions.v[i] != 0x0010) sorted[m++] = s.extensions.v[i];
  if (m == 0) {
    std::fill(o + 24, o + 36, '0');
  } else {
    std::sort(sorted, sorted + m);
    size_t k = hex_list(sorted, m, buf);
    if (s.sigalgs.n) {
      buf[k++] = '_';
      k += hex_list(s.sigalgs.v, s.sigalgs.n, buf + k);
    }
    hex_digest(sha256_md(), buf, k, o + 24, 12);
  }
  o[36] = '\0';
}

// A device's TLS stack sends the same lists in every hello; only the random, the session
// ID, the SNI and the key shares change, and none of those enter a fingerprint. So the
// fingerprints are kept per thread by their inputs (compared in full on a hit): building
// the JA3 string and sorting for JA4 then happens once per distinct stack, not per hello.
struct FingerprintMemo {
  uint64_t hash = 0;
  std::string input;
  std::string ja3_string;
  bool ja3_truncated = false;
  char ja3[33] = {};
  char ja4[37] = {};
};
constexpr size_t kFingerprintMemos = 256;      // a power of two
constexpr size_t kFingerprintInputMax = 2048;  // bytes of input kept per entry, at most

void append_list(std::string& k, const uint16_t* v, size_t n) {
  const auto len = uint16_t(n);
  k.append(reinterpret_cast<const char*>(&len), sizeof len);
  k.append(reinterpret_cast<const char*>(v), n * sizeof *v);
}

void make_fingerprints(const Scratch& s, TlsClientHello& out) {
  thread_local std::string key;
  key.clear();
  const uint16_t head[3] = {out.legacy_version, out.max_version, uint16_t(s.has_sni ? 1 : 0)};
  key.append(reinterpret_cast<const char*>(head), sizeof head);
  const auto alpn_len = uint16_t(s.alpn.size());
  key.append(reinterpret_cast<const char*>(&alpn_len), sizeof alpn_len);
  key.append(s.alpn);
  append_list(key, s.ciphers.v, s.ciphers.n);
  append_list(key, s.extensions.v, s.extensions.n);
  append_list(key, s.groups.v, s.groups.n);
  append_list(key, s.sigalgs.v, s.sigalgs.n);
  key.push_back(char(s.format_count));
  key.append(reinterpret_cast<const char*>(s.formats), s.format_count);

  if (key.size() > kFingerprintInputMax) {  // unusually long lists: not kept
    make_ja3(s, out);
    make_ja4(s, out);
    return;
  }
  thread_local std::vector<FingerprintMemo> memo(kFingerprintMemos);
  const uint64_t h = core::fold_hash64(key.data(), key.size(), 0x4a41334a41340000ULL);
  FingerprintMemo& m = memo[h & (kFingerprintMemos - 1)];
  if (m.hash == h && m.input == key) {
    out.ja3_string.append(m.ja3_string);
    out.ja3_string.truncated = m.ja3_truncated;
    std::memcpy(out.ja3, m.ja3, sizeof out.ja3);
    std::memcpy(out.ja4, m.ja4, sizeof out.ja4);
    return;
  }
  make_ja3(s, out);
  make_ja4(s, out);
  m.hash = h;
  m.input = key;
  m.ja3_string.assign(out.ja3_string.view());
  m.ja3_truncated = out.ja3_string.truncated;
  std::memcpy(m.ja3, out.ja3, sizeof m.ja3);
  std::memcpy(m.ja4, out.ja4, sizeof m.ja4);
}

}  // namespace

ParseStatus parse_tls_client_hello(const uint8_t* p, size_t n, TlsClientHello& out) {
  out.record_version = out.legacy_version = out.max_version = 0;
  out.sni = out.alpn_first = {};
  out.cipher_count = out.extension_count = 0;
  out.ja3[0] = '\0';
  out.ja4[0] = '\0';
  out.ja3_string.clear();
  // Record header (type 22, version 3.x) and handshake type 1; fewer than 6 bytes cannot
  // say whether this is a ClientHello.
  if (n < 6 || p[0] != 22 || p[1] != 3 || p[5] != 1) return ParseStatus::kNotMine;
  out.record_version = core::load_be16(p + 1);
  if (n < 9) return ParseStatus::kMalformed;
  size_t record_end = 5 + size_t{core::load_be16(p + 3)};
  size_t body_end = 9 + size_t{core::load_be32(p + 5) & 0xFFFFFF};
  // The hello is whole if both this segment and the first record hold all of it; one
  // spread over several records is, for us, cut at the first record's end.
  size_t avail = std::min(n, record_end);
  bool whole = body_end <= avail;
  if (avail < 9) return ParseStatus::kMalformed;
  core::ByteReader r(p + 9, std::min(avail, body_end) - 9);

  out.legacy_version = out.max_version = r.u16();
  r.skip(32);      // random
  r.skip(r.u8());  // legacy_session_id
  uint16_t cipher_len = r.u16();
  const uint8_t* cipher_bytes = r.take(cipher_len);
  if (!r.ok || cipher_len % 2) return ParseStatus::kMalformed;

  Scratch s;
  for (size_t i = 0; i < cipher_len; i += 2) s.ciphers.add(core::load_be16(cipher_bytes + i));
  out.cipher_count = uint16_t(s.ciphers.count);
  r.skip(r.u8());  // legacy_compression_methods
  if (!r.ok) return ParseStatus::kMalformed;

  bool complete = whole;
  if (r.remaining() > 0) {  // extensions are optional (pre-TLS 1.2 clients)
    uint16_t ext_len = r.u16();
    if (!r.ok) return ParseStatus::kMalformed;
    if (ext_len > r.remaining()) complete = false;
    core::ByteReader e(r.cur(), std::min<size_t>(ext_len, r.remaining()));
    while (e.remaining() >= 4) {
      uint16_t type = e.u16();
      uint16_t len = e.u16();
      const uint8_t* v = e.take(len);
      if (!e.ok) break;
      s.extensions.add(type);
      extension(type, v, len, s, out);
    }
    if (!e.ok || e.remaining() != 0) complete = false;
  }
  out.extension_count = uint16_t(s.extensions.count);
  if (s.sv_seen) out.max_version = s.sv_max;
  if (!complete) return ParseStatus::kMalformed;

  if (!s.ciphers.overflow && !s.extensions.overflow && !s.groups.overflow && !s.sigalgs.overflow &&
      !s.formats_overflow) {
    make_fingerprints(s, out);
  }
  return ParseStatus::kOk;
}

}  // namespace sekisho::decode
