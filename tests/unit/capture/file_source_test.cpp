// File sources: every format, byte order and resolution round-trips; real captures read
// the same as libpcap; BPF; open errors; streams. The live source's checks are at the end
// (the unit_capture source list is fixed); those that need capture rights skip without.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <thread>

#include "capture/bpf_filter.h"
#include "capture/packet_source.h"
#include "pcap_writer.h"

namespace sekisho::capture {
namespace {

using testing::ByteOrder;
using testing::PcapFormat;
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
const std::string kReflection = shared_data("pcap/ddos/amp.TCP.reflection.SYNACK.pcap");
// `tcpdump -nr FILE 2>/dev/null | wc -l` (tcpdump 4.99.3, libpcap 1.10.3), counted once.
constexpr size_t kAriaPackets = 49;
constexpr size_t kSynfloodPackets = 37841;
constexpr size_t kReflectionPackets = 8000;
// `tcpdump -nr Aria/Setup-A-1-STA.pcap 'udp port 53' | wc -l`
constexpr size_t kAriaDnsPackets = 2;

constexpr core::TimeNs kT0 = 1465478143LL * core::kNsPerSec;  // the Aria capture's day

std::vector<uint8_t> bytes_of(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

std::vector<TestPacket> sample_packets() {
  return {
      {kT0 + 123'456'789, bytes_of(60, 1), 0, 0},
      {kT0 + 1'000'000'001, bytes_of(1514, 2), 0, 0},
      {kT0 + 2'999'999'999, {}, 0, 0},                  // empty record
      {kT0 + 3'000'000'000, bytes_of(96, 3), 9000, 0},  // snapped: wire 9000, 96 captured
  };
}

core::TimeNs to_micros(core::TimeNs t) { return t - t % 1000; }

ReadResult must_read(const core::Result<ReadResult>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? r.value() : ReadResult{};
}

// ---- classic pcap --------------------------------------------------------------------

struct PcapCase {
  ByteOrder order;
  bool nanos;
};

class CaptureClassicRoundTrip : public ::testing::TestWithParam<PcapCase> {};

TEST_P(CaptureClassicRoundTrip, TimestampsBytesAndLengths) {
  const auto packets = sample_packets();
  PcapFormat format;
  format.order = GetParam().order;
  format.nanos = GetParam().nanos;
  format.linktype = kLinkLinuxSll;
  const auto file = testing::write_pcap(packets, format);
  const std::string path = temp_path("roundtrip.pcap");
  write_file(path, file);

  for (const ReadResult& r : {must_read(read_all_file(path)), must_read(read_all_buffer(file, "mem"))}) {
    ASSERT_TRUE(r.ended);
    EXPECT_EQ(r.last, ReadStatus::kEnd);
    EXPECT_TRUE(r.errors.empty());
    ASSERT_EQ(r.packets.size(), packets.size());
    for (size_t i = 0; i < packets.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(r.packets[i].ts, format.nanos ? packets[i].ts : to_micros(packets[i].ts));
      EXPECT_EQ(r.packets[i].data, packets[i].data);
      EXPECT_EQ(r.packets[i].wirelen, packets[i].wirelen ? packets[i].wirelen : packets[i].data.size());
      EXPECT_EQ(r.packets[i].interface, kLinkLinuxSll);  // link type
      EXPECT_EQ(r.records[i], i + 1);
    }
    EXPECT_EQ(r.stats.records, packets.size());
    EXPECT_EQ(r.stats.bytes, 60u + 1514u + 0u + 96u);
    EXPECT_EQ(r.stats.bad_records, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, CaptureClassicRoundTrip,
                         ::testing::Values(PcapCase{ByteOrder::kLittle, false}, PcapCase{ByteOrder::kBig, false},
                                           PcapCase{ByteOrder::kLittle, true}, PcapCase{ByteOrder::kBig, true}),
                         [](const auto& info) {
                           return std::string(info.param.order == ByteOrder::kLittle ? "Little" : "Big") +
                                  (info.param.nanos ? "Nanos" : "Micros");
                         });

TEST(CaptureClassicPcap, SecondsAbove2038AreUnsigned) {
  const core::TimeNs late = 0xFFFFFFF0LL * core::kNsPerSec + 999'999'000;
  const auto file = testing::write_pcap({{late, bytes_of(20, 9), 0, 0}});
  const auto r = must_read(read_all_buffer(file, "late"));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].ts, late);
}

TEST(CaptureClassicPcap, HeaderOnlyIsAnEmptyCapture) {
  const auto r = must_read(read_all_buffer(testing::write_pcap({}), "empty-capture"));
  EXPECT_TRUE(r.ended);
  EXPECT_EQ(r.last, ReadStatus::kEnd);
  EXPECT_TRUE(r.packets.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(CaptureClassicPcap, ModifiedFormatWithLongerRecordHeaders) {
  // Kuznetzov's patched libpcap: magic 0xa1b2cd34, 8 more bytes per record header.
  auto file = testing::write_pcap({});
  file[0] = 0x34;
  file[1] = 0xcd;
  const auto payload = bytes_of(42, 5);
  const uint32_t fields[] = {1465478143u, 250'000u, 42u, 42u};
  for (uint32_t f : fields) {
    for (int i = 0; i < 4; ++i) file.push_back(static_cast<uint8_t>(f >> (8 * i)));
  }
  file.insert(file.end(), 8, 0);  // ifindex, protocol, pkt_type, pad
  file.insert(file.end(), payload.begin(), payload.end());
  const auto r = must_read(read_all_buffer(file, "modified"));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].ts, kT0 + 250'000'000);
  EXPECT_EQ(r.packets[0].data, payload);
}

// ---- real captures -------------------------------------------------------------------

void expect_same_as_libpcap(const std::string& path, size_t expected_count, const SourceOptions& opts = {}) {
  SCOPED_TRACE(path);
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  ASSERT_NE(p, nullptr) << errbuf;
  auto opened = open_file(path, opts);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  PacketSource& source = **opened;
  EXPECT_EQ(source.name(), path);
  size_t n = 0;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  RawPacket ours;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ASSERT_EQ(source.next(ours), ReadStatus::kPacket) << "packet " << n + 1;
    ++n;
    ASSERT_EQ(ours.ts, h->ts.tv_sec * core::kNsPerSec + h->ts.tv_usec) << "packet " << n;
    ASSERT_EQ(ours.caplen, h->caplen) << "packet " << n;
    ASSERT_EQ(ours.wirelen, h->len) << "packet " << n;
    ASSERT_EQ(0, std::memcmp(ours.data, data, h->caplen)) << "packet " << n;
    ASSERT_EQ(ours.record, n);
    ASSERT_EQ(ours.linktype, kLinkEthernet);
  }
  pcap_close(p);
  EXPECT_EQ(source.next(ours), ReadStatus::kEnd);
  EXPECT_EQ(source.next(ours), ReadStatus::kEnd);  // and stays there
  EXPECT_EQ(n, expected_count);
  EXPECT_EQ(source.stats().records, expected_count);
  EXPECT_EQ(source.stats().bad_records, 0u);
}

TEST(CaptureReal, AriaMatchesTcpdumpCountAndLibpcapBytes) { expect_same_as_libpcap(kAria, kAriaPackets); }
TEST(CaptureReal, SynfloodMatchesLibpcap) { expect_same_as_libpcap(kSynflood, kSynfloodPackets); }
TEST(CaptureReal, ReflectionMatchesLibpcap) { expect_same_as_libpcap(kReflection, kReflectionPackets); }
// The pager thread (mapping ahead, releasing behind) on from the first byte, and off.
TEST(CaptureReal, SameBytesWithThePagerOnAndOff) {
  SourceOptions pager;
  pager.pager_min_bytes = 1;
  expect_same_as_libpcap(kSynflood, kSynfloodPackets, pager);
  SourceOptions none;
  none.pager_min_bytes = 0;
  expect_same_as_libpcap(kSynflood, kSynfloodPackets, none);
}
size_t resident_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * size_t(sysconf(_SC_PAGESIZE)) / 1024 : 0;
}

// A file past the pager threshold (the real flood, 26 times over: 75 MB): every record read,
// and the pages behind the reader handed back, so the resident set does not grow with it.
TEST(CaptureReal, LargeFilePagedInAndHandedBack) {
  std::ifstream in(kSynflood, std::ios::binary);
  std::string one((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(one.size(), 24u);
  const std::string path = temp_path("large.pcap");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(one.data(), std::streamsize(one.size()));
    for (int i = 1; i < 26; ++i) out.write(one.data() + 24, std::streamsize(one.size() - 24));
  }
  const size_t before = resident_kib();
  size_t peak = before;
  auto opened = open_file(path, {});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  RawPacket p;
  size_t n = 0;
  uint64_t bytes = 0;
  while ((*opened)->next(p) == ReadStatus::kPacket) {
    ++n;
    bytes += p.caplen;
    if (n % 50000 == 0) peak = std::max(peak, resident_kib());
  }
  EXPECT_EQ(n, 26 * kSynfloodPackets);
  EXPECT_EQ((*opened)->stats().bad_records, 0u);
  EXPECT_LT(peak - before, size_t{40} << 10) << "the resident set grew with the file";
  opened->reset();
  std::remove(path.c_str());
}

// A reader that stops early: the pager thread is stopped and joined with the source.
TEST(CaptureReal, PagerStopsWithAnUnfinishedSource) {
  SourceOptions pager;
  pager.pager_min_bytes = 1;
  for (int i = 0; i < 20; ++i) {
    auto opened = open_file(kSynflood, pager);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    RawPacket p;
    for (int k = 0; k < i * 100; ++k) ASSERT_EQ((*opened)->next(p), ReadStatus::kPacket);
  }
}

TEST(CaptureReal, BpfKeepsOnlyDns) {
  SourceOptions opts;
  opts.bpf = "udp port 53";
  const auto r = must_read(read_all_file(kAria, opts));
  ASSERT_EQ(r.packets.size(), kAriaDnsPackets);
  EXPECT_EQ(r.stats.filtered_out, kAriaPackets - kAriaDnsPackets);
  for (const auto& p : r.packets) {
    ASSERT_GE(p.data.size(), 42u);
    EXPECT_EQ(p.data[12], 0x08);  // IPv4
    EXPECT_EQ(p.data[13], 0x00);
    EXPECT_EQ(p.data[23], 17);  // UDP
    const size_t udp = 14 + (p.data[14] & 0x0f) * 4u;
    const unsigned sport = p.data[udp] << 8 | p.data[udp + 1];
    const unsigned dport = p.data[udp + 2] << 8 | p.data[udp + 3];
    EXPECT_TRUE(sport == 53 || dport == 53);
  }
  EXPECT_LT(r.records.front(), r.records.back());  // record numbers are the file's, not the kept ones'
}

TEST(CaptureBpf, InvalidExpressionNamesTheOption) {
  SourceOptions opts;
  opts.bpf = "udp port";
  auto r = open_file(kAria, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().where, "--bpf");
  EXPECT_FALSE(r.error().what.empty());
}

TEST(CaptureBpf, CompiledFilterMatchesByLinkType) {
  auto eth = BpfFilter::compile("ip", kLinkEthernet, 65535);
  ASSERT_TRUE(eth.ok()) << eth.error().message();
  auto raw = BpfFilter::compile("ip", kLinkRaw, 0);  // LINKTYPE_RAW, not DLT_RAW
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  std::vector<uint8_t> ip(20, 0);
  ip[0] = 0x45;
  RawPacket p;
  p.data = ip.data();
  p.caplen = p.wirelen = static_cast<uint32_t>(ip.size());
  EXPECT_TRUE(raw->matches(p));
  std::vector<uint8_t> frame(34, 0);
  frame[12] = 0x08;
  frame[14] = 0x45;
  p.data = frame.data();
  p.caplen = p.wirelen = static_cast<uint32_t>(frame.size());
  EXPECT_TRUE(eth->matches(p));
  frame[12] = 0x86;  // IPv6 ethertype
  frame[13] = 0xdd;
  EXPECT_FALSE(eth->matches(p));
}

// ---- pcapng --------------------------------------------------------------------------

TEST(CapturePcapng, InterfacesWithTheirOwnLinkTypesAndResolutions) {
  PcapngWriter w;
  w.section()
      .interface({kLinkEthernet, 0, std::nullopt, 0})           // µs by default
      .interface({kLinkRaw, 128, uint8_t{9}, 0})                // ns
      .interface({kLinkLinuxSll, 0, uint8_t{0x80 | 20}, 1000})  // 2^-20 s, 1000 s offset
      .interface({kLinkIpv4, 0, uint8_t{3}, 0});                // ms
  const std::vector<TestPacket> packets = {
      {kT0 + 123'456'000, bytes_of(60, 1), 0, 0},
      {kT0 + 123'456'789, bytes_of(40, 2), 0, 1},
      // 2^-20 s steps: 524288/2^20 = 0.5 s exactly
      {kT0 + 500'000'000, bytes_of(70, 3), 1500, 2},
      {kT0 + 7'000'000'000, bytes_of(28, 4), 0, 3},
      {kT0 + 8'000'000'001, bytes_of(41, 5), 0, 1},
  };
  for (const auto& p : packets) w.enhanced(p);
  const auto r = must_read(read_all_buffer(w.bytes(), "multi.pcapng"));
  EXPECT_TRUE(r.errors.empty()) << r.errors.front().message();
  ASSERT_EQ(r.packets.size(), packets.size());
  const uint16_t linktypes[] = {kLinkEthernet, kLinkRaw, kLinkLinuxSll, kLinkIpv4, kLinkRaw};
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r.packets[i].ts, packets[i].ts);
    EXPECT_EQ(r.packets[i].data, packets[i].data);
    EXPECT_EQ(r.packets[i].interface, linktypes[i]);
    EXPECT_EQ(r.records[i], i + 1);
  }
  EXPECT_EQ(r.packets[2].wirelen, 1500u);
}

TEST(CapturePcapng, SectionsInBothByteOrdersResetInterfaces) {
  PcapngWriter w;
  w.section(ByteOrder::kLittle).interface({kLinkEthernet, 0, uint8_t{9}, 0});
  w.enhanced({kT0 + 1, bytes_of(60, 1), 0, 0});
  w.section(ByteOrder::kBig).interface({kLinkRaw, 0, std::nullopt, 0});
  w.enhanced({kT0 + 5'000'000'000, bytes_of(40, 2), 0, 0});
  w.section(ByteOrder::kLittle).interface({kLinkIpv6, 0, std::nullopt, 0});
  w.enhanced({kT0 + 9'000'000'000, bytes_of(48, 3), 0, 0});
  const auto r = must_read(read_all_buffer(w.bytes(), "sections.pcapng"));
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_EQ(r.packets[0].ts, kT0 + 1);
  EXPECT_EQ(r.packets[0].interface, kLinkEthernet);
  EXPECT_EQ(r.packets[1].ts, kT0 + 5'000'000'000);
  EXPECT_EQ(r.packets[1].interface, kLinkRaw);
  EXPECT_EQ(r.packets[1].data, bytes_of(40, 2));
  EXPECT_EQ(r.packets[2].interface, kLinkIpv6);
}

TEST(CapturePcapng, BigEndianFileFromTheStart) {
  PcapngWriter w;
  w.section(ByteOrder::kBig).interface({kLinkEthernet, 0, std::nullopt, 0});
  w.enhanced({kT0 + 7'000, bytes_of(33, 1), 0, 0});
  const std::string path = temp_path("big.pcapng");
  write_file(path, w.bytes());
  const auto r = must_read(read_all_file(path));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].ts, kT0 + 7'000);
  EXPECT_EQ(r.packets[0].data, bytes_of(33, 1));
}

TEST(CapturePcapng, SimplePacketBlocksUseInterfaceZeroAndThePreviousTime) {
  PcapngWriter w;
  w.section().interface({kLinkEthernet, 8, std::nullopt, 0});
  w.enhanced({kT0 + 42'000, bytes_of(8, 1), 0, 0});
  w.simple(bytes_of(12, 2));  // longer than snaplen 8: cut to 8
  w.simple(bytes_of(5, 3), 5);
  const auto r = must_read(read_all_buffer(w.bytes(), "spb.pcapng"));
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_EQ(r.packets[1].ts, kT0 + 42'000);
  const auto spb = bytes_of(12, 2);
  EXPECT_EQ(r.packets[1].data, std::vector<uint8_t>(spb.begin(), spb.begin() + 8));
  EXPECT_EQ(r.packets[1].wirelen, 12u);
  EXPECT_EQ(r.packets[2].data, bytes_of(5, 3));
  EXPECT_EQ(r.packets[2].ts, kT0 + 42'000);
}

TEST(CapturePcapng, SimplePacketBlockWithoutInterfaceIsReported) {
  PcapngWriter w;
  w.section();
  w.simple(bytes_of(12, 2));
  w.interface({kLinkEthernet, 0, std::nullopt, 0});
  w.simple(bytes_of(12, 3));
  const auto r = must_read(read_all_buffer(w.bytes(), "spb-first.pcapng"));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.records[0], 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where, "spb-first.pcapng:record 1");
  EXPECT_EQ(r.stats.bad_records, 1u);
}

TEST(CapturePcapng, ObsoletePacketBlocks) {
  PcapngWriter w;
  w.section().interface({kLinkEthernet, 0, std::nullopt, 0}).interface({kLinkRaw, 0, uint8_t{9}, 0});
  w.obsolete_packet({kT0 + 1'000, bytes_of(50, 1), 0, 0});
  w.obsolete_packet({kT0 + 1'001, bytes_of(20, 2), 0, 1});
  const auto r = must_read(read_all_buffer(w.bytes(), "pb.pcapng"));
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].ts, kT0 + 1'000);
  EXPECT_EQ(r.packets[1].ts, kT0 + 1'001);
  EXPECT_EQ(r.packets[1].interface, kLinkRaw);
  EXPECT_EQ(r.packets[1].data, bytes_of(20, 2));
}

TEST(CapturePcapng, OtherBlocksAreSkippedByLength) {
  PcapngWriter w;
  w.section().interface({kLinkEthernet, 0, std::nullopt, 0});
  w.block(4, {1, 0, 4, 0, 10, 0, 0, 1, 'h', 'o', 's', 't', 0, 0, 0, 0});  // name resolution
  w.enhanced({kT0, bytes_of(60, 1), 0, 0});
  w.block(5, std::vector<uint8_t>(12, 0));         // interface statistics
  w.block(0x0BAD, {0x12, 0x34, 0x56, 0x78, 'x'});  // custom
  w.block(0x0A, std::vector<uint8_t>(16, 0xee));   // decryption secrets
  w.block(0x1234, std::vector<uint8_t>(3, 1));     // unknown
  w.enhanced({kT0 + 1, bytes_of(61, 2), 0, 0});
  const auto r = must_read(read_all_buffer(w.bytes(), "other.pcapng"));
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].data, bytes_of(61, 2));
  EXPECT_EQ(r.records[1], 2u);
}

TEST(CapturePcapng, UnknownInterfaceIsReportedAndSkipped) {
  PcapngWriter w;
  w.section().interface({kLinkEthernet, 0, std::nullopt, 0});
  w.enhanced({kT0, bytes_of(60, 1), 0, 0});
  w.enhanced({kT0 + 1'000, bytes_of(60, 2), 0, 7});
  w.enhanced({kT0 + 2'000, bytes_of(60, 3), 0, 0});
  const auto r = must_read(read_all_buffer(w.bytes(), "ifc.pcapng"));
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].data, bytes_of(60, 3));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, core::ErrorCode::kFormat);
  EXPECT_EQ(r.errors[0].where, "ifc.pcapng:record 2");
  EXPECT_NE(r.errors[0].what.find("interface 7"), std::string::npos) << r.errors[0].what;
  EXPECT_EQ(r.stats.bad_records, 1u);
}

TEST(CapturePcapng, BpfPerInterfaceLinkType) {
  std::vector<uint8_t> udp_ip(28, 0);  // IPv4 + UDP header, no Ethernet
  udp_ip[0] = 0x45;
  udp_ip[9] = 17;
  std::vector<uint8_t> udp_eth(14, 0);
  udp_eth[12] = 0x08;
  udp_eth.insert(udp_eth.end(), udp_ip.begin(), udp_ip.end());
  std::vector<uint8_t> tcp_ip = udp_ip;
  tcp_ip[9] = 6;
  PcapngWriter w;
  w.section().interface({kLinkEthernet, 0, std::nullopt, 0}).interface({kLinkRaw, 0, std::nullopt, 0});
  w.enhanced({kT0, udp_eth, 0, 0});
  w.enhanced({kT0 + 1'000, udp_ip, 0, 1});
  w.enhanced({kT0 + 2'000, tcp_ip, 0, 1});
  SourceOptions opts;
  opts.bpf = "udp";
  const auto r = must_read(read_all_buffer(w.bytes(), "bpf.pcapng", opts));
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].interface, kLinkEthernet);
  EXPECT_EQ(r.packets[1].interface, kLinkRaw);
  EXPECT_EQ(r.stats.filtered_out, 1u);
}

TEST(CapturePcapng, EmptySectionIsFine) {
  PcapngWriter w;
  w.section();
  const auto r = must_read(read_all_buffer(w.bytes(), "empty.pcapng"));
  EXPECT_TRUE(r.ended);
  EXPECT_TRUE(r.packets.empty());
  EXPECT_TRUE(r.errors.empty());
}

// ---- open errors ---------------------------------------------------------------------

TEST(CaptureOpenErrors, MissingFile) {
  const std::string path = temp_path("does-not-exist.pcap");
  auto r = open_file(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(r.error().where, path);
}

TEST(CaptureOpenErrors, UnknownMagicNamesFileAndMagic) {
  const std::string path = temp_path("hello.txt");
  write_file(path, {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'});
  auto r = open_file(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kFormat);
  EXPECT_EQ(r.error().where, path);
  EXPECT_EQ(r.error().what, "not a pcap or pcapng file (magic 0x68656c6c)");
}

TEST(CaptureOpenErrors, EmptyAndShortFiles) {
  const std::string empty = temp_path("empty.pcap");
  write_file(empty, {});
  auto r = open_file(empty, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kFormat);
  EXPECT_EQ(r.error().where, empty);
  EXPECT_EQ(r.error().what, "empty file");

  auto header = testing::write_pcap({});
  for (size_t n : {1u, 3u, 4u, 23u}) {
    SCOPED_TRACE(n);
    const std::vector<uint8_t> cut(header.begin(), header.begin() + static_cast<long>(n));
    auto s = open_buffer(cut.data(), cut.size(), "short", {});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, core::ErrorCode::kFormat);
    EXPECT_EQ(s.error().where, "short");
  }
  PcapngWriter w;
  w.section();
  const std::vector<uint8_t> cut(w.bytes().begin(), w.bytes().begin() + 20);
  EXPECT_FALSE(open_buffer(cut.data(), cut.size(), "short.pcapng", {}).ok());
}

TEST(CaptureOpenErrors, Directory) {
  auto r = open_file(std::string(SEKISHO_SHARED_DATA), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, SEKISHO_SHARED_DATA);
}

// ---- streams: stdin and pipes go through libpcap -------------------------------------

// Writes `bytes` into a pipe from a thread; returns the read end.
int pipe_with(const std::vector<uint8_t>& bytes, std::thread& writer) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  writer = std::thread([fd = fds[1], &bytes] {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fd);
  });
  return fds[0];
}

TEST(CaptureStream, PipePathIsReadThroughLibpcap) {
  const auto file = testing::read_file(kAria);
  std::thread writer;
  const int fd = pipe_with(file, writer);
  ASSERT_GE(fd, 0);
  SourceOptions opts;
  opts.bpf = "udp port 53";
  const auto r = must_read(read_all_file("/dev/fd/" + std::to_string(fd), opts));
  writer.join();
  close(fd);
  EXPECT_EQ(r.packets.size(), kAriaDnsPackets);
  EXPECT_EQ(r.stats.filtered_out, kAriaPackets - kAriaDnsPackets);
}

// Runs `body` with fd 0 replaced by `fd`.
template <typename F>
void with_stdin(int fd, F body) {
  const int saved = dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(dup2(fd, STDIN_FILENO), STDIN_FILENO);
  clearerr(stdin);
  body();
  dup2(saved, STDIN_FILENO);
  close(saved);
  clearerr(stdin);
}

TEST(CaptureStream, StdinPipeStreams) {
  PcapngWriter w;  // pcapng through libpcap too
  w.section().interface({kLinkEthernet, 0, uint8_t{9}, 0});
  w.enhanced({kT0 + 17, bytes_of(60, 1), 0, 0});
  w.enhanced({kT0 + 18, bytes_of(61, 2), 0, 0});
  std::thread writer;
  const int fd = pipe_with(w.bytes(), writer);
  ASSERT_GE(fd, 0);
  with_stdin(fd, [&] {
    const auto r = must_read(read_all_file("-"));
    ASSERT_EQ(r.packets.size(), 2u);
    EXPECT_EQ(r.packets[0].ts, kT0 + 17);
    EXPECT_EQ(r.packets[1].data, bytes_of(61, 2));
  });
  writer.join();
  close(fd);
}

TEST(CaptureStream, StdinFromARegularFileIsMapped) {
  const int fd = open(kAria.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  with_stdin(fd, [&] {
    auto source = open_file("-", {});
    ASSERT_TRUE(source.ok()) << source.error().message();
    EXPECT_EQ((*source)->name(), "<stdin>");
    const auto r = testing::drain(**source, nullptr);
    EXPECT_EQ(r.packets.size(), kAriaPackets);
  });
  close(fd);
}

TEST(CaptureStream, TruncatedStreamReportsTheRecord) {
  auto file = testing::read_file(kAria);
  file.erase(file.end() - 10, file.end());
  std::thread writer;
  const int fd = pipe_with(file, writer);
  ASSERT_GE(fd, 0);
  const std::string path = "/dev/fd/" + std::to_string(fd);
  const auto r = must_read(read_all_file(path));
  writer.join();
  close(fd);
  EXPECT_EQ(r.packets.size(), kAriaPackets - 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where, path + ":record " + std::to_string(kAriaPackets));
}

// ---- live (no root needed for these) ---------------------------------------------------

TEST(CaptureLive, UnknownInterfaceIsNamed) {
  auto r = open_live("sekisho-nope0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "sekisho-nope0");
  EXPECT_TRUE(r.error().code == core::ErrorCode::kNotFound || r.error().code == core::ErrorCode::kPermission ||
              r.error().code == core::ErrorCode::kIo)
      << r.error().message();
}

TEST(CaptureLive, InvalidBpfNamesTheOption) {
  SourceOptions opts;
  opts.bpf = "port port";
  auto r = open_live("lo", opts);
  if (!r.ok() && r.error().code == core::ErrorCode::kPermission) GTEST_SKIP() << "no capture permission";
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "--bpf");
}

// Captures a datagram sent to ourselves on loopback; skipped without CAP_NET_RAW.
TEST(CaptureLive, LoopbackSeesOurDatagramAndStops) {
  SourceOptions opts;
  opts.bpf = "udp port 47999";
  opts.timeout_ms = 20;
  auto r = open_live("lo", opts);
  if (!r.ok()) GTEST_SKIP() << r.error().message();
  PacketSource& source = **r;

  const int sock = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(47999);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const char msg[] = "sekisho-live-test";
  ASSERT_GT(sendto(sock, msg, sizeof msg, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 0);
  close(sock);

  RawPacket p;
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    const ReadStatus st = source.next(p);
    ASSERT_NE(st, ReadStatus::kFatal) << source.last_error().message();
    seen = st == ReadStatus::kPacket &&
           std::string_view(reinterpret_cast<const char*>(p.data), p.caplen).find("sekisho-live-test") !=
               std::string_view::npos;
  }
  EXPECT_TRUE(seen);
  EXPECT_GT(p.ts, kT0);
  source.stop();
  EXPECT_EQ(source.next(p), ReadStatus::kEnd);
}

TEST(CaptureLive, StopFromAnotherThreadEndsABlockedRead) {
  SourceOptions opts;
  opts.bpf = "udp port 47998";  // nothing will match
  opts.timeout_ms = 1000;
  auto r = open_live("lo", opts);
  if (!r.ok()) GTEST_SKIP() << r.error().message();
  PacketSource& source = **r;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    source.stop();
  });
  RawPacket p;
  ReadStatus st = ReadStatus::kTimeout;
  for (int i = 0; i < 10 && st == ReadStatus::kTimeout; ++i) st = source.next(p);
  stopper.join();
  EXPECT_EQ(st, ReadStatus::kEnd);
}

}  // namespace
}  // namespace sekisho::capture
