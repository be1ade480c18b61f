// Fuzzes the FTP reply parser: the input is a control connection's byte stream, consumed
// reply by reply as a probe would.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/proto/ftp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int replies = 0; replies < 10000 && !in.empty(); ++replies) {
    auto r = sekisho::scan::proto::parse_ftp_reply(in);
    if (r.text.size() > sekisho::scan::proto::kFtpMaxText) __builtin_trap();
    if (r.consumed > in.size()) __builtin_trap();
    if (!r.complete) break;
    if (r.consumed == 0) __builtin_trap();  // a complete reply always consumes its line
    if (r.valid && (r.code < 100 || r.code > 599)) __builtin_trap();
    in.remove_prefix(r.consumed);
  }
  return 0;
}
