#pragma once
// EVE JSON lines (Suricata's event format): one object per line with timestamp,
// event_type, flow_id, addresses, ports, proto and Community ID.
// Formatting and writing run on one writer thread fed by a bounded queue of batches. The
// packet thread only copies: flow records, and for packet events a small header plus the
// application payload, which the writer thread parses again (the parsers are pure
// functions of their bytes) and formats. Device events (rare) are formatted in place.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json_writer.h"
#include "core/result.h"
#include "core/time.h"
#include "decode/packet_view.h"
#include "flow/flow.h"
#include "inventory/device.h"

namespace sekisho::output {

struct EveStats {
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t write_errors = 0;
};

class EveWriter {
 public:
  // path "-" writes to standard output.
  static core::Result<std::unique_ptr<EveWriter>> open(const std::string& path);
  ~EveWriter();
  EveWriter(const EveWriter&) = delete;
  EveWriter& operator=(const EveWriter&) = delete;

  void flow(const flow::Flow& f, flow::EndReason why);
  // Packet event (dns, mdns, dhcp, tls, http) for a packet whose pv.app is one of those;
  // others are ignored. `f` is the packet's flow or null; its Community ID is computed on
  // the first event and kept in the flow.
  void packet(const decode::PacketView& pv, flow::Flow* f);
  void device(const inventory::Device& d, core::TimeNs ts);
  // A rare event formatted by its producer: one JSON object without the newline.
  void text(std::string_view json_object);

  // Hands the current batch to the writer thread (live capture: call when idle).
  void flush() { submit(); }
  // Writes everything queued and waits for the writer thread. Returns an error if a write failed.
  core::Status close();
  const EveStats& stats() const { return stats_; }

 private:
  enum class RecordKind : uint8_t { kFlow, kText, kPacket };
  struct Record {
    RecordKind kind;
    flow::EndReason why;
    uint32_t index;  // into Batch::flows or Batch::packets, or the end offset in Batch::text
  };
  // What a packet event needs from the PacketView; the payload is in Batch::payload.
  struct PacketEvent {
    core::TimeNs ts;
    uint64_t flow_id;
    core::IpAddr src_ip, dst_ip;
    uint32_t payload_off, payload_len;
    uint16_t src_port, dst_port;
    uint16_t vlan[2];
    uint8_t vlan_count;
    uint8_t proto;
    decode::AppKind app;
    uint8_t dhcp_version;
    bool has_eth;
    uint8_t src_mac[6], dst_mac[6];
  };
  struct Batch {
    std::vector<flow::Flow> flows;
    std::vector<PacketEvent> packets;
    std::string payload;
    std::string text;
    std::vector<Record> records;
    void clear() {
      flows.clear();
      packets.clear();
      payload.clear();
      text.clear();
      records.clear();
    }
  };
  struct ParseScratch;  // the writer thread's parser outputs

  EveWriter(FILE* out, bool owned, std::string path);
  void format_packet(core::JsonBuf& out, const PacketEvent& e, const uint8_t* payload);
  void format_dns(core::JsonBuf& out, const decode::DnsMessage& m);
  void format_dhcp(core::JsonBuf& out, const decode::DhcpInfo& h);
  void format_tls(core::JsonBuf& out, const decode::TlsClientHello& t);
  void format_http(core::JsonBuf& out, const decode::HttpRequest& h);
  void maybe_submit();
  void submit();
  void writer_loop();
  void format_flow(core::JsonBuf& out, const flow::Flow& f, flow::EndReason why);
  // The Community ID of a flow's 5-tuple, computed once per flow (flow_id 0: no flow, each time).
  std::string_view community_id(uint64_t flow_id, const core::IpAddr& src, const core::IpAddr& dst, uint16_t sp,
                                uint16_t dp, uint8_t proto, char* buf);

  // Three groups, each on cache lines of its own: what the packet thread touches per
  // event, what both threads share under the mutex, what the writer thread touches per
  // event (a line written by one core and read by the other per event is a miss each time).
  FILE* out_;
  bool owned_;
  std::string path_;
  alignas(64) std::unique_ptr<Batch> cur_;
  EveStats stats_;
  alignas(64) std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> queue_;   // full batches for the writer
  std::vector<std::unique_ptr<Batch>> spare_;  // emptied batches for reuse
  bool closing_ = false;
  bool write_failed_ = false;
  int write_errno_ = 0;
  std::thread thread_;
  alignas(64) std::unique_ptr<ParseScratch> parse_;  // used by the writer thread only
  core::EveTimeFormatter times_;                     // used by the writer thread only
};

const char* proto_name(uint8_t proto, char* buf4);
const char* app_proto_name(uint8_t app);

}  // namespace sekisho::output
