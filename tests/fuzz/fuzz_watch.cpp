// The whole watch pipeline on a capture file held in memory: reader, decoder, flow table,
// inventory and event formatting (events go to /dev/null through the real writer).
#include <cstddef>
#include <cstdint>

#include "capture/packet_source.h"
#include "output/eve_writer.h"
#include "watch/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho;
  capture::SourceOptions so;
  auto src = capture::open_buffer(data, size, "fuzz.pcap", so);
  if (!src) return 0;
  auto eve = output::EveWriter::open("/dev/null");
  if (!eve) return 0;
  watch::PipelineConfig cfg;
  cfg.flow.max_flows = 64;  // small, so eviction paths run too
  cfg.devices.max_devices = 16;
  watch::Pipeline pipeline(cfg, nullptr, nullptr, eve.value().get());
  capture::RawPacket pkt;
  for (int i = 0; i < 100000 && src.value()->next(pkt) == capture::ReadStatus::kPacket; ++i) pipeline.process(pkt);
  pipeline.finish();
  (void)eve.value()->close();
  return 0;
}
