// Fuzzes the SSDP answer parser and the LOCATION URL splitter; an M-SEARCH built with the
// input as its search target must stay one well-formed request.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/proto/ssdp.h"

namespace proto = sekisho::scan::proto;

namespace {
void check_url(std::string_view s) {
  auto u = proto::parse_url(s);
  if (!u) return;
  if (u->host.empty() || u->port == 0 || u->path.empty() || u->path[0] != '/') __builtin_trap();
  for (char c : u->host + u->path)
    if (static_cast<unsigned char>(c) <= 0x20) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto a = proto::parse_ssdp_answer(in);
  for (const std::string* s : {&a.server, &a.location, &a.usn, &a.st})
    if (s->size() > 512) __builtin_trap();
  check_url(a.location);
  check_url(in);

  std::string req = proto::ssdp_msearch(in, int(size) - 3);
  // Exactly five header lines and the blank line: the target cannot inject a header.
  size_t lines = 0;
  for (size_t i = 0; i + 1 < req.size(); ++i)
    if (req[i] == '\r' && req[i + 1] == '\n') ++lines;
  if (lines != 6 || !req.ends_with("\r\n\r\n")) __builtin_trap();
  return 0;
}
