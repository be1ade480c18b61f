#include "capture/bpf_filter.h"

#include <pcap/pcap.h>

#include <utility>

namespace sekisho::capture {

namespace {

// The LINKTYPE_ values whose DLT_ value differs on some platform (pcap-linktype(7)).
struct LinkTypeDlt {
  uint16_t linktype;
  int dlt;
};
constexpr LinkTypeDlt kLinkTypeDlt[] = {
    {100, DLT_ATM_RFC1483}, {101, DLT_RAW}, {102, DLT_SLIP_BSDOS}, {103, DLT_PPP_BSDOS}, {106, DLT_ATM_CLIP},
};

// pcap_compile's "accept" returns the snapshot length; 0 would read as "reject".
constexpr uint32_t kDefaultSnaplen = 262144;

}  // namespace

int linktype_to_dlt(uint16_t linktype) {
  for (const auto& m : kLinkTypeDlt) {
    if (m.linktype == linktype) return m.dlt;
  }
  return linktype;
}

uint16_t dlt_to_linktype(int dlt) {
  for (const auto& m : kLinkTypeDlt) {
    if (m.dlt == dlt) return m.linktype;
  }
  return static_cast<uint16_t>(dlt);
}

core::Result<BpfFilter> BpfFilter::compile(const std::string& expr, uint16_t linktype, uint32_t snaplen) {
  if (snaplen == 0 || snaplen > kDefaultSnaplen) snaplen = kDefaultSnaplen;
  pcap_t* dead = pcap_open_dead(linktype_to_dlt(linktype), static_cast<int>(snaplen));
  if (dead == nullptr) {
    return core::make_error(core::ErrorCode::kInternal, "--bpf", "pcap_open_dead failed");
  }
  bpf_program program{};
  if (pcap_compile(dead, &program, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string why = pcap_geterr(dead);
    pcap_close(dead);
    return core::make_error(core::ErrorCode::kInvalidArgument, "--bpf",
                            why + " (expression \"" + expr + "\", link type " + std::to_string(linktype) + ")");
  }
  pcap_close(dead);
  BpfFilter filter;
  filter.insns_ = program.bf_insns;
  filter.length_ = program.bf_len;
  return filter;
}

BpfFilter::BpfFilter(BpfFilter&& other) noexcept
    : insns_(std::exchange(other.insns_, nullptr)), length_(std::exchange(other.length_, 0)) {}

BpfFilter& BpfFilter::operator=(BpfFilter&& other) noexcept {
  if (this != &other) {
    release();
    insns_ = std::exchange(other.insns_, nullptr);
    length_ = std::exchange(other.length_, 0);
  }
  return *this;
}

BpfFilter::~BpfFilter() { release(); }

void BpfFilter::release() {
  if (insns_ == nullptr) return;
  bpf_program program{};
  program.bf_insns = insns_;
  program.bf_len = length_;
  pcap_freecode(&program);
  insns_ = nullptr;
  length_ = 0;
}

bool BpfFilter::matches(const RawPacket& packet) const {
  return bpf_filter(insns_, packet.data, packet.wirelen, packet.caplen) != 0;
}

}  // namespace sekisho::capture
