// blocklist: placeholder until the detector is written.
#include "detect/detectors.h"

namespace sekisho::detect {

namespace {
class Stub final : public Detector {
 public:
  void on_packet(const PacketContext&, AlertSink&) override {}
  size_t state_bytes() const override { return 0; }
};
}  // namespace

MakeResult make_blocklist(const ConfigView&) { return std::unique_ptr<Detector>(new Stub()); }

}  // namespace sekisho::detect
