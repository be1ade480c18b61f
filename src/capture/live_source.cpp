// Sources backed by a libpcap handle: live interfaces (open_live) and capture streams that
// cannot be memory-mapped (open_libpcap_stream: stdin, pipes).
#include <pcap/pcap.h>

#include <atomic>
#include <climits>
#include <memory>
#include <optional>
#include <utility>

#include "capture/bpf_filter.h"
#include "capture/libpcap_source.h"
#include "capture/packet_source.h"

namespace sekisho::capture {

namespace {

// pcap_stats is a syscall, so drops are refreshed now and then rather than per packet.
constexpr uint64_t kDropRefreshEvery = 65536;
constexpr uint32_t kDefaultSnaplen = 262144;

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

class LibpcapSource final : public PacketSource {
 public:
  LibpcapSource(PcapHandle handle, std::string name, bool live, const SourceOptions& opts,
                std::optional<BpfFilter> filter)
      : handle_(std::move(handle)),
        name_(std::move(name)),
        live_(live),
        on_error_(opts.on_error),
        filter_(std::move(filter)),
        linktype_(dlt_to_linktype(pcap_datalink(handle_.get()))),
        frac_to_ns_(pcap_get_tstamp_precision(handle_.get()) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000) {}

  ReadStatus next(RawPacket& out) override {
    if (stopped_.load(std::memory_order_relaxed)) return finish();
    for (;;) {
      pcap_pkthdr* header = nullptr;
      const u_char* data = nullptr;
      int rc = pcap_next_ex(handle_.get(), &header, &data);
      if (rc == 1) {
        ++record_;
        out.ts = static_cast<core::TimeNs>(header->ts.tv_sec) * core::kNsPerSec +
                 static_cast<core::TimeNs>(header->ts.tv_usec) * frac_to_ns_;
        out.data = data;
        out.caplen = header->caplen;
        out.wirelen = header->len;
        out.linktype = linktype_;
        out.record = record_;
        if (filter_ && !filter_->matches(out)) {
          ++stats_.filtered_out;
          continue;
        }
        ++stats_.records;
        stats_.bytes += out.caplen;
        if (live_ && stats_.records % kDropRefreshEvery == 0) refresh_drops();
        return ReadStatus::kPacket;
      }
      if (rc == 0) {  // live read timeout
        refresh_drops();
        return stopped_.load(std::memory_order_relaxed) ? finish() : ReadStatus::kTimeout;
      }
      if (rc == PCAP_ERROR_BREAK || stopped_.load(std::memory_order_relaxed)) return finish();
      std::string why = pcap_geterr(handle_.get());
      if (!live_) {
        // A damaged stream cannot be searched forward the way a mapped file can; report the
        // record like the file reader does and end.
        ++stats_.bad_records;
        if (on_error_) {
          on_error_(core::make_error(core::ErrorCode::kFormat, name_ + ":record " + std::to_string(record_ + 1), why));
        }
        return finish();
      }
      last_error_ = core::make_error(core::ErrorCode::kIo, name_, why);
      return ReadStatus::kFatal;
    }
  }

  const CaptureStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const core::Error& last_error() const override { return last_error_; }

  // May be called from another thread or a signal handler.
  void stop() override {
    stopped_.store(true, std::memory_order_relaxed);
    pcap_breakloop(handle_.get());
  }

 private:
  ReadStatus finish() {
    refresh_drops();
    return ReadStatus::kEnd;
  }

  void refresh_drops() {
    if (!live_) return;
    pcap_stat ps{};
    if (pcap_stats(handle_.get(), &ps) == 0) stats_.kernel_drops = uint64_t{ps.ps_drop} + ps.ps_ifdrop;
  }

  PcapHandle handle_;
  std::string name_;
  bool live_;
  ErrorSink on_error_;
  std::optional<BpfFilter> filter_;
  uint16_t linktype_;
  core::TimeNs frac_to_ns_;
  CaptureStats stats_;
  core::Error last_error_;
  uint64_t record_ = 0;
  std::atomic<bool> stopped_{false};
};

core::Error activate_error(pcap_t* p, int rc, const std::string& iface) {
  std::string detail = pcap_geterr(p);
  if (detail.empty()) detail = pcap_statustostr(rc);
  switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      return core::make_error(core::ErrorCode::kPermission, iface,
                              detail +
                                  " (run as root or grant CAP_NET_RAW, e.g. "
                                  "setcap cap_net_raw,cap_net_admin=eip <binary>)");
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return core::make_error(core::ErrorCode::kNotFound, iface, "no such interface: " + detail);
    case PCAP_ERROR_RFMON_NOTSUP:
    case PCAP_ERROR_TSTAMP_PRECISION_NOTSUP: return core::make_error(core::ErrorCode::kUnsupported, iface, detail);
    default: return core::make_error(core::ErrorCode::kIo, iface, detail);
  }
}

}  // namespace

core::Result<std::unique_ptr<PacketSource>> open_live(const std::string& iface, const SourceOptions& opts) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_create(iface.c_str(), errbuf));
  if (!handle) return core::make_error(core::ErrorCode::kIo, iface, errbuf);
  pcap_t* p = handle.get();

  uint32_t snaplen = opts.snaplen == 0 ? kDefaultSnaplen : opts.snaplen;
  pcap_set_snaplen(p, static_cast<int>(snaplen > INT_MAX ? INT_MAX : snaplen));
  pcap_set_promisc(p, opts.promiscuous ? 1 : 0);
  pcap_set_timeout(p, opts.timeout_ms);
  pcap_set_immediate_mode(p, 1);
  // Not every platform offers nanosecond stamps; microseconds are then scaled.
  (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);

  int rc = pcap_activate(p);
  if (rc < 0) return activate_error(p, rc, iface);
  if (rc > 0 && opts.on_error) {
    std::string detail = pcap_geterr(p);
    if (detail.empty()) detail = pcap_statustostr(rc);
    auto code = rc == PCAP_WARNING ? core::ErrorCode::kIo : core::ErrorCode::kUnsupported;
    opts.on_error(core::make_error(code, iface, "warning: " + detail));
  }

  if (!opts.bpf.empty()) {
    bpf_u_int32 net = 0;
    bpf_u_int32 mask = PCAP_NETMASK_UNKNOWN;
    if (pcap_lookupnet(iface.c_str(), &net, &mask, errbuf) != 0) mask = PCAP_NETMASK_UNKNOWN;
    bpf_program program{};
    if (pcap_compile(p, &program, opts.bpf.c_str(), 1, mask) != 0) {
      return core::make_error(core::ErrorCode::kInvalidArgument, "--bpf", pcap_geterr(p));
    }
    int set = pcap_setfilter(p, &program);
    pcap_freecode(&program);
    if (set != 0) return core::make_error(core::ErrorCode::kIo, "--bpf", pcap_geterr(p));
  }
  return std::unique_ptr<PacketSource>(
      std::make_unique<LibpcapSource>(std::move(handle), iface, /*live=*/true, opts, std::nullopt));
}

core::Result<std::unique_ptr<PacketSource>> open_libpcap_stream(const std::string& path, const SourceOptions& opts) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!handle) return core::make_error(core::ErrorCode::kFormat, path, errbuf);
  std::optional<BpfFilter> filter;
  if (!opts.bpf.empty()) {
    auto compiled = BpfFilter::compile(opts.bpf, dlt_to_linktype(pcap_datalink(handle.get())),
                                       static_cast<uint32_t>(pcap_snapshot(handle.get())));
    if (!compiled.ok()) return compiled.error();
    filter.emplace(std::move(compiled).value());
  }
  return std::unique_ptr<PacketSource>(
      std::make_unique<LibpcapSource>(std::move(handle), path, /*live=*/false, opts, std::move(filter)));
}

}  // namespace sekisho::capture
