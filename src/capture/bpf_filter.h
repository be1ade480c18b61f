#pragma once
// BpfFilter: a tcpdump-style filter expression compiled once by libpcap and run over each
// packet a file source hands out (live sources filter in the kernel instead).
#include <cstdint>
#include <string>

#include "capture/packet_source.h"
#include "core/result.h"

struct bpf_insn;

namespace sekisho::capture {

class BpfFilter {
 public:
  // `linktype` is the file's LINKTYPE_ value; an expression libpcap rejects gives
  // Error{kInvalidArgument, "--bpf", <libpcap's message>}.
  static core::Result<BpfFilter> compile(const std::string& expr, uint16_t linktype, uint32_t snaplen);

  BpfFilter(BpfFilter&& other) noexcept;
  BpfFilter& operator=(BpfFilter&& other) noexcept;
  BpfFilter(const BpfFilter&) = delete;
  BpfFilter& operator=(const BpfFilter&) = delete;
  ~BpfFilter();

  bool matches(const RawPacket& packet) const;

 private:
  BpfFilter() = default;
  void release();

  bpf_insn* insns_ = nullptr;
  unsigned int length_ = 0;
};

// Capture files carry LINKTYPE_ numbers, libpcap's compiler and handles speak DLT_ numbers;
// they differ for a few historical types (raw IP is LINKTYPE 101 but DLT 12 on Linux).
int linktype_to_dlt(uint16_t linktype);
uint16_t dlt_to_linktype(int dlt);

}  // namespace sekisho::capture
