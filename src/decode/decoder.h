#pragma once
// Decoder: link -> network -> transport -> application, dispatched by table. One Decoder
// per packet-processing thread; it owns the scratch records the PacketView points to.
#include <array>
#include <cstdint>
#include <memory>

#include "decode/packet_view.h"

namespace sekisho::decode {

struct DecoderStats {
  uint64_t packets = 0;
  uint64_t decoded = 0;    // decoded to the deepest layer we handle, no error
  uint64_t fragments = 0;  // IPv4/IPv6 fragments (counted, not reassembled)
  uint64_t non_ip = 0;
  std::array<uint64_t, size_t(Malformed::kCount)> malformed{};
  uint64_t malformed_total() const {
    uint64_t n = 0;
    for (size_t i = 1; i < malformed.size(); ++i) n += malformed[i];
    return n;
  }
};

class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Fills `pv` from a captured frame of the given link type. Never fails: problems are
  // recorded in pv.malformed and counted.
  void decode(const uint8_t* data, uint32_t caplen, uint32_t wirelen, uint16_t linktype, core::TimeNs ts,
              PacketView& pv);

  const DecoderStats& stats() const { return stats_; }

  // Announcements repeat: a device sends the same mDNS response or SSDP NOTIFY every few
  // seconds. The same bytes from the same sender within this window are not parsed again.
  static constexpr core::TimeNs kRepeatWindow = 60 * core::kNsPerSec;

 private:
  struct Scratch;
  void link_ethernet(const uint8_t* p, uint32_t n, PacketView& pv);
  void network(uint16_t ethertype, const uint8_t* p, uint32_t n, PacketView& pv);
  void ipv4(const uint8_t* p, uint32_t n, PacketView& pv);
  void ipv6(const uint8_t* p, uint32_t n, PacketView& pv);
  void arp(const uint8_t* p, uint32_t n, PacketView& pv);
  void transport(const uint8_t* p, uint32_t n, PacketView& pv);
  void icmpv6_ndp(const uint8_t* p, uint32_t n, PacketView& pv);
  void application_udp(PacketView& pv);
  void application_tcp(PacketView& pv);
  void set_malformed(PacketView& pv, Malformed m);
  bool seen_recently(const PacketView& pv, AppKind kind, uint64_t* key);
  void remember(uint64_t key, core::TimeNs ts);

  struct RepeatSlot {
    uint64_t key = 0;
    core::TimeNs ts = 0;
  };

  std::unique_ptr<Scratch> scratch_;
  std::array<uint8_t, 65536> udp_app_{};  // port -> AppKind
  DecoderStats stats_;
  std::unique_ptr<RepeatSlot[]> repeats_;  // direct-mapped on the hash of sender and bytes
};

}  // namespace sekisho::decode
