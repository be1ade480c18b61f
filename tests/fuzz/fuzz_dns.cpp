// Fuzzes the DNS/mDNS parser with one reused output struct, as the Decoder does.
#include <cstddef>
#include <cstdint>

#include "decode/app/app.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sekisho::decode::DnsMessage msg;
  sekisho::decode::parse_dns(data, size, msg);
  if (msg.question_count > msg.kMaxQuestions || msg.record_count > msg.kMaxRecords ||
      msg.answer_count > msg.record_count)
    __builtin_trap();
  for (size_t i = 0; i < msg.record_count; ++i) {
    const auto& rr = msg.records[i];
    if (rr.name.len > sizeof(rr.name.buf) || rr.target.len > sizeof(rr.target.buf) || rr.txt.len > sizeof(rr.txt.buf))
      __builtin_trap();
  }
  return 0;
}
