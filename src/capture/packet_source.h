#pragma once
// PacketSource: where packets come from (a capture file, a live interface, a fake in tests).
// A source hands out one packet at a time; the bytes stay valid until the next call.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/time.h"

namespace sekisho::capture {

// DLT_/LINKTYPE_ values we decode (the rest are counted as unsupported).
enum LinkType : uint16_t {
  kLinkNull = 0,  // BSD loopback, host-order AF_ family
  kLinkEthernet = 1,
  kLinkRaw = 101,   // raw IPv4/IPv6
  kLinkLoop = 108,  // OpenBSD loopback, network-order AF_
  kLinkLinuxSll = 113,
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
  kLinkLinuxSll2 = 276,
};

struct RawPacket {
  core::TimeNs ts = 0;
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;   // bytes present at data
  uint32_t wirelen = 0;  // original length on the wire
  uint16_t linktype = kLinkEthernet;
  uint64_t record = 0;  // 1-based record number within the current file / live session
                        // (pcapng: packet blocks only; damaged records keep their number)
};

enum class ReadStatus : uint8_t {
  kPacket,   // `out` is filled
  kEnd,      // no more packets (end of file, or live source stopped)
  kTimeout,  // live only: nothing arrived within the read timeout; call again
  kFatal,    // cannot go on with this source (see last_error())
};

struct CaptureStats {
  uint64_t records = 0;       // records read (packets handed out)
  uint64_t bytes = 0;         // captured bytes handed out
  uint64_t bad_records = 0;   // records skipped as malformed (lying lengths, truncation)
  uint64_t resyncs = 0;       // times the reader searched forward for the next valid record
  uint64_t filtered_out = 0;  // dropped by the BPF filter (file sources)
  uint64_t kernel_drops = 0;  // live: dropped by the kernel / interface (pcap_stats),
                              // refreshed by next() on timeouts, every 64Ki packets and at end
};

// Non-fatal problems (a bad record that was skipped) are reported here and counted;
// the source then goes on with the next record.
using ErrorSink = std::function<void(const core::Error&)>;

struct SourceOptions {
  std::string bpf;               // filter expression, empty = none (applies to files too)
  uint32_t snaplen = 262144;     // live: capture length
  bool promiscuous = true;       // live
  int timeout_ms = 100;          // live: read timeout so the caller can check for shutdown
  uint32_t max_record = 262144;  // files: records claiming more than this are malformed
  // files: from this size on, a pager thread maps pages in ahead of the reader and hands
  // back those behind it (0 = never)
  size_t pager_min_bytes = size_t{64} << 20;
  ErrorSink on_error;  // may be empty: errors are then only counted
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  virtual ReadStatus next(RawPacket& out) = 0;
  virtual const CaptureStats& stats() const = 0;
  virtual const std::string& name() const = 0;        // file path or interface name
  virtual const core::Error& last_error() const = 0;  // after kFatal
  virtual void stop() {}                              // live: make next() return kEnd soon
};

// Opens a pcap or pcapng file (detected by magic): microsecond and nanosecond pcap in
// either byte order, pcapng with several sections/interfaces and per-interface if_tsresol.
// A regular file is memory-mapped and its packets point into the mapping. "-" (standard
// input) and other non-seekable paths (pipes, /dev/fd/N) are streamed through libpcap, so
// `tcpdump -w - | sekisho -r -` runs with bounded memory; stdin redirected from a regular
// file is mapped like any file.
// Damaged records are reported to opts.on_error as Error{kFormat, "<path>:record N", ...},
// counted, and skipped; the reader then searches forward for the next plausible record.
core::Result<std::unique_ptr<PacketSource>> open_file(const std::string& path, const SourceOptions& opts);

// Parses a capture held in memory with the same reader as open_file (fuzzing, tests, data
// already in memory). The bytes are not copied: they must outlive the source. `name`
// stands in for the path in error messages.
core::Result<std::unique_ptr<PacketSource>> open_buffer(const uint8_t* data, size_t size, const std::string& name,
                                                        const SourceOptions& opts);

// Opens a live interface through libpcap (immediate mode).
core::Result<std::unique_ptr<PacketSource>> open_live(const std::string& iface, const SourceOptions& opts);

}  // namespace sekisho::capture
