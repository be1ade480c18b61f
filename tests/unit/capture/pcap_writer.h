#pragma once
// Test helper: writes classic pcap (µs/ns, either byte order) and pcapng files from a list
// of packets, so capture tests can craft exactly the input they need, damage included.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/packet_source.h"
#include "core/result.h"
#include "core/time.h"

namespace sekisho::capture::testing {

struct TestPacket {
  core::TimeNs ts = 0;
  std::vector<uint8_t> data;
  uint32_t wirelen = 0;    // 0 = data.size()
  uint32_t interface = 0;  // pcapng only
};

enum class ByteOrder { kLittle, kBig };

struct PcapFormat {
  ByteOrder order = ByteOrder::kLittle;
  bool nanos = false;
  uint32_t snaplen = 262144;
  uint32_t linktype = kLinkEthernet;
};

std::vector<uint8_t> write_pcap(const std::vector<TestPacket>& packets, const PcapFormat& format = {});

// Offsets of each record header in a classic pcap file (the file must be well formed).
std::vector<size_t> pcap_record_offsets(const std::vector<uint8_t>& file);

// pcapng built block by block, so tests can interleave sections, interfaces and block
// types, and damage single blocks (block_offsets() says where each one starts).
class PcapngWriter {
 public:
  // tsresol is the raw if_tsresol byte (6 = µs, 9 = ns, 0x80|20 = 2^-20 s); none = µs.
  struct Interface {
    uint16_t linktype = kLinkEthernet;
    uint32_t snaplen = 0;
    std::optional<uint8_t> tsresol;
    int64_t tsoffset_s = 0;
  };

  PcapngWriter& section(ByteOrder order = ByteOrder::kLittle);
  PcapngWriter& interface(const Interface& ifc);
  PcapngWriter& enhanced(const TestPacket& p);  // timestamp in its interface's resolution
  PcapngWriter& obsolete_packet(const TestPacket& p);
  PcapngWriter& simple(const std::vector<uint8_t>& data, uint32_t wirelen = 0);
  PcapngWriter& block(uint32_t type, const std::vector<uint8_t>& body);  // any other block

  const std::vector<uint8_t>& bytes() const { return out_; }
  const std::vector<size_t>& block_offsets() const { return offsets_; }

 private:
  void put16(std::vector<uint8_t>& v, uint16_t x) const;
  void put32(std::vector<uint8_t>& v, uint32_t x) const;
  void put64(std::vector<uint8_t>& v, uint64_t x) const;
  void emit(uint32_t type, const std::vector<uint8_t>& body);
  uint64_t to_units(const TestPacket& p) const;
  std::vector<uint8_t> packet_body(const TestPacket& p, bool obsolete) const;

  std::vector<uint8_t> out_;
  std::vector<size_t> offsets_;
  std::vector<Interface> interfaces_;  // of the current section
  ByteOrder order_ = ByteOrder::kLittle;
};

// Files for tests, under a fresh per-process directory in the system temp dir.
std::string temp_path(const std::string& name);
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_file(const std::string& path);

// Everything a source yields until kEnd/kFatal (with a generous bound so a reader that
// never ends fails the test instead of hanging it).
struct ReadResult {
  std::vector<TestPacket> packets;  // ts, data, wirelen; interface holds the link type
  std::vector<uint64_t> records;    // RawPacket.record of each packet
  std::vector<core::Error> errors;  // what opts.on_error received
  CaptureStats stats;
  ReadStatus last = ReadStatus::kEnd;
  bool ended = false;
};
// Opens `path` (or the buffer, when given) with `opts` plus an error collector.
core::Result<ReadResult> read_all_file(const std::string& path, SourceOptions opts = {});
core::Result<ReadResult> read_all_buffer(const std::vector<uint8_t>& bytes, const std::string& name,
                                         SourceOptions opts = {});
ReadResult drain(PacketSource& source, std::vector<core::Error>* errors, size_t max_calls = 100'000'000);

std::string shared_data(const std::string& relative);  // path under SEKISHO_SHARED_DATA

}  // namespace sekisho::capture::testing
