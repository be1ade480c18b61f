// Damaged captures: truncation at every record boundary, seeded random byte flips and lying
// record lengths. The reader must always terminate, never read out of bounds (these run
// under ASan/UBSan), report each problem with the file and record, and where a length lies
// still deliver every record after the damaged one.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "capture/packet_source.h"
#include "pcap_writer.h"

namespace sekisho::capture {
namespace {

using testing::PcapngWriter;
using testing::read_all_buffer;
using testing::read_all_file;
using testing::ReadResult;
using testing::shared_data;
using testing::temp_path;
using testing::TestPacket;
using testing::write_file;

const std::string kAria = shared_data("pcap/iot-sentinel/Aria/Setup-A-1-STA.pcap");
const std::string kSynflood = shared_data("pcap/ddos/pkt.TCP.synflood.spoofed.pcap");
constexpr size_t kAriaPackets = 49;  // tcpdump -nr ... | wc -l

ReadResult must_read(const core::Result<ReadResult>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? r.value() : ReadResult{};
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

uint32_t load_le32(const std::vector<uint8_t>& v, size_t at) {
  return uint32_t{v[at]} | uint32_t{v[at + 1]} << 8 | uint32_t{v[at + 2]} << 16 | uint32_t{v[at + 3]} << 24;
}

void store_le32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i) v[at + i] = static_cast<uint8_t>(x >> (8 * i));
}

// Every error names the file and a record; the counters agree with the reports.
void expect_well_reported(const ReadResult& r, const std::string& name) {
  EXPECT_TRUE(r.ended) << name << ": reader did not finish";
  EXPECT_EQ(r.last, ReadStatus::kEnd) << name;
  for (const auto& e : r.errors) {
    EXPECT_EQ(e.code, core::ErrorCode::kFormat) << e.message();
    EXPECT_TRUE(starts_with(e.where, name + ":record ")) << e.where;
    EXPECT_FALSE(e.what.empty());
  }
  EXPECT_GE(r.errors.size(), r.stats.bad_records);
  EXPECT_EQ(r.stats.records, r.packets.size());
}

// The Aria capture as pcapng, one EPB per packet (nanosecond interface).
struct PcapngCopy {
  std::vector<uint8_t> bytes;
  std::vector<size_t> packet_blocks;  // offsets of the EPBs
};

PcapngCopy aria_as_pcapng() {
  const auto original = must_read(read_all_file(kAria));
  PcapngWriter w;
  w.section().interface({kLinkEthernet, 0, uint8_t{9}, 0});
  PcapngCopy copy;
  for (auto p : original.packets) {
    p.interface = 0;
    w.enhanced(p);
    copy.packet_blocks.push_back(w.block_offsets().back());
  }
  copy.bytes = w.bytes();
  return copy;
}

// ---- (a) truncation ------------------------------------------------------------------

TEST(CaptureTruncation, EveryRecordBoundaryAndInsideEveryRecord) {
  const auto file = testing::read_file(kAria);
  const auto full = must_read(read_all_file(kAria));
  ASSERT_EQ(full.packets.size(), kAriaPackets);
  const auto offsets = testing::pcap_record_offsets(file);
  ASSERT_EQ(offsets.size(), kAriaPackets);
  const std::string path = temp_path("truncated.pcap");
  size_t cases = 0;
  for (size_t i = 0; i < offsets.size(); ++i) {
    const size_t caplen = full.packets[i].data.size();
    for (size_t extra :
         {size_t{0}, size_t{1}, size_t{8}, size_t{15}, size_t{16}, size_t{17}, 16 + caplen / 2, 16 + caplen - 1}) {
      const size_t cut = offsets[i] + extra;
      if (cut >= file.size()) continue;
      SCOPED_TRACE("cut at " + std::to_string(cut));
      write_file(path, std::vector<uint8_t>(file.begin(), file.begin() + static_cast<long>(cut)));
      const auto r = must_read(read_all_file(path));
      expect_well_reported(r, path);
      ASSERT_EQ(r.packets.size(), i);  // every complete record, nothing more
      for (size_t k = 0; k < i; ++k) ASSERT_EQ(r.packets[k].data, full.packets[k].data);
      if (extra == 0) {
        EXPECT_TRUE(r.errors.empty());
      } else {
        ASSERT_EQ(r.errors.size(), 1u);
        EXPECT_EQ(r.errors[0].where, path + ":record " + std::to_string(i + 1));
        EXPECT_NE(r.errors[0].what.find("truncated"), std::string::npos) << r.errors[0].what;
      }
      ++cases;
    }
  }
  EXPECT_GT(cases, 6 * kAriaPackets);
}

TEST(CaptureTruncation, TruncatedRecordNamesItsLengths) {
  auto file = testing::read_file(kAria);
  const auto offsets = testing::pcap_record_offsets(file);
  const size_t last = offsets.back();
  const uint32_t caplen = load_le32(file, last + 8);
  file.resize(last + 16 + 10);
  const auto r = must_read(read_all_buffer(file, "cut.pcap"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where, "cut.pcap:record 49");
  EXPECT_EQ(r.errors[0].what, "record truncated: header says " + std::to_string(caplen) + " bytes, 10 left in file");
}

TEST(CaptureTruncation, PcapngAtEveryBlockBoundary) {
  const auto copy = aria_as_pcapng();
  const auto& file = copy.bytes;
  // The section header, the interface description right after it, then one EPB per packet.
  std::vector<size_t> blocks = {0, load_le32(file, 4)};
  blocks.insert(blocks.end(), copy.packet_blocks.begin(), copy.packet_blocks.end());
  for (size_t b = 0; b < blocks.size(); ++b) {
    const size_t block_len = load_le32(file, blocks[b] + 4);
    for (size_t extra :
         {size_t{0}, size_t{1}, size_t{4}, size_t{11}, size_t{12}, size_t{13}, block_len / 2, block_len - 4}) {
      const size_t cut = blocks[b] + extra;
      if (cut >= file.size() || cut == 0) continue;
      SCOPED_TRACE("cut at " + std::to_string(cut));
      const std::vector<uint8_t> part(file.begin(), file.begin() + static_cast<long>(cut));
      auto r = read_all_buffer(part, "cut.pcapng");
      if (b == 0) {  // the section header itself: open must fail cleanly
        EXPECT_FALSE(r.ok());
        continue;
      }
      const auto got = must_read(r);
      expect_well_reported(got, "cut.pcapng");
      const size_t complete_packets = b >= 2 ? b - 2 : 0;
      ASSERT_EQ(got.packets.size(), complete_packets);
      EXPECT_EQ(got.errors.size(), extra == 0 ? 0u : 1u);
    }
  }
}

// ---- (b) seeded random damage ---------------------------------------------------------

// Flips 1..16 bytes, half of them inside record headers, where damage matters most.
std::vector<uint8_t> damaged(const std::vector<uint8_t>& file, const std::vector<size_t>& headers, size_t header_size,
                             std::mt19937& rng) {
  std::vector<uint8_t> out = file;
  const int flips = std::uniform_int_distribution<int>(1, 16)(rng);
  for (int i = 0; i < flips; ++i) {
    size_t at = 0;
    if (i % 2 == 0 && !headers.empty()) {
      at = headers[std::uniform_int_distribution<size_t>(0, headers.size() - 1)(rng)] +
           std::uniform_int_distribution<size_t>(0, header_size - 1)(rng);
    } else {
      at = std::uniform_int_distribution<size_t>(0, out.size() - 1)(rng);
    }
    out[at] ^= static_cast<uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng));
  }
  return out;
}

void fuzz_variants(const std::vector<uint8_t>& file, const std::vector<size_t>& headers, size_t header_size,
                   uint32_t seed, const std::string& name) {
  std::mt19937 rng(seed);
  size_t opened = 0;
  for (int v = 0; v < 200; ++v) {
    SCOPED_TRACE(name + " variant " + std::to_string(v));
    const auto bytes = damaged(file, headers, header_size, rng);
    SourceOptions opts;
    if (v % 10 == 0) opts.bpf = "tcp or udp";  // filters run over damaged packets too
    if (v % 7 == 0) opts.max_record = 1024;
    auto r = read_all_buffer(bytes, name, opts);
    if (!r.ok()) {
      EXPECT_EQ(r.error().where, r.error().where == "--bpf" ? "--bpf" : name) << r.error().message();
      continue;
    }
    ++opened;
    expect_well_reported(r.value(), name);
    EXPECT_LE(r->packets.size(), bytes.size() / 16);
    for (const auto& p : r->packets) ASSERT_LE(p.data.size(), opts.max_record);
  }
  EXPECT_GT(opened, 150u);  // most flips leave the magic alone
}

TEST(CaptureRandomDamage, ClassicPcap200Variants) {
  const auto file = testing::read_file(kAria);
  fuzz_variants(file, testing::pcap_record_offsets(file), 16, 20240601, "flipped.pcap");
}

TEST(CaptureRandomDamage, Pcapng200Variants) {
  const auto copy = aria_as_pcapng();
  std::vector<size_t> headers = copy.packet_blocks;
  headers.push_back(0);                         // the section header
  headers.push_back(load_le32(copy.bytes, 4));  // the interface description
  fuzz_variants(copy.bytes, headers, 28, 20240602, "flipped.pcapng");
}

// ---- (c) lying record lengths ----------------------------------------------------------

// Sets record k's caplen and checks that exactly that record is lost.
void expect_only_record_lost(const std::string& source, const std::string& tag, size_t k, uint32_t caplen) {
  const auto file = testing::read_file(source);
  const auto full = must_read(read_all_file(source));
  const auto offsets = testing::pcap_record_offsets(file);
  ASSERT_LE(k, offsets.size());
  auto bad = file;
  store_le32(bad, offsets[k - 1] + 8, caplen);
  const std::string path = temp_path(tag + "-" + std::to_string(k) + ".pcap");
  write_file(path, bad);
  SCOPED_TRACE(path + " caplen " + std::to_string(caplen));

  const auto r = must_read(read_all_file(path));
  expect_well_reported(r, path);
  ASSERT_EQ(r.packets.size(), full.packets.size() - 1);
  EXPECT_EQ(r.stats.bad_records, 1u);
  EXPECT_EQ(r.stats.resyncs, 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where, path + ":record " + std::to_string(k));
  for (size_t i = 0, j = 0; i < full.packets.size(); ++i) {
    if (i == k - 1) continue;
    ASSERT_EQ(r.packets[j].data, full.packets[i].data) << "record " << i + 1;
    ASSERT_EQ(r.packets[j].ts, full.packets[i].ts) << "record " << i + 1;
    ++j;
  }
}

TEST(CaptureLyingLength, HugeCaplenIsSkippedAndReadingGoesOn) {
  for (size_t k : {size_t{1}, size_t{2}, size_t{25}, kAriaPackets - 1, kAriaPackets}) {
    expect_only_record_lost(kAria, "huge", k, 0xFFFFFFF0u);
  }
}

TEST(CaptureLyingLength, SnaplenPlusOne) {
  // Aria's snaplen is 262144 (so +1 is also above max_record); the DDoS capture's is 65535.
  for (size_t k : {size_t{1}, size_t{30}, kAriaPackets}) expect_only_record_lost(kAria, "snap", k, 262145);
  for (size_t k : {size_t{1}, size_t{1000}, size_t{37841}}) expect_only_record_lost(kSynflood, "ddos-snap", k, 65536);
}

TEST(CaptureLyingLength, CaplenJustAboveSmallSnaplen) {
  // Snapped capture: 128 of 1000 bytes kept. One record claims 129.
  std::mt19937 rng(7);
  std::vector<TestPacket> packets;
  for (int i = 0; i < 40; ++i) {
    std::vector<uint8_t> data(128);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    packets.push_back({1465478143LL * core::kNsPerSec + i * 1'000'000LL, data, 1000, 0});
  }
  testing::PcapFormat format;
  format.snaplen = 128;
  auto file = testing::write_pcap(packets, format);
  store_le32(file, 24 + 10 * (16 + 128) + 8, 129);  // record 11
  const auto r = must_read(read_all_buffer(file, "snapped.pcap"));
  expect_well_reported(r, "snapped.pcap");
  ASSERT_EQ(r.packets.size(), packets.size() - 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where, "snapped.pcap:record 11");
  EXPECT_NE(r.errors[0].what.find("snaplen 128"), std::string::npos) << r.errors[0].what;
  EXPECT_EQ(r.packets[10].data, packets[11].data);
}

TEST(CaptureLyingLength, CaplenAboveSnaplenButFollowedByARecordIsKept) {
  // Some writers put a too-small snaplen in the header; libpcap reads such files.
  std::vector<TestPacket> packets;
  for (int i = 0; i < 5; ++i)
    packets.push_back({1465478143LL * core::kNsPerSec + i, std::vector<uint8_t>(200, 1), 0, 0});
  testing::PcapFormat format;
  format.snaplen = 100;
  const auto r = must_read(read_all_buffer(testing::write_pcap(packets, format), "small-snaplen.pcap"));
  EXPECT_EQ(r.packets.size(), 5u);
  EXPECT_TRUE(r.errors.empty());
}

TEST(CaptureLyingLength, CaplenTooSmallLosesLittle) {
  const auto file = testing::read_file(kAria);
  const auto full = must_read(read_all_file(kAria));
  const auto offsets = testing::pcap_record_offsets(file);
  auto bad = file;
  store_le32(bad, offsets[19] + 8, 10);  // record 20 claims 10 bytes
  const auto r = must_read(read_all_buffer(bad, "short.pcap"));
  expect_well_reported(r, "short.pcap");
  EXPECT_GE(r.packets.size(), kAriaPackets - 2);
  EXPECT_EQ(r.packets.back().data, full.packets.back().data);
}

TEST(CaptureLyingLength, BigButPlausibleLengthDoesNotSwallowTheNextRecords) {
  // caplen and wirelen both raised by 2000: within every limit, so only the impossible
  // header where the next record should start gives the lie away.
  const auto file = testing::read_file(kAria);
  const auto full = must_read(read_all_file(kAria));
  const auto offsets = testing::pcap_record_offsets(file);
  for (size_t k : {size_t{1}, size_t{10}, size_t{30}}) {
    SCOPED_TRACE(k);
    auto bad = file;
    store_le32(bad, offsets[k - 1] + 8, load_le32(file, offsets[k - 1] + 8) + 2000);
    store_le32(bad, offsets[k - 1] + 12, load_le32(file, offsets[k - 1] + 12) + 2000);
    const auto r = must_read(read_all_buffer(bad, "swallow.pcap"));
    expect_well_reported(r, "swallow.pcap");
    ASSERT_EQ(r.packets.size(), kAriaPackets - 1);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].where, "swallow.pcap:record " + std::to_string(k));
    EXPECT_EQ(r.packets[k - 1].data, full.packets[k].data);
  }
}

TEST(CaptureLyingTime, DamagedSecondsLoseOnlyThatRecord) {
  const auto file = testing::read_file(kAria);
  const auto offsets = testing::pcap_record_offsets(file);
  auto bad = file;
  bad[offsets[19] + 3] ^= 0x40;  // record 20 jumps ~34 years
  const auto r = must_read(read_all_buffer(bad, "time.pcap"));
  expect_well_reported(r, "time.pcap");
  EXPECT_EQ(r.packets.size(), kAriaPackets - 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where, "time.pcap:record 20");
}

TEST(CaptureLyingTime, ARealClockStepIsKept) {
  // Every record from the 20th on is two days later: consistent, so nothing is lost.
  const auto file = testing::read_file(kAria);
  const auto offsets = testing::pcap_record_offsets(file);
  auto stepped = file;
  for (size_t i = 19; i < offsets.size(); ++i) {
    store_le32(stepped, offsets[i], load_le32(file, offsets[i]) + 2 * 86400);
  }
  const auto r = must_read(read_all_buffer(stepped, "step.pcap"));
  EXPECT_EQ(r.packets.size(), kAriaPackets);
  EXPECT_TRUE(r.errors.empty());
}

TEST(CaptureLyingLength, PcapngBlockLengths) {
  const auto copy = aria_as_pcapng();
  const auto full = must_read(read_all_buffer(copy.bytes, "ok.pcapng"));
  ASSERT_EQ(full.packets.size(), kAriaPackets);
  for (size_t k : {size_t{1}, size_t{20}, kAriaPackets}) {
    const size_t at = copy.packet_blocks[k - 1];
    const uint32_t len = load_le32(copy.bytes, at + 4);
    for (uint32_t lie : {0xFFFFFFF0u, len + 4, len + 1, 8u, 0u}) {
      SCOPED_TRACE("block " + std::to_string(k) + " length " + std::to_string(lie));
      auto bad = copy.bytes;
      store_le32(bad, at + 4, lie);
      const auto r = must_read(read_all_buffer(bad, "lying.pcapng"));
      expect_well_reported(r, "lying.pcapng");
      ASSERT_EQ(r.packets.size(), kAriaPackets - 1);
      EXPECT_EQ(r.stats.bad_records, 1u);
      EXPECT_EQ(r.stats.resyncs, 1u);
      ASSERT_EQ(r.errors.size(), 1u);
      EXPECT_EQ(r.errors[0].where, "lying.pcapng:record " + std::to_string(k));
      EXPECT_EQ(r.packets.back().data, full.packets[k == kAriaPackets ? k - 2 : kAriaPackets - 1].data);
    }
    // A captured length beyond the block: the frame is intact, so only this packet goes.
    auto bad = copy.bytes;
    store_le32(bad, at + 20, 0xFFFFFFF0u);
    const auto r = must_read(read_all_buffer(bad, "caplen.pcapng"));
    ASSERT_EQ(r.packets.size(), kAriaPackets - 1);
    EXPECT_EQ(r.stats.resyncs, 0u);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].where, "caplen.pcapng:record " + std::to_string(k));
  }
}

TEST(CaptureGarbage, AllZeroAndAllOnesBodies) {
  for (uint8_t fill : {uint8_t{0x00}, uint8_t{0xff}}) {
    auto pcap = testing::write_pcap({});
    pcap.resize(64 * 1024, fill);
    const auto r = must_read(read_all_buffer(pcap, "fill.pcap"));
    expect_well_reported(r, "fill.pcap");

    PcapngWriter w;
    w.section().interface({kLinkEthernet, 0, std::nullopt, 0});
    auto ng = w.bytes();
    ng.resize(64 * 1024, fill);
    const auto g = must_read(read_all_buffer(ng, "fill.pcapng"));
    expect_well_reported(g, "fill.pcapng");
    EXPECT_TRUE(g.packets.empty());
  }
}

}  // namespace
}  // namespace sekisho::capture
