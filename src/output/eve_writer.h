#pragma once
// EVE JSON lines (Suricata's event format): one object per line with timestamp,
// event_type, flow_id, addresses, ports, proto and Community ID.
// Formatting and writing run on one writer thread fed by a bounded queue of batches, so the
// packet thread only copies flow records and short pre-formatted lines.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
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
  // Packet events: `flow_id` 0 if the packet has no flow.
  void dns(const decode::PacketView& pv, uint64_t flow_id);
  void dhcp(const decode::PacketView& pv, uint64_t flow_id);
  void tls(const decode::PacketView& pv, uint64_t flow_id);
  void http(const decode::PacketView& pv, uint64_t flow_id);
  void device(const inventory::Device& d, core::TimeNs ts);

  // Hands the current batch to the writer thread (live capture: call when idle).
  void flush() { submit(); }
  // Writes everything queued and waits for the writer thread. Returns an error if a write failed.
  core::Status close();
  const EveStats& stats() const { return stats_; }

 private:
  struct Record {
    bool is_flow;
    flow::EndReason why;
    uint32_t index;  // into Batch::flows, or the end offset in Batch::text
  };
  struct Batch {
    std::vector<flow::Flow> flows;
    std::string text;
    std::vector<Record> records;
    void clear() {
      flows.clear();
      text.clear();
      records.clear();
    }
  };

  EveWriter(FILE* out, bool owned, std::string path);
  void begin_packet_event(const decode::PacketView& pv, uint64_t flow_id, const char* type);
  void end_text_event();
  void maybe_submit();
  void submit();
  void writer_loop();
  void format_flow(std::string& out, const flow::Flow& f, flow::EndReason why);

  FILE* out_;
  bool owned_;
  std::string path_;
  std::unique_ptr<Batch> cur_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> queue_;  // full batches for the writer
  std::vector<std::unique_ptr<Batch>> spare_;  // emptied batches for reuse
  bool closing_ = false;
  bool write_failed_ = false;
  std::thread thread_;
  EveStats stats_;
  std::string line_;  // scratch for text events
};

const char* proto_name(uint8_t proto, char* buf4);
const char* app_proto_name(uint8_t app);

}  // namespace sekisho::output
