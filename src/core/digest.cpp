#include "core/digest.h"

#include <nettle/sha1.h>
#include <openssl/evp.h>

namespace sekisho::core {

namespace {
std::string hex(const unsigned char* d, unsigned n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(size_t{n} * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 15];
  }
  return s;
}
std::string digest_hex(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return hex(out, n);
}
}  // namespace

std::string md5_hex(std::string_view data) { return digest_hex(EVP_md5(), data); }
std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

// SHA-1 for the Community ID: ~40 bytes per flow. Nettle's plain context (no allocation,
// no provider dispatch; the CPU's SHA instructions where it has them) takes about half the
// time of OpenSSL 3's EVP interface even with a context kept per thread.
void sha1(const void* data, size_t len, uint8_t out[20]) {
  sha1_ctx c;
  sha1_init(&c);
  sha1_update(&c, len, static_cast<const uint8_t*>(data));
  sha1_digest(&c, SHA1_DIGEST_SIZE, out);
}

size_t base64_into(const uint8_t* data, size_t len, char* out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char* p = out;
  size_t i = 0;
  for (; i + 2 < len; i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = kAlphabet[(v >> 6) & 63];
    *p++ = kAlphabet[v & 63];
  }
  if (i < len) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (i + 1 < len) v |= uint32_t{data[i + 1]} << 8;
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = (i + 1 < len) ? kAlphabet[(v >> 6) & 63] : '=';
    *p++ = '=';
  }
  return size_t(p - out);
}

std::string base64(const uint8_t* data, size_t len) {
  std::string out((len + 2) / 3 * 4, '\0');
  out.resize(base64_into(data, len, out.data()));
  return out;
}

}  // namespace sekisho::core
