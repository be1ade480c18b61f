// Fuzzes the capture-file reader (classic pcap and pcapng) on in-memory input: every
// packet it hands out must lie inside the input, and it must always reach the end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "capture/packet_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::capture;
  SourceOptions opts;
  size_t reports = 0;
  opts.on_error = [&reports](const sekisho::core::Error& e) {
    if (e.where.empty() || e.what.empty()) std::abort();
    ++reports;
  };
  // A small limit on some inputs reaches the "record too large" paths with small files.
  if (size % 3 == 0) opts.max_record = 512;
  auto source = open_buffer(data, size, "fuzz", opts);
  if (!source.ok()) return 0;
  RawPacket p;
  uint64_t packets = 0;
  unsigned sum = 0;
  while ((*source)->next(p) == ReadStatus::kPacket) {
    if (p.caplen > opts.max_record || p.data < data || p.data + p.caplen > data + size) std::abort();
    for (uint32_t i = 0; i < p.caplen; ++i) sum += p.data[i];  // ASan checks every byte
    // Each packet consumes at least 12 input bytes (an SPB with no data), so this bounds
    // the loop even if the reader failed to advance.
    if (++packets > size / 12 + 1) std::abort();
  }
  const auto& st = (*source)->stats();
  if (st.records != packets || reports < st.bad_records) std::abort();
  // Keeps the byte loop from being optimised away; never true (sum <= size * 255).
  if (sum > size * 255u) std::abort();
  return 0;
}
