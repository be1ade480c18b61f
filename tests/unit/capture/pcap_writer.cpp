#include "pcap_writer.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace sekisho::capture::testing {

namespace {

void put_order(std::vector<uint8_t>& v, uint64_t x, int bytes, ByteOrder order) {
  for (int i = 0; i < bytes; ++i) {
    const int shift = order == ByteOrder::kLittle ? 8 * i : 8 * (bytes - 1 - i);
    v.push_back(static_cast<uint8_t>(x >> shift));
  }
}

uint32_t wire_of(const TestPacket& p) { return p.wirelen != 0 ? p.wirelen : static_cast<uint32_t>(p.data.size()); }

void pad4(std::vector<uint8_t>& v) {
  while (v.size() % 4 != 0) v.push_back(0);
}

}  // namespace

std::vector<uint8_t> write_pcap(const std::vector<TestPacket>& packets, const PcapFormat& format) {
  std::vector<uint8_t> out;
  auto put32 = [&](uint32_t x) { put_order(out, x, 4, format.order); };
  auto put16 = [&](uint16_t x) { put_order(out, x, 2, format.order); };
  put32(format.nanos ? 0xa1b23c4d : 0xa1b2c3d4);
  put16(2);
  put16(4);
  put32(0);  // thiszone
  put32(0);  // sigfigs
  put32(format.snaplen);
  put32(format.linktype);
  for (const auto& p : packets) {
    put32(static_cast<uint32_t>(p.ts / core::kNsPerSec));
    const auto frac = static_cast<uint32_t>(p.ts % core::kNsPerSec);
    put32(format.nanos ? frac : frac / 1000);
    put32(static_cast<uint32_t>(p.data.size()));
    put32(wire_of(p));
    out.insert(out.end(), p.data.begin(), p.data.end());
  }
  return out;
}

std::vector<size_t> pcap_record_offsets(const std::vector<uint8_t>& file) {
  std::vector<size_t> offsets;
  if (file.size() < 24) return offsets;
  const bool big = file[0] == 0xa1;
  size_t pos = 24;
  while (file.size() - pos >= 16) {
    offsets.push_back(pos);
    const uint8_t* h = file.data() + pos + 8;
    const uint32_t caplen = big ? (uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3])
                                : (uint32_t{h[3]} << 24 | uint32_t{h[2]} << 16 | uint32_t{h[1]} << 8 | h[0]);
    if (caplen > file.size() - pos - 16) break;
    pos += 16 + caplen;
  }
  return offsets;
}

void PcapngWriter::put16(std::vector<uint8_t>& v, uint16_t x) const { put_order(v, x, 2, order_); }
void PcapngWriter::put32(std::vector<uint8_t>& v, uint32_t x) const { put_order(v, x, 4, order_); }
void PcapngWriter::put64(std::vector<uint8_t>& v, uint64_t x) const { put_order(v, x, 8, order_); }

void PcapngWriter::emit(uint32_t type, const std::vector<uint8_t>& body) {
  offsets_.push_back(out_.size());
  std::vector<uint8_t> padded = body;
  pad4(padded);
  const auto total = static_cast<uint32_t>(padded.size() + 12);
  put32(out_, type);
  put32(out_, total);
  out_.insert(out_.end(), padded.begin(), padded.end());
  put32(out_, total);
}

PcapngWriter& PcapngWriter::section(ByteOrder order) {
  order_ = order;
  interfaces_.clear();
  std::vector<uint8_t> body;
  put32(body, 0x1A2B3C4D);
  put16(body, 1);
  put16(body, 0);
  put64(body, ~uint64_t{0});  // section length unknown
  emit(0x0A0D0D0A, body);
  return *this;
}

PcapngWriter& PcapngWriter::interface(const Interface& ifc) {
  std::vector<uint8_t> body;
  put16(body, ifc.linktype);
  put16(body, 0);
  put32(body, ifc.snaplen);
  if (ifc.tsresol) {
    put16(body, 9);
    put16(body, 1);
    body.push_back(*ifc.tsresol);
    pad4(body);
  }
  if (ifc.tsoffset_s != 0) {
    put16(body, 14);
    put16(body, 8);
    put64(body, static_cast<uint64_t>(ifc.tsoffset_s));
  }
  if (ifc.tsresol || ifc.tsoffset_s != 0) {
    put16(body, 0);  // opt_endofopt
    put16(body, 0);
  }
  emit(1, body);
  interfaces_.push_back(ifc);
  return *this;
}

uint64_t PcapngWriter::to_units(const TestPacket& p) const {
  if (p.interface >= interfaces_.size()) return static_cast<uint64_t>(p.ts) / 1000;  // for damaged-input tests
  const Interface& ifc = interfaces_[p.interface];
  const uint64_t ns = static_cast<uint64_t>(p.ts - ifc.tsoffset_s * core::kNsPerSec);
  const uint8_t r = ifc.tsresol.value_or(6);
  if (r & 0x80) {
    const int bits = r & 0x7f;
    if (bits > 30) throw std::invalid_argument("test writer: binary resolution above 2^-30");
    return ((ns / 1'000'000'000) << bits) + (((ns % 1'000'000'000) << bits) / 1'000'000'000);
  }
  uint64_t units = ns;
  for (int e = r; e < 9; ++e) units /= 10;
  for (int e = 9; e < r; ++e) units *= 10;
  return units;
}

std::vector<uint8_t> PcapngWriter::packet_body(const TestPacket& p, bool obsolete) const {
  std::vector<uint8_t> body;
  if (obsolete) {
    put16(body, static_cast<uint16_t>(p.interface));
    put16(body, 0);  // drops
  } else {
    put32(body, p.interface);
  }
  const uint64_t units = to_units(p);
  put32(body, static_cast<uint32_t>(units >> 32));
  put32(body, static_cast<uint32_t>(units));
  put32(body, static_cast<uint32_t>(p.data.size()));
  put32(body, wire_of(p));
  body.insert(body.end(), p.data.begin(), p.data.end());
  return body;
}

PcapngWriter& PcapngWriter::enhanced(const TestPacket& p) {
  emit(6, packet_body(p, false));
  return *this;
}

PcapngWriter& PcapngWriter::obsolete_packet(const TestPacket& p) {
  emit(2, packet_body(p, true));
  return *this;
}

PcapngWriter& PcapngWriter::simple(const std::vector<uint8_t>& data, uint32_t wirelen) {
  std::vector<uint8_t> body;
  put32(body, wirelen != 0 ? wirelen : static_cast<uint32_t>(data.size()));
  body.insert(body.end(), data.begin(), data.end());
  emit(3, body);
  return *this;
}

PcapngWriter& PcapngWriter::block(uint32_t type, const std::vector<uint8_t>& body) {
  emit(type, body);
  return *this;
}

namespace {

// Removed when the test program exits.
struct TempDir {
  std::filesystem::path path;
  TempDir() : path(std::filesystem::temp_directory_path() / ("sekisho-capture-test-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

std::string temp_path(const std::string& name) {
  static const TempDir dir;
  return (dir.path / name).string();
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ReadResult drain(PacketSource& source, std::vector<core::Error>* errors, size_t max_calls) {
  ReadResult r;
  RawPacket p;
  for (size_t i = 0; i < max_calls; ++i) {
    const ReadStatus st = source.next(p);
    if (st == ReadStatus::kPacket) {
      TestPacket t;
      t.ts = p.ts;
      t.data.assign(p.data, p.data + p.caplen);
      t.wirelen = p.wirelen;
      t.interface = p.linktype;
      r.packets.push_back(std::move(t));
      r.records.push_back(p.record);
      continue;
    }
    if (st == ReadStatus::kTimeout) continue;
    r.last = st;
    r.ended = true;
    break;
  }
  r.stats = source.stats();
  if (errors != nullptr) r.errors = *errors;
  return r;
}

namespace {

core::Result<ReadResult> read_with(
    const std::function<core::Result<std::unique_ptr<PacketSource>>(const SourceOptions&)>& open, SourceOptions opts) {
  auto errors = std::make_shared<std::vector<core::Error>>();
  opts.on_error = [errors](const core::Error& e) { errors->push_back(e); };
  auto source = open(opts);
  if (!source.ok()) return source.error();
  return drain(**source, errors.get());
}

}  // namespace

core::Result<ReadResult> read_all_file(const std::string& path, SourceOptions opts) {
  return read_with([&](const SourceOptions& o) { return open_file(path, o); }, std::move(opts));
}

core::Result<ReadResult> read_all_buffer(const std::vector<uint8_t>& bytes, const std::string& name,
                                         SourceOptions opts) {
  // An exact-size copy, so ASan sees any read past the end.
  std::unique_ptr<uint8_t[]> exact(new uint8_t[bytes.empty() ? 1 : bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), exact.get());
  return read_with([&](const SourceOptions& o) { return open_buffer(exact.get(), bytes.size(), name, o); },
                   std::move(opts));
}

std::string shared_data(const std::string& relative) { return std::string(SEKISHO_SHARED_DATA) + "/" + relative; }

}  // namespace sekisho::capture::testing
