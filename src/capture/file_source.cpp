// Capture files: classic pcap and pcapng, parsed straight out of a read-only mapping.
//
// Packets are handed out zero-copy and the per-packet loop is a handful of loads and
// compares; byte order is a template parameter, so a swapped file costs nothing per
// packet. Damaged input is reported, counted and skipped: a record with a lying length
// makes the reader search forward for the next plausible record instead of giving up.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "capture/bpf_filter.h"
#include "capture/libpcap_source.h"
#include "capture/packet_source.h"
#include "core/bytes.h"
#include "core/thread.h"

namespace sekisho::capture {

namespace {

using core::ErrorCode;
using core::TimeNs;

// Magic numbers as little-endian loads of the first four bytes.
constexpr uint32_t kMagicUsLe = 0xa1b2c3d4;
constexpr uint32_t kMagicUsBe = 0xd4c3b2a1;
constexpr uint32_t kMagicNsLe = 0xa1b23c4d;
constexpr uint32_t kMagicNsBe = 0x4d3cb2a1;
constexpr uint32_t kMagicModifiedLe = 0xa1b2cd34;  // Kuznetzov's patched libpcap
constexpr uint32_t kMagicModifiedBe = 0x34cdb2a1;
constexpr uint32_t kPcapngShb = 0x0A0D0D0A;  // the same in both byte orders
constexpr uint32_t kPcapngByteOrderMagic = 0x1A2B3C4D;

constexpr size_t kPcapFileHeader = 24;
constexpr uint32_t kDefaultMaxRecord = 262144;
// Resync heuristics: a candidate record's wire length and time must look like real traffic.
constexpr uint32_t kMaxPlausibleWire = 262144;
// A candidate must lie within a day of the last good record, and each record in the chain
// that vouches for it within an hour of the one before: garbage inside packets (periodic in
// a flood capture) chains up easily under looser rules.
constexpr TimeNs kResyncWindow = 86400 * core::kNsPerSec;
constexpr TimeNs kChainStep = 3600 * core::kNsPerSec;
// Reading is bound by memory latency, not work: the next record's place is known only once
// this one's length is read. Prefetching every line up to 2 KiB ahead of the reader took a
// read-only pass over 10M records from 0.88 s to 0.57 s (one line 512 bytes ahead, as
// before: 0.88 s; 4 and 8 KiB: slightly slower than 2). The lines are fetched
// non-temporal: each is read once, soon, and a stream of 3 GB through the L2 cache pushed
// out what the packet thread keeps there (flow records, devices): watch 1.58 -> 1.45 s,
// median of 11 alternating runs of the merged capture on 2 cores, CPU 2.88 -> 2.65 s.
constexpr size_t kPrefetchAhead = 2048;
// An adversarial pcapng file could declare interfaces without end.
constexpr size_t kMaxInterfaces = 65536;

constexpr bool kHostLittle = std::endian::native == std::endian::little;

template <bool kSwap>
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (kSwap) v = __builtin_bswap32(v);
  return v;
}

template <bool kSwap>
inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (kSwap) v = __builtin_bswap16(v);
  return v;
}

template <bool kSwap>
inline uint64_t load64_halves(const uint8_t* p) {  // pcapng: a 64-bit value in the section's order
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (kSwap) v = __builtin_bswap64(v);
  return v;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string offset_text(size_t offset) { return "offset " + std::to_string(offset); }

// Owns a read-only file mapping. For a large file a pager thread walks ahead of the
// reader: it maps the next pages in (MADV_POPULATE_READ, the page faults the reader would
// take) and hands back those behind it (MADV_DONTNEED, so the resident set stays flat).
// The reader's thread then only reads; the kernel's share of the work runs beside it.
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, size_t length, size_t pager_min) : state_(std::make_unique<State>()) {
    state_->addr = static_cast<uint8_t*>(addr);
    state_->length = length;
    next_wake_ = 0;
    if (pager_min != 0 && length >= pager_min)
      state_->pager = std::thread([s = state_.get()] {
        core::lower_thread_priority(core::kHelperNice);
        s->run();
      });
  }
  Mapping(Mapping&& o) noexcept = default;
  Mapping& operator=(Mapping&&) = delete;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (!state_) return;
    if (state_->pager.joinable()) {
      {
        std::lock_guard lk(state_->mu);
        state_->stop = true;
      }
      state_->cv.notify_one();
      state_->pager.join();
    }
    munmap(state_->addr, state_->length);
  }
  // The reader is at `pos`: pages before pos - kKeepBehind may go, pages up to
  // pos + kAhead should be mapped. Cheap enough to call once per record.
  void reader_at(size_t pos) {
    if (pos < next_wake_) [[likely]]
      return;
    State& st = *state_;
    next_wake_ = pos + kWakeEvery;
    if (!st.pager.joinable()) {  // small file: release in this thread
      st.release_before(pos > kKeepBehind ? pos - kKeepBehind : 0);
      return;
    }
    {
      std::lock_guard lk(st.mu);
      st.reader_pos = pos;
    }
    st.cv.notify_one();
  }

 private:
  static constexpr size_t kPage = 4096;
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kAhead = size_t{16} << 20;
  static constexpr size_t kStep = size_t{4} << 20;
  // Each wake is a futex call and, on a VM, an interrupt to the other CPU: at 1 MiB the
  // reader's share of it was ~1.5% of its time; once per step is enough.
  static constexpr size_t kWakeEvery = kStep;
  static constexpr size_t kKeepBehind = size_t{4} << 20;
  static constexpr size_t kReleaseEvery = size_t{8} << 20;

  struct State {
    uint8_t* addr = nullptr;
    size_t length = 0;
    size_t released = 0;
    std::mutex mu;
    std::condition_variable cv;
    size_t reader_pos = 0;  // guarded by mu
    bool stop = false;      // guarded by mu
    std::thread pager;

    void release_before(size_t upto) {
      // Up to a huge-page boundary: a part of a huge page would split its mapping.
      const uintptr_t base = reinterpret_cast<uintptr_t>(addr);
      const uintptr_t end = (base + upto) & ~uintptr_t{kHugePage - 1};
      upto = end > base ? end - base : 0;
      if (upto > released) {
        (void)madvise(addr + released, upto - released, MADV_DONTNEED);
        released = upto;
      }
    }
    void run() {
      size_t mapped = 0;
      for (;;) {
        size_t pos;
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] {
            return stop || reader_pos + kAhead > mapped + kStep || reader_pos >= released + kReleaseEvery + kKeepBehind;
          });
          if (stop) return;
          pos = reader_pos;
        }
        const size_t want = std::min(length, pos + kAhead);
        while (mapped < want) {
          const size_t n = std::min(kStep, length - mapped);
#ifdef MADV_POPULATE_READ
          if (madvise(addr + mapped, n, MADV_POPULATE_READ) != 0)
#endif
          {
            volatile uint8_t sink = 0;
            for (size_t off = 0; off < n; off += kPage) sink = sink + addr[mapped + off];
          }
          mapped += n;
        }
        if (mapped >= length && pos >= length) return;
        if (pos >= released + kReleaseEvery + kKeepBehind) release_before(pos - kKeepBehind);
      }
    }
  };
  std::unique_ptr<State> state_;
  // Reader side, here and not in State: the pager writes State's line (released, the
  // mutex), and a per-record read of a line another core keeps writing is a cache miss.
  size_t next_wake_ = SIZE_MAX;  // 0 once there is a State
};

// What both formats share: the bytes, the counters and the error channel.
class FileSourceBase : public PacketSource {
 public:
  FileSourceBase(std::string name, const uint8_t* data, size_t size, Mapping mapping, const SourceOptions& opts)
      : base_(data),
        size_(size),
        name_(std::move(name)),
        on_error_(opts.on_error),
        max_record_(opts.max_record == 0 ? kDefaultMaxRecord : opts.max_record),
        mapping_(std::move(mapping)) {}

  const CaptureStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const core::Error& last_error() const override { return last_error_; }

 protected:
  void report(uint64_t record, std::string what) const {
    if (!on_error_) return;
    on_error_(core::make_error(ErrorCode::kFormat, name_ + ":record " + std::to_string(record), std::move(what)));
  }

  static std::string skipped_text(size_t from, size_t to, size_t size) {
    if (to >= size) return "nothing readable follows (" + std::to_string(size - from) + " bytes skipped)";
    return "skipped " + std::to_string(to - from) + " bytes to the next plausible record";
  }

  // Called once per record: tells the mapping where the reader is (pages ahead are mapped
  // in, pages behind handed back).
  void release_consumed() { mapping_.reader_at(pos_); }
  // Every cache line up to kPrefetchAhead past the reader, each once: the reader chases a
  // chain of record lengths, so each header it has to wait for costs a memory round trip.
  // Non-temporal (locality 0): see kPrefetchAhead.
  void prefetch_ahead() {
    const size_t want = size_ - pos_ > kPrefetchAhead ? pos_ + kPrefetchAhead : size_;
    if (prefetched_ < pos_) prefetched_ = pos_;  // first call, or after a resync
    for (; prefetched_ < want; prefetched_ += 64) __builtin_prefetch(base_ + prefetched_, 0, 0);
  }
  const uint8_t* base_;
  size_t size_;
  size_t pos_ = 0;
  size_t prefetched_ = 0;  // lines before this offset have been prefetched
  std::string name_;
  ErrorSink on_error_;
  uint32_t max_record_;
  CaptureStats stats_;
  core::Error last_error_;
  uint64_t record_ = 0;  // records seen, handed out or not
  TimeNs last_ts_ = 0;   // of the last good record
  bool have_last_ts_ = false;

 private:
  Mapping mapping_;
};

// ---- classic pcap ----------------------------------------------------------------------

struct PcapHeader {
  uint32_t snaplen = 0;
  uint16_t linktype = 0;
  bool nanos = false;
  size_t record_header = 16;  // 24 in the "modified" format
};

template <bool kSwap>
class PcapSource final : public FileSourceBase {
 public:
  PcapSource(std::string name, const uint8_t* data, size_t size, Mapping mapping, const SourceOptions& opts,
             const PcapHeader& header, std::optional<BpfFilter> filter)
      : FileSourceBase(std::move(name), data, size, std::move(mapping), opts),
        linktype_(header.linktype),
        record_header_(header.record_header),
        frac_to_ns_(header.nanos ? 1 : 1000),
        frac_limit_(header.nanos ? 1'000'000'000u : 1'000'000u),
        filter_(std::move(filter)) {
    pos_ = kPcapFileHeader;
    // The time-jump test needs a reference from the start; the first record's own time is
    // it (have_last_ts_ stays false, so the resync does not trust it).
    if (size_ - pos_ >= record_header_) last_ts_ = timestamp(base_ + pos_);
    bool sane_snaplen = header.snaplen != 0 && header.snaplen <= max_record_;
    cap_limit_ = sane_snaplen ? header.snaplen : max_record_;
    wire_limit_ = max_record_ > kMaxPlausibleWire ? max_record_ : kMaxPlausibleWire;
  }

  ReadStatus next(RawPacket& out) override {
    release_consumed();
    for (;;) {
      const size_t left = size_ - pos_;
      if (left < record_header_) [[unlikely]] {
        if (left != 0) truncated_header(left);
        return ReadStatus::kEnd;
      }
      const uint8_t* h = base_ + pos_;
      prefetch_ahead();
      const uint32_t frac = load32<kSwap>(h + 4);
      const uint32_t caplen = load32<kSwap>(h + 8);
      const uint32_t wirelen = load32<kSwap>(h + 12);
      const TimeNs ts =
          static_cast<TimeNs>(load32<kSwap>(h)) * core::kNsPerSec + static_cast<TimeNs>(frac) * frac_to_ns_;
      ++record_;
      // One test for everything unusual; the details are sorted out off the fast path.
      if (caplen > cap_limit_ || caplen > wirelen || frac >= frac_limit_ ||
          static_cast<uint64_t>(ts - last_ts_ + kResyncWindow) > 2 * kResyncWindow) [[unlikely]] {
        if (!odd_record_is_real(caplen, wirelen, ts)) {
          skip_bad_record(odd_record_text(caplen, wirelen, frac, ts));
          continue;
        }
      }
      if (caplen > left - record_header_) [[unlikely]] {
        record_past_end(caplen, left - record_header_);
        continue;
      }
      if (left - record_header_ - caplen >= record_header_ && impossible_header(h + record_header_ + caplen))
          [[unlikely]] {
        if (swallowed_next(caplen)) continue;
      }
      out.ts = ts;
      out.data = h + record_header_;
      out.caplen = caplen;
      out.wirelen = wirelen;
      out.linktype = linktype_;
      out.record = record_;
      pos_ += record_header_ + caplen;
      last_ts_ = out.ts;
      have_last_ts_ = true;
      if (filter_ && !filter_->matches(out)) {
        ++stats_.filtered_out;
        continue;
      }
      ++stats_.records;
      stats_.bytes += caplen;
      return ReadStatus::kPacket;
    }
  }

 private:
  TimeNs timestamp(const uint8_t* h) const {
    return static_cast<TimeNs>(load32<kSwap>(h)) * core::kNsPerSec +
           static_cast<TimeNs>(load32<kSwap>(h + 4)) * frac_to_ns_;
  }

  // A header that looks like real traffic: a non-empty record with lengths in range, a
  // valid sub-second field and, when there is a reference, a time within a day of it.
  // Zero runs, common inside packets, fail the first test.
  bool plausible(const uint8_t* h, uint32_t cap_limit, TimeNs ref, bool have_ref, TimeNs window) const {
    const uint32_t caplen = load32<kSwap>(h + 8);
    const uint32_t wirelen = load32<kSwap>(h + 12);
    if (caplen == 0 || caplen > cap_limit || caplen > wirelen || wirelen > wire_limit_) return false;
    if (load32<kSwap>(h + 4) >= frac_limit_) return false;
    if (!have_ref) return true;
    const TimeNs d = timestamp(h) - ref;
    return d <= window && d >= -window;
  }

  // Do `depth` plausible records, each near the time of the one before, start at `at`
  // (reaching the exact end of the file counts)?
  bool chain_follows(size_t at, TimeNs ref, int depth) const {
    for (int i = 0; i < depth; ++i) {
      if (at == size_) return true;
      if (at > size_ || size_ - at < record_header_) return false;
      const uint8_t* h = base_ + at;
      if (!plausible(h, max_record_, ref, true, kChainStep)) return false;
      ref = timestamp(h);
      at += record_header_ + load32<kSwap>(h + 8);
    }
    return true;
  }

  // A record that is unusual but may be real: caplen above the file's snaplen (libpcap
  // reads those, and some writers put a too-small snaplen in the header), a sub-second
  // field out of range, or a jump of more than a day. Keep it when the record after it
  // checks out. caplen > wirelen or > max_record is never real. This keeps a garbage
  // header (after a length that lied small) from passing and becoming the time reference.
  bool odd_record_is_real(uint32_t caplen, uint32_t wirelen, TimeNs ts) const {
    if (caplen > max_record_ || caplen > wirelen) return false;
    return chain_follows(pos_ + record_header_ + caplen, ts, 1);
  }

  std::string odd_record_text(uint32_t caplen, uint32_t wirelen, uint32_t frac, TimeNs ts) const {
    std::string why;
    if (caplen > max_record_) {
      why = "captured length " + std::to_string(caplen) + " exceeds the " + std::to_string(max_record_) +
            "-byte record limit";
    } else if (caplen > wirelen) {
      why = "captured length " + std::to_string(caplen) + " exceeds the original length " + std::to_string(wirelen);
    } else if (caplen > cap_limit_) {
      why = "captured length " + std::to_string(caplen) + " exceeds the file's snaplen " + std::to_string(cap_limit_);
    } else if (frac >= frac_limit_) {
      why = "sub-second field " + std::to_string(frac) + " is out of range";
    } else {
      why = "timestamp jumps " + std::to_string((ts - last_ts_) / core::kNsPerSec) +
            " s from the previous record's, and the record after it does not check out";
    }
    return why + " at " + offset_text(pos_);
  }

  // Scans forward byte by byte for a plausible header followed by another one (or EOF).
  // Without a good record before (the first one was damaged) there is no time to compare
  // with, so three more records must follow.
  // If nothing lies within a day of the last good record (its time may itself have been
  // wrong), a second pass searches without the time reference.
  size_t resync(size_t from) {
    ++stats_.resyncs;
    size_t found = scan(from, have_last_ts_);
    if (found == size_ && have_last_ts_) found = scan(from, false);
    return found;
  }

  // Searches [from, limit) for a record that starts a believable chain.
  size_t scan(size_t from, bool use_ref, size_t limit = SIZE_MAX) const {
    const int depth = use_ref ? 1 : 3;
    if (limit > size_) limit = size_;
    for (size_t q = from; q < limit && size_ - q >= record_header_; ++q) {
      const uint8_t* h = base_ + q;
      if (!plausible(h, cap_limit_, last_ts_, use_ref, kResyncWindow)) continue;
      const size_t end = q + record_header_ + load32<kSwap>(h + 8);
      if (end > size_) continue;
      if (chain_follows(end, timestamp(h), depth)) return q;
    }
    return size_;
  }

  // A header no writer produces. Checked on the record after each one handed out, so a
  // length that lied big is caught before its record swallows the ones after it.
  bool impossible_header(const uint8_t* h) const {
    const uint32_t caplen = load32<kSwap>(h + 8);
    return caplen > max_record_ || caplen > load32<kSwap>(h + 12) || load32<kSwap>(h + 4) >= frac_limit_;
  }

  // The record after this one is impossible: either that one is damaged, or this one's
  // length lied big and the real next record lies inside the bytes it claims. A believable
  // record in there decides: this one is skipped and reading resumes there.
  bool swallowed_next(uint32_t caplen) {
    const size_t end = pos_ + record_header_ + caplen;
    const size_t inner = scan(pos_ + 1, have_last_ts_, end);
    if (inner >= end) return false;
    ++stats_.bad_records;
    ++stats_.resyncs;
    report(record_, "captured length " + std::to_string(caplen) + " at " + offset_text(pos_) +
                        " runs over the next record, found at offset " + std::to_string(inner) + "; skipped " +
                        std::to_string(inner - pos_) + " bytes");
    pos_ = inner;
    return true;
  }

  void skip_bad_record(const std::string& why) {
    ++stats_.bad_records;
    const size_t from = pos_;
    pos_ = resync(pos_ + 1);
    report(record_, why + "; " + skipped_text(from, pos_, size_));
  }

  // A record running past the end of the file is usually a truncated capture, but it may
  // also be a damaged length in the middle; only the search forward can tell.
  void record_past_end(uint32_t caplen, size_t left) {
    ++stats_.bad_records;
    const size_t from = pos_;
    pos_ = resync(pos_ + 1);
    if (pos_ >= size_) {
      report(record_, "record truncated: header says " + std::to_string(caplen) + " bytes, " + std::to_string(left) +
                          " left in file");
    } else {
      report(record_, "captured length " + std::to_string(caplen) + " at " + offset_text(from) +
                          " runs past the end of the file; " + skipped_text(from, pos_, size_));
    }
  }

  void truncated_header(size_t left) {
    ++record_;
    ++stats_.bad_records;
    report(record_, "record truncated: " + std::to_string(left) + " bytes left in file, a record header needs " +
                        std::to_string(record_header_));
    pos_ = size_;
  }

  uint16_t linktype_;
  size_t record_header_;
  TimeNs frac_to_ns_;
  uint32_t frac_limit_;
  uint32_t cap_limit_ = 0;   // snaplen when sane, else max_record
  uint32_t wire_limit_ = 0;  // for the resync heuristics only
  std::optional<BpfFilter> filter_;
};

// ---- pcapng ----------------------------------------------------------------------------

enum BlockType : uint32_t {
  kBlockInterface = 1,
  kBlockPacket = 2,  // obsolete
  kBlockSimple = 3,
  kBlockNames = 4,
  kBlockStatistics = 5,
  kBlockEnhanced = 6,
  kBlockDecryptionSecrets = 0x0A,
  kBlockCustom = 0x0BAD,
  kBlockCustomNoCopy = 0x40000BAD,
  kBlockSection = kPcapngShb,
};

// Smallest valid total length per block type (header, fixed fields, trailer).
uint32_t min_block_length(uint32_t type) {
  switch (type) {
    case kBlockSection: return 28;
    case kBlockInterface: return 20;
    case kBlockPacket:
    case kBlockEnhanced: return 32;
    case kBlockSimple: return 16;
    case kBlockNames:
    case kBlockStatistics:
    case kBlockDecryptionSecrets:
    case kBlockCustom:
    case kBlockCustomNoCopy: return 12;
    default: return 0;  // not a type the resync trusts
  }
}

// How an interface's timestamp units become nanoseconds (if_tsresol, if_tsoffset).
struct Interface {
  enum class Scale : uint8_t { kMultiply, kDivide, kShift };
  uint16_t linktype = kLinkEthernet;
  uint32_t snaplen = 0;
  Scale scale = Scale::kMultiply;
  uint64_t factor = 1000;  // multiplier or divisor; for kShift the number of binary digits
  uint32_t pre_shift = 0;  // kShift: bits dropped first so the fraction product fits 64 bits
  uint64_t offset_ns = 0;
  const BpfFilter* filter = nullptr;
  bool reject_all = false;  // the BPF expression does not compile for this link type

  // Unsigned arithmetic: garbage timestamps wrap instead of overflowing.
  TimeNs to_ns(uint64_t units) const {
    uint64_t ns = 0;
    switch (scale) {
      case Scale::kMultiply: ns = units * factor; break;
      case Scale::kDivide: ns = units / factor; break;
      case Scale::kShift: {
        const uint64_t u = units >> pre_shift;
        const uint64_t mask = (uint64_t{1} << factor) - 1;
        ns = (u >> factor) * 1'000'000'000u + (((u & mask) * 1'000'000'000u) >> factor);
        break;
      }
    }
    return static_cast<TimeNs>(ns + offset_ns);
  }

  // if_tsresol: high bit clear = 10^-v seconds, set = 2^-v seconds. False if unusable.
  bool set_resolution(uint8_t v) {
    if ((v & 0x80) == 0) {
      if (v > 19) return false;  // 10^20 does not fit 64 bits
      uint64_t p = 1;
      if (v <= 9) {
        for (int i = v; i < 9; ++i) p *= 10;
        scale = Scale::kMultiply;
      } else {
        for (int i = 9; i < v; ++i) p *= 10;
        scale = Scale::kDivide;
      }
      factor = p;
      return true;
    }
    const uint32_t bits = v & 0x7f;
    if (bits > 63) return false;
    scale = Scale::kShift;
    pre_shift = bits > 30 ? bits - 30 : 0;
    factor = bits - pre_shift;
    return true;
  }
};

class PcapngSource final : public FileSourceBase {
 public:
  PcapngSource(std::string name, const uint8_t* data, size_t size, Mapping mapping, const SourceOptions& opts,
               bool swap)
      : FileSourceBase(std::move(name), data, size, std::move(mapping), opts), swap_(swap), bpf_(opts.bpf) {
    interfaces_.reserve(4);
  }

  // Compiles the filter for the first interface's link type so a bad expression fails at
  // open time; other link types are compiled as their interfaces appear.
  core::Status prepare_filter() {
    if (bpf_.empty()) return {};
    uint16_t linktype = kLinkEthernet;
    const uint32_t shb_len = swap_ ? load32<true>(base_ + 4) : load32<false>(base_ + 4);
    if (shb_len <= size_ && size_ - shb_len >= 16) {
      const uint8_t* b = base_ + shb_len;
      const uint32_t type = swap_ ? load32<true>(b) : load32<false>(b);
      if (type == kBlockInterface) linktype = swap_ ? load16<true>(b + 8) : load16<false>(b + 8);
    }
    auto compiled = BpfFilter::compile(bpf_, linktype, 0);
    if (!compiled.ok()) return compiled.error();
    filters_.emplace(linktype, std::make_unique<BpfFilter>(std::move(compiled).value()));
    return {};
  }

  ReadStatus next(RawPacket& out) override {
    release_consumed();
    for (;;) {
      const Outcome o = swap_ ? read_blocks<true>(out) : read_blocks<false>(out);
      if (o == Outcome::kPacket) return ReadStatus::kPacket;
      if (o == Outcome::kEnd) return ReadStatus::kEnd;
      // kByteOrderChanged: a new section in the other byte order; go round again.
    }
  }

 private:
  enum class Outcome : uint8_t { kPacket, kEnd, kByteOrderChanged };

  // The byte order a section header announces: 0 = host order, 1 = swapped, -1 = bad.
  int section_order(const uint8_t* b) const {
    const uint32_t bom = load32<false>(b + 8);
    if (bom == kPcapngByteOrderMagic) return 0;
    if (bom == __builtin_bswap32(kPcapngByteOrderMagic)) return 1;
    return -1;
  }

  template <bool kSwap>
  Outcome read_blocks(RawPacket& out) {
    for (;;) {
      const size_t left = size_ - pos_;
      if (left == 0) return Outcome::kEnd;
      const uint8_t* b = base_ + pos_;
      prefetch_ahead();
      if (left < 12) {
        ++stats_.bad_records;
        report(record_ + 1, "block truncated: " + std::to_string(left) +
                                " bytes left in file, a block needs at least 12 at " + offset_text(pos_));
        pos_ = size_;
        return Outcome::kEnd;
      }
      const uint32_t type = load32<kSwap>(b);
      if (type == kBlockSection) {
        const int order = section_order(b);
        if (order < 0) {
          bad_block<kSwap>("section header has a bad byte-order magic " + hex32(load32<false>(b + 8)));
          continue;
        }
        if ((order == 1) != kSwap) {
          swap_ = order == 1;
          return Outcome::kByteOrderChanged;
        }
      }
      const uint32_t length = load32<kSwap>(b + 4);
      if (!frame_ok<kSwap>(b, length, left)) {
        bad_block<kSwap>(frame_error<kSwap>(b, length, left));
        continue;
      }
      const size_t at = pos_;
      pos_ += length;
      if (type == kBlockSection) {
        start_section<kSwap>(b, length, at);
        continue;
      }
      if (!section_ok_) continue;
      const uint32_t minimum = min_block_length(type);
      if (minimum != 0 && length < minimum) {
        const bool is_packet = type == kBlockEnhanced || type == kBlockSimple || type == kBlockPacket;
        if (is_packet) ++record_;
        ++stats_.bad_records;
        report(is_packet ? record_ : record_ + 1, "block type " + hex32(type) + " at " + offset_text(at) + " is " +
                                                      std::to_string(length) + " bytes, below its " +
                                                      std::to_string(minimum) + "-byte minimum");
        continue;
      }
      switch (type) {
        case kBlockInterface: add_interface<kSwap>(b, length, at); break;
        case kBlockEnhanced:
        case kBlockPacket: {
          // EPB: u32 interface; PB: u16 interface, u16 drops. Then the same fields.
          const uint32_t ifc = type == kBlockEnhanced ? load32<kSwap>(b + 8) : load16<kSwap>(b + 8);
          const uint64_t units = (uint64_t{load32<kSwap>(b + 12)} << 32) | load32<kSwap>(b + 16);
          const uint32_t caplen = load32<kSwap>(b + 20);
          const uint32_t wirelen = load32<kSwap>(b + 24);
          if (packet_block(ifc, units, b + 28, caplen, wirelen, length - 32, at, out)) return Outcome::kPacket;
          break;
        }
        case kBlockSimple:
          if (simple_block(load32<kSwap>(b + 8), b + 12, length - 16, at, out)) return Outcome::kPacket;
          break;
        default: break;  // names, statistics, secrets, custom and unknown blocks
      }
    }
  }

  template <bool kSwap>
  bool frame_ok(const uint8_t* b, uint32_t length, size_t left) const {
    return length >= 12 && length % 4 == 0 && length <= left && load32<kSwap>(b + length - 4) == length;
  }

  template <bool kSwap>
  std::string frame_error(const uint8_t* b, uint32_t length, size_t left) const {
    if (length < 12) return "block length " + std::to_string(length) + " is below the 12-byte minimum";
    if (length % 4 != 0) return "block length " + std::to_string(length) + " is not a multiple of 4";
    if (length > left) {
      return "block truncated: header says " + std::to_string(length) + " bytes, " + std::to_string(left) +
             " left in file";
    }
    return "block length " + std::to_string(length) + " does not match its trailing copy " +
           std::to_string(load32<kSwap>(b + length - 4));
  }

  // Is there a block at q whose type we know and whose two length fields agree?
  template <bool kSwap>
  bool block_candidate(size_t q) const {
    const uint8_t* b = base_ + q;
    const size_t left = size_ - q;
    uint32_t type = load32<kSwap>(b);
    uint32_t length = 0;
    if (type == kBlockSection) {
      const int order = section_order(b);
      if (order < 0) return false;
      length = order == 1 ? load32<true>(b + 4) : load32<false>(b + 4);
      return length >= min_block_length(type) && length % 4 == 0 && length <= left &&
             (order == 1 ? load32<true>(b + length - 4) : load32<false>(b + length - 4)) == length;
    }
    const uint32_t minimum = min_block_length(type);
    if (minimum == 0) return false;
    length = load32<kSwap>(b + 4);
    return length >= minimum && frame_ok<kSwap>(b, length, left);
  }

  template <bool kSwap>
  size_t resync(size_t from) {
    ++stats_.resyncs;
    for (size_t q = from; q < size_ && size_ - q >= 12; q += 4) {
      if (block_candidate<kSwap>(q)) return q;
    }
    return size_;
  }

  template <bool kSwap>
  void bad_block(const std::string& why) {
    ++stats_.bad_records;
    const size_t from = pos_;
    pos_ = resync<kSwap>(pos_ + 4);
    report(record_ + 1, "block at " + offset_text(from) + ": " + why + "; " + skipped_text(from, pos_, size_));
  }

  template <bool kSwap>
  void start_section(const uint8_t* b, uint32_t length, size_t at) {
    interfaces_.clear();
    const uint16_t major = length >= 28 ? load16<kSwap>(b + 12) : 0;
    const uint16_t minor = length >= 28 ? load16<kSwap>(b + 14) : 0;
    section_ok_ = major == 1;
    if (!section_ok_) {
      ++stats_.bad_records;
      report(record_ + 1, "section at " + offset_text(at) + " has unsupported pcapng version " + std::to_string(major) +
                              "." + std::to_string(minor) + " or is too short; skipped");
    }
  }

  template <bool kSwap>
  void add_interface(const uint8_t* b, uint32_t length, size_t at) {
    if (interfaces_.size() >= kMaxInterfaces) {
      ++stats_.bad_records;
      report(record_ + 1, "interface description at " + offset_text(at) + " exceeds " + std::to_string(kMaxInterfaces) +
                              " interfaces in one section; ignored");
      return;
    }
    Interface ifc;
    ifc.linktype = load16<kSwap>(b + 8);
    ifc.snaplen = load32<kSwap>(b + 12);
    // Options: code, length, value padded to 4 bytes; stop at opt_endofopt or a bad length.
    size_t p = 16;
    const size_t end = length - 4;
    while (end - p >= 4) {
      const uint16_t code = load16<kSwap>(b + p);
      const uint16_t olen = load16<kSwap>(b + p + 2);
      p += 4;
      if (code == 0 || olen > end - p) break;
      if (code == 9 && olen >= 1 && !ifc.set_resolution(b[p])) {
        report(record_ + 1, "interface " + std::to_string(interfaces_.size()) + " at " + offset_text(at) +
                                ": if_tsresol " + std::to_string(b[p]) + " is out of range; using microseconds");
      }
      if (code == 14 && olen >= 8) {
        ifc.offset_ns = load64_halves<kSwap>(b + p) * uint64_t{1'000'000'000};
      }
      const size_t padded = (size_t{olen} + 3) & ~size_t{3};
      if (padded > end - p) break;
      p += padded;
    }
    attach_filter(ifc);
    interfaces_.push_back(ifc);
  }

  void attach_filter(Interface& ifc) {
    if (bpf_.empty()) return;
    auto it = filters_.find(ifc.linktype);
    if (it == filters_.end()) {
      auto compiled = BpfFilter::compile(bpf_, ifc.linktype, ifc.snaplen);
      std::unique_ptr<BpfFilter> filter;
      if (compiled.ok()) {
        filter = std::make_unique<BpfFilter>(std::move(compiled).value());
      } else if (on_error_) {
        on_error_(core::make_error(ErrorCode::kInvalidArgument, "--bpf",
                                   compiled.error().what + "; packets of link type " + std::to_string(ifc.linktype) +
                                       " in " + name_ + " are dropped"));
      }
      it = filters_.emplace(ifc.linktype, std::move(filter)).first;
    }
    ifc.filter = it->second.get();
    ifc.reject_all = ifc.filter == nullptr;
  }

  bool packet_block(uint32_t ifc_id, uint64_t units, const uint8_t* data, uint32_t caplen, uint32_t wirelen,
                    uint32_t room, size_t at, RawPacket& out) {
    ++record_;
    if (ifc_id >= interfaces_.size()) [[unlikely]] {
      ++stats_.bad_records;
      report(record_, "packet block at " + offset_text(at) + " names interface " + std::to_string(ifc_id) +
                          " but the section describes " + std::to_string(interfaces_.size()) + "; skipped");
      return false;
    }
    if (caplen > room || caplen > max_record_ || caplen > wirelen) [[unlikely]] {
      ++stats_.bad_records;
      std::string why = caplen > room          ? "exceeds the block's " + std::to_string(room) + " data bytes"
                        : caplen > max_record_ ? "exceeds the " + std::to_string(max_record_) + "-byte record limit"
                                               : "exceeds the original length " + std::to_string(wirelen);
      report(record_, "captured length " + std::to_string(caplen) + " at " + offset_text(at) + " " + why + "; skipped");
      return false;
    }
    const Interface& ifc = interfaces_[ifc_id];
    return deliver(ifc, ifc.to_ns(units), data, caplen, wirelen, out);
  }

  // SPB: interface 0, no timestamp (the previous packet's is used), length from the block.
  bool simple_block(uint32_t wirelen, const uint8_t* data, uint32_t room, size_t at, RawPacket& out) {
    ++record_;
    if (interfaces_.empty()) [[unlikely]] {
      ++stats_.bad_records;
      report(record_, "simple packet block at " + offset_text(at) + " comes before any interface description; skipped");
      return false;
    }
    const Interface& ifc = interfaces_[0];
    uint32_t caplen = wirelen < room ? wirelen : room;
    if (ifc.snaplen != 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
    if (caplen > max_record_) [[unlikely]] {
      ++stats_.bad_records;
      report(record_, "simple packet block at " + offset_text(at) + " holds " + std::to_string(caplen) +
                          " bytes, above the " + std::to_string(max_record_) + "-byte record limit; skipped");
      return false;
    }
    return deliver(ifc, last_ts_, data, caplen, wirelen, out);
  }

  bool deliver(const Interface& ifc, TimeNs ts, const uint8_t* data, uint32_t caplen, uint32_t wirelen,
               RawPacket& out) {
    out.ts = ts;
    out.data = data;
    out.caplen = caplen;
    out.wirelen = wirelen;
    out.linktype = ifc.linktype;
    out.record = record_;
    last_ts_ = ts;
    have_last_ts_ = true;
    if (ifc.reject_all || (ifc.filter != nullptr && !ifc.filter->matches(out))) {
      ++stats_.filtered_out;
      return false;
    }
    ++stats_.records;
    stats_.bytes += caplen;
    return true;
  }

  bool swap_;
  bool section_ok_ = true;
  std::string bpf_;
  std::vector<Interface> interfaces_;
  std::map<uint16_t, std::unique_ptr<BpfFilter>> filters_;  // by link type; null = did not compile
};

// ---- opening ---------------------------------------------------------------------------

core::Result<std::unique_ptr<PacketSource>> open_pcap(std::string name, const uint8_t* data, size_t size,
                                                      Mapping mapping, const SourceOptions& opts, bool file_little,
                                                      bool nanos, bool modified) {
  if (size < kPcapFileHeader) {
    return core::make_error(ErrorCode::kFormat, name,
                            "file too short for a pcap header (" + std::to_string(size) + " of 24 bytes)");
  }
  const bool swap = file_little != kHostLittle;
  PcapHeader header;
  header.snaplen = swap ? load32<true>(data + 16) : load32<false>(data + 16);
  // The upper bits of the link-type field carry FCS information.
  header.linktype = static_cast<uint16_t>(swap ? load32<true>(data + 20) : load32<false>(data + 20));
  header.nanos = nanos;
  header.record_header = modified ? 24 : 16;
  std::optional<BpfFilter> filter;
  if (!opts.bpf.empty()) {
    auto compiled = BpfFilter::compile(opts.bpf, header.linktype, header.snaplen);
    if (!compiled.ok()) return compiled.error();
    filter.emplace(std::move(compiled).value());
  }
  if (swap) {
    return std::unique_ptr<PacketSource>(std::make_unique<PcapSource<true>>(
        std::move(name), data, size, std::move(mapping), opts, header, std::move(filter)));
  }
  return std::unique_ptr<PacketSource>(std::make_unique<PcapSource<false>>(
      std::move(name), data, size, std::move(mapping), opts, header, std::move(filter)));
}

core::Result<std::unique_ptr<PacketSource>> open_pcapng(std::string name, const uint8_t* data, size_t size,
                                                        Mapping mapping, const SourceOptions& opts) {
  if (size < 28) {
    return core::make_error(ErrorCode::kFormat, name,
                            "file too short for a pcapng section header (" + std::to_string(size) + " of 28 bytes)");
  }
  const uint32_t bom = load32<false>(data + 8);
  if (bom != kPcapngByteOrderMagic && bom != __builtin_bswap32(kPcapngByteOrderMagic)) {
    return core::make_error(ErrorCode::kFormat, name,
                            "pcapng section header has a bad byte-order magic " + hex32(core::load_be32(data + 8)));
  }
  const bool swap = bom != kPcapngByteOrderMagic;
  const uint32_t length = swap ? load32<true>(data + 4) : load32<false>(data + 4);
  const uint32_t trailer = length >= 28 && length % 4 == 0 && length <= size
                               ? (swap ? load32<true>(data + length - 4) : load32<false>(data + length - 4))
                               : 0;
  if (trailer != length) {
    return core::make_error(ErrorCode::kFormat, name,
                            "pcapng section header block has a bad length " + std::to_string(length) + " (file has " +
                                std::to_string(size) + " bytes)");
  }
  auto source = std::make_unique<PcapngSource>(std::move(name), data, size, std::move(mapping), opts, swap);
  if (auto st = source->prepare_filter(); !st.ok()) return st.error();
  return std::unique_ptr<PacketSource>(std::move(source));
}

core::Result<std::unique_ptr<PacketSource>> open_bytes(std::string name, const uint8_t* data, size_t size,
                                                       Mapping mapping, const SourceOptions& opts) {
  if (size == 0) return core::make_error(ErrorCode::kFormat, name, "empty file");
  if (size < 4) {
    return core::make_error(ErrorCode::kFormat, name,
                            "file too short (" + std::to_string(size) + " bytes) to be a pcap or pcapng file");
  }
  switch (core::load_le32(data)) {
    case kMagicUsLe: return open_pcap(std::move(name), data, size, std::move(mapping), opts, true, false, false);
    case kMagicUsBe: return open_pcap(std::move(name), data, size, std::move(mapping), opts, false, false, false);
    case kMagicNsLe: return open_pcap(std::move(name), data, size, std::move(mapping), opts, true, true, false);
    case kMagicNsBe: return open_pcap(std::move(name), data, size, std::move(mapping), opts, false, true, false);
    case kMagicModifiedLe: return open_pcap(std::move(name), data, size, std::move(mapping), opts, true, false, true);
    case kMagicModifiedBe: return open_pcap(std::move(name), data, size, std::move(mapping), opts, false, false, true);
    case kPcapngShb: return open_pcapng(std::move(name), data, size, std::move(mapping), opts);
    default:
      return core::make_error(ErrorCode::kFormat, name,
                              "not a pcap or pcapng file (magic " + hex32(core::load_be32(data)) + ")");
  }
}

core::Error errno_error(const std::string& path, int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR: return core::make_error(ErrorCode::kNotFound, path, "no such file");
    case EACCES:
    case EPERM: return core::make_error(ErrorCode::kPermission, path, "permission denied");
    default: return core::make_error(ErrorCode::kIo, path, std::strerror(err));
  }
}

// Maps an open regular file. A file truncated by someone else while mapped raises SIGBUS;
// capture files being rotated should be read after they are closed.
core::Result<std::unique_ptr<PacketSource>> open_fd(std::string name, int fd, size_t size, const SourceOptions& opts) {
  if (size == 0) return core::make_error(ErrorCode::kFormat, name, "empty file");
  void* addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) return core::make_error(ErrorCode::kIo, name, std::string("mmap: ") + std::strerror(errno));
  (void)madvise(addr, size, MADV_SEQUENTIAL);
  // Huge pages where the kernel has them: with the file cached in 2 MiB folios (the kernel's
  // read-ahead makes them for such a mapping) one page-table entry maps 512 pages, and the
  // pager's cost of mapping and unmapping falls with it. Without transparent huge pages
  // this is refused and changes nothing.
  (void)madvise(addr, size, MADV_HUGEPAGE);
  Mapping mapping(addr, size, opts.pager_min_bytes);
  return open_bytes(std::move(name), static_cast<const uint8_t*>(addr), size, std::move(mapping), opts);
}

}  // namespace

core::Result<std::unique_ptr<PacketSource>> open_file(const std::string& path, const SourceOptions& opts) {
  struct stat st {};
  if (path == "-") {
    // Redirected from a regular file: map it. A pipe: stream it through libpcap.
    if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && lseek(STDIN_FILENO, 0, SEEK_CUR) == 0) {
      return open_fd("<stdin>", STDIN_FILENO, static_cast<size_t>(st.st_size), opts);
    }
    return open_libpcap_stream(path, opts);
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error(path, errno);
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return errno_error(path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return core::make_error(ErrorCode::kInvalidArgument, path, "is a directory, not a capture file");
  }
  if (!S_ISREG(st.st_mode)) {  // FIFO, /dev/fd/N of a pipe, character device
    close(fd);
    return open_libpcap_stream(path, opts);
  }
  auto source = open_fd(path, fd, static_cast<size_t>(st.st_size), opts);
  close(fd);  // the mapping stays valid
  return source;
}

core::Result<std::unique_ptr<PacketSource>> open_buffer(const uint8_t* data, size_t size, const std::string& name,
                                                        const SourceOptions& opts) {
  if (data == nullptr && size != 0) return core::make_error(ErrorCode::kInvalidArgument, name, "null buffer");
  return open_bytes(name, data, size, Mapping(), opts);
}

}  // namespace sekisho::capture
