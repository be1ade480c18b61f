// Builds the benchmark captures from real ones (see bench/README.md):
//   make_bench_pcap merge OUT.pcap MIN_PACKETS IN.pcap...
//       Repeats the input captures, each copy with shifted IPv4/IPv6 addresses and MACs
//       (OUIs kept) and later timestamps, until at least MIN_PACKETS: real traffic mixes,
//       many devices, flows that do not collapse into each other.
//   make_bench_pcap flows OUT.pcap N
//       N concurrent TCP flows (SYN, SYN-ACK, ACK each, none closed) between distinct
//       addresses within a minute: a memory test at N live flows.
//   make_bench_pcap flood OUT.pcap COPIES FLOOD.pcap DEVICE.pcap...
//       The spoofed SYN flood repeated COPIES times with new source addresses, with the
//       device captures interleaved, to show that the flow cap holds and devices stay.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "capture/packet_source.h"

namespace {

struct Writer {
  FILE* f = nullptr;
  uint64_t packets = 0;
  bool open(const char* path) {
    f = std::fopen(path, "wb");
    if (!f) return false;
    std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    const uint32_t hdr[6] = {0xa1b23c4d, 0x00040002, 0, 0, 262144, 1};  // nanosecond pcap, Ethernet
    return std::fwrite(hdr, sizeof hdr, 1, f) == 1;
  }
  void write(int64_t ts_ns, const uint8_t* data, uint32_t caplen, uint32_t wirelen) {
    const uint32_t rec[4] = {uint32_t(ts_ns / 1000000000), uint32_t(ts_ns % 1000000000), caplen, wirelen};
    std::fwrite(rec, sizeof rec, 1, f);
    std::fwrite(data, 1, caplen, f);
    ++packets;
  }
  bool close() { return std::fclose(f) == 0; }
};

struct Packet {
  int64_t ts;
  uint32_t wirelen;
  std::vector<uint8_t> bytes;
};

bool load(const char* path, std::vector<Packet>& out) {
  sekisho::capture::SourceOptions so;
  auto r = sekisho::capture::open_file(path, so);
  if (!r) {
    std::fprintf(stderr, "make_bench_pcap: %s\n", r.error().message().c_str());
    return false;
  }
  sekisho::capture::RawPacket p;
  while (r.value()->next(p) == sekisho::capture::ReadStatus::kPacket) {
    if (p.linktype != 1) continue;
    out.push_back(Packet{p.ts, p.wirelen, std::vector<uint8_t>(p.data, p.data + p.caplen)});
  }
  return true;
}

// Offsets of the L3 addresses in an Ethernet frame (after VLAN tags), or 0.
void shift_addresses(std::vector<uint8_t>& b, uint32_t k) {
  if (b.size() < 14) return;
  // MACs: keep the OUI (and the group bit), change the NIC-specific bytes 3 and 4.
  for (size_t m : {size_t{0}, size_t{6}}) {
    if (b[m] & 1) continue;  // multicast / broadcast stays
    b[m + 3] ^= uint8_t(k >> 8);
    b[m + 4] ^= uint8_t(k);
  }
  size_t off = 12;
  uint16_t type = uint16_t(b[off] << 8 | b[off + 1]);
  while ((type == 0x8100 || type == 0x88a8) && b.size() >= off + 6) {
    off += 4;
    type = uint16_t(b[off] << 8 | b[off + 1]);
  }
  off += 2;
  if (type == 0x0800 && b.size() >= off + 20) {
    for (size_t a : {off + 12, off + 16}) {
      if (b[a] >= 224) continue;  // multicast / broadcast stays
      b[a + 1] ^= uint8_t(k >> 8);
      b[a + 2] ^= uint8_t(k);
    }
  } else if (type == 0x86dd && b.size() >= off + 40) {
    for (size_t a : {off + 8, off + 24}) {
      if (b[a] == 0xff) continue;
      b[a + 12] ^= uint8_t(k >> 8);
      b[a + 13] ^= uint8_t(k);
    }
  } else if (type == 0x0806 && b.size() >= off + 28) {
    for (size_t a : {off + 14, off + 24}) {
      b[a + 1] ^= uint8_t(k >> 8);
      b[a + 2] ^= uint8_t(k);
    }
  }
}

int merge(int argc, char** argv) {
  if (argc < 5) return 2;
  uint64_t min_packets = std::strtoull(argv[3], nullptr, 10);
  std::vector<Packet> base;
  for (int i = 4; i < argc; ++i)
    if (!load(argv[i], base)) return 3;
  if (base.empty()) return 3;
  // Lay the inputs end to end in one timeline, 1 ms apart, keeping each file's own gaps.
  int64_t t = 1500000000LL * 1000000000LL;
  int64_t prev_src = base[0].ts;
  for (auto& p : base) {
    int64_t gap = p.ts - prev_src;
    if (gap < 0 || gap > 10LL * 1000000000LL) gap = 1000000;
    prev_src = p.ts;
    t += gap;
    p.ts = t;
  }
  const int64_t span = base.back().ts - base.front().ts + 1000000000LL;
  Writer w;
  if (!w.open(argv[2])) return 3;
  for (uint32_t k = 0; w.packets < min_packets; ++k) {
    for (const auto& p : base) {
      std::vector<uint8_t> b = p.bytes;
      if (k) shift_addresses(b, k);
      // Copies overlap in time (each starts 1/8 of a span after the last), as devices on a
      // real LAN do, so many flows are live at once.
      w.write(p.ts + int64_t(k) * (span / 8), b.data(), uint32_t(b.size()), p.wirelen);
    }
  }
  std::fprintf(stderr, "make_bench_pcap: %llu packets from %zu base packets\n", (unsigned long long)w.packets,
               base.size());
  return w.close() ? 0 : 3;
}

void put_eth_ipv4_tcp(uint8_t* b, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, uint8_t flags) {
  static const uint8_t macs[12] = {0x00, 0x17, 0x88, 0x01, 0x02, 0x03, 0x50, 0xc7, 0xbf, 0x00, 0xfc, 0xa3};
  std::memcpy(b, macs, 12);
  b[12] = 0x08;
  b[13] = 0x00;
  uint8_t* ip = b + 14;
  std::memset(ip, 0, 40);
  ip[0] = 0x45;
  ip[3] = 40;
  ip[8] = 64;
  ip[9] = 6;
  for (int i = 0; i < 4; ++i) {
    ip[12 + i] = uint8_t(sip >> (24 - 8 * i));
    ip[16 + i] = uint8_t(dip >> (24 - 8 * i));
  }
  uint8_t* tcp = ip + 20;
  tcp[0] = uint8_t(sp >> 8);
  tcp[1] = uint8_t(sp);
  tcp[2] = uint8_t(dp >> 8);
  tcp[3] = uint8_t(dp);
  tcp[12] = 0x50;
  tcp[13] = flags;
}

int flows(int argc, char** argv) {
  if (argc != 4) return 2;
  uint64_t n = std::strtoull(argv[3], nullptr, 10);
  Writer w;
  if (!w.open(argv[2])) return 3;
  uint8_t b[54];
  int64_t t = 1500000000LL * 1000000000LL;
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t client = 0x0a000000u | uint32_t(i & 0xffffff);                // 10.x.y.z
    uint32_t server = 0xc6120000u | uint32_t((i * 2654435761u) & 0xffff);  // 198.18.0.0/16 (benchmarking range)
    uint16_t sp = uint16_t(1024 + (i % 60000));
    t += 20000;  // 1M flows in 20 s: all live at once (timeouts are 30 s and more)
    put_eth_ipv4_tcp(b, client, server, sp, 443, 0x02);
    w.write(t, b, 54, 60);
    put_eth_ipv4_tcp(b, server, client, 443, sp, 0x12);
    std::swap_ranges(b, b + 6, b + 6);
    w.write(t + 1000, b, 54, 60);
    put_eth_ipv4_tcp(b, client, server, sp, 443, 0x10);
    w.write(t + 2000, b, 54, 60);
  }
  return w.close() ? 0 : 3;
}

int flood(int argc, char** argv) {
  if (argc < 5) return 2;
  uint32_t copies = uint32_t(std::strtoul(argv[3], nullptr, 10));
  std::vector<Packet> attack, devices;
  if (!load(argv[4], attack)) return 3;
  for (int i = 5; i < argc; ++i)
    if (!load(argv[i], devices)) return 3;
  Writer w;
  if (!w.open(argv[2])) return 3;
  int64_t t = 1500000000LL * 1000000000LL;
  size_t dev_i = 0;
  const size_t every = devices.empty() ? 0 : std::max<size_t>(1, attack.size() * copies / devices.size());
  uint64_t n = 0;
  for (uint32_t k = 0; k < copies; ++k) {
    for (const auto& p : attack) {
      std::vector<uint8_t> b = p.bytes;
      // New spoofed sources per copy: change the source address only.
      if (b.size() >= 34 && b[12] == 0x08 && b[13] == 0x00) {
        b[26] ^= uint8_t(k >> 8);
        b[27] ^= uint8_t(k);
      }
      t += 2000;  // 500k packets/s
      w.write(t, b.data(), uint32_t(b.size()), p.wirelen);
      if (every && ++n % every == 0 && dev_i < devices.size()) {
        const auto& d = devices[dev_i++];
        w.write(t + 1, d.bytes.data(), uint32_t(d.bytes.size()), d.wirelen);
      }
    }
  }
  while (dev_i < devices.size()) {
    const auto& d = devices[dev_i++];
    t += 1000;
    w.write(t, d.bytes.data(), uint32_t(d.bytes.size()), d.wirelen);
  }
  return w.close() ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  int rc = 2;
  if (argc >= 2 && std::strcmp(argv[1], "merge") == 0)
    rc = merge(argc, argv);
  else if (argc >= 2 && std::strcmp(argv[1], "flows") == 0)
    rc = flows(argc, argv);
  else if (argc >= 2 && std::strcmp(argv[1], "flood") == 0)
    rc = flood(argc, argv);
  if (rc == 2) std::fprintf(stderr, "usage: make_bench_pcap merge|flows|flood ... (see the source header)\n");
  return rc;
}
