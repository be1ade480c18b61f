#pragma once
// Message digests (OpenSSL libcrypto) for fingerprints: JA3 (MD5), JA4 (SHA-256),
// Community ID (SHA-1 + base64).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sekisho::core {

std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
// SHA-1 of raw bytes into out[20].
void sha1(const void* data, size_t len, uint8_t out[20]);
std::string base64(const uint8_t* data, size_t len);
// Writes base64 into out (4 * ceil(len / 3) bytes), returns the length.
size_t base64_into(const uint8_t* data, size_t len, char* out);

}  // namespace sekisho::core
