#include "output/eve_writer.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/json_writer.h"
#include "core/thread.h"
#include "flow/community_id.h"
#include "output/device_json.h"

namespace sekisho::output {

namespace {
constexpr size_t kBatchRecords = 4096;
constexpr size_t kBatchText = 1 << 20;
constexpr size_t kMaxQueued = 4;  // batches waiting for the writer: bounded memory, back-pressure

const char* dns_type_name(uint16_t t) {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 41: return "OPT";
    case 47: return "NSEC";
    case 65: return "HTTPS";
    case 255: return "ANY";
    default: return nullptr;
  }
}
const char* rcode_name(uint8_t r) {
  static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  return r < 6 ? kNames[r] : "OTHER";
}
const char* dhcp_type_name(uint8_t version, uint8_t t) {
  if (version == 4) {
    static constexpr const char* kV4[] = {"unknown", "discover", "offer",   "request", "decline",
                                          "ack",     "nak",      "release", "inform"};
    return t < 9 ? kV4[t] : "unknown";
  }
  static constexpr const char* kV6[] = {"unknown", "solicit", "advertise",   "request",
                                        "confirm", "renew",   "rebind",      "reply",
                                        "release", "decline", "reconfigure", "information-request"};
  return t < 12 ? kV6[t] : "unknown";
}
void tcp_flags_hex(uint8_t f, char out[3]) {
  static constexpr char kHex[] = "0123456789abcdef";
  out[0] = kHex[f >> 4];
  out[1] = kHex[f & 15];
  out[2] = 0;
}
}  // namespace

const char* proto_name(uint8_t proto, char* buf4) { return core::ip_proto_name(proto, buf4); }

const char* app_proto_name(uint8_t app) {
  switch (decode::AppKind(app)) {
    case decode::AppKind::kDhcp: return "dhcp";
    case decode::AppKind::kDns: return "dns";
    case decode::AppKind::kMdns: return "mdns";
    case decode::AppKind::kSsdp: return "ssdp";
    case decode::AppKind::kHttp: return "http";
    case decode::AppKind::kTls: return "tls";
    case decode::AppKind::kLldp: return "lldp";
    default: return "failed";
  }
}

core::Result<std::unique_ptr<EveWriter>> EveWriter::open(const std::string& path) {
  if (path == "-") return std::unique_ptr<EveWriter>(new EveWriter(stdout, false, "<stdout>"));
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f)
    return core::make_error(core::ErrorCode::kIo, path,
                            std::string("cannot open for writing: ") + std::strerror(errno));
  return std::unique_ptr<EveWriter>(new EveWriter(f, true, path));
}

EveWriter::EveWriter(FILE* out, bool owned, std::string path)
    : out_(out),
      owned_(owned),
      path_(std::move(path)),
      cur_(std::make_unique<Batch>()),
      parse_(std::make_unique<ParseScratch>()) {
  std::setvbuf(out_, nullptr, _IOFBF, 1 << 16);
  thread_ = std::thread([this] {
    core::lower_thread_priority(core::kHelperNice);
    writer_loop();
  });
}

EveWriter::~EveWriter() { (void)close(); }

void EveWriter::maybe_submit() {
  if (cur_->records.size() >= kBatchRecords || cur_->text.size() + cur_->payload.size() >= kBatchText) submit();
}

void EveWriter::submit() {
  if (cur_->records.empty()) return;
  std::unique_ptr<Batch> next;
  {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [this] { return queue_.size() < kMaxQueued; });
    queue_.push_back(std::move(cur_));
    if (!spare_.empty()) {
      next = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  cv_.notify_all();
  cur_ = next ? std::move(next) : std::make_unique<Batch>();
}

void EveWriter::writer_loop() {
  core::JsonBuf out;
  for (;;) {
    std::unique_ptr<Batch> b;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      b = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    out.clear();
    size_t text_pos = 0;
    for (const Record& r : b->records) {
      switch (r.kind) {
        case RecordKind::kFlow: format_flow(out, b->flows[r.index], r.why); break;
        case RecordKind::kPacket: {
          const PacketEvent& e = b->packets[r.index];
          format_packet(out, e, reinterpret_cast<const uint8_t*>(b->payload.data()) + e.payload_off);
          break;
        }
        case RecordKind::kText:
          out.append(b->text.data() + text_pos, r.index - text_pos);
          text_pos = r.index;
          break;
      }
    }
    if (!out.empty() && !write_failed_ &&
        (std::fwrite(out.data(), 1, out.size(), out_) != out.size() || std::fflush(out_) != 0)) {
      std::lock_guard lk(mu_);
      write_failed_ = true;
      write_errno_ = errno;
    }
    b->clear();
    std::lock_guard lk(mu_);
    spare_.push_back(std::move(b));
  }
}

core::Status EveWriter::close() {
  if (!thread_.joinable()) return {};
  submit();
  {
    std::lock_guard lk(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  thread_.join();
  bool failed = write_failed_;
  if (!failed && std::fflush(out_) != 0) {
    failed = true;
    write_errno_ = errno;
  }
  if (owned_ && std::fclose(out_) != 0 && !failed) {
    failed = true;
    write_errno_ = errno;
  }
  if (failed) {
    ++stats_.write_errors;
    return core::make_error(core::ErrorCode::kIo, path_,
                            std::string("writing events failed: ") + std::strerror(write_errno_));
  }
  return {};
}

void EveWriter::flow(const flow::Flow& f, flow::EndReason why) {
  cur_->records.push_back(Record{RecordKind::kFlow, why, uint32_t(cur_->flows.size())});
  cur_->flows.push_back(f);
  ++stats_.events;
  maybe_submit();
}

void EveWriter::format_flow(core::JsonBuf& out, const flow::Flow& f, flow::EndReason why) {
  const bool lo_init = f.initiator_is_lo;
  const uint8_t* sip = lo_init ? f.key.lo_ip.data() : f.key.hi_ip.data();
  const uint8_t* dip = lo_init ? f.key.hi_ip.data() : f.key.lo_ip.data();
  uint16_t sp = lo_init ? f.key.lo_port : f.key.hi_port;
  uint16_t dp = lo_init ? f.key.hi_port : f.key.lo_port;
  core::IpAddr src, dst;
  src.family = dst.family = f.key.family;
  std::memcpy(src.b.data(), sip, src.size());
  std::memcpy(dst.b.data(), dip, dst.size());

  char ts[32];
  times_.format(f.first_ts, ts);
  core::BufJsonWriter w(out);
  w.begin_object();
  w.field("timestamp", std::string_view(ts, 31));
  w.field("flow_id", f.flow_id);
  w.field("event_type", "flow");
  if (f.key.vlan) {
    w.key("vlan").begin_array().value(uint32_t{f.key.vlan}).end_array();
  }
  char ipbuf[48];
  w.field("src_ip", std::string_view(ipbuf, src.format(ipbuf)));
  bool ports = f.key.proto == 6 || f.key.proto == 17 || f.key.proto == 132;
  if (ports) w.field("src_port", uint32_t{sp});
  w.field("dest_ip", std::string_view(ipbuf, dst.format(ipbuf)));
  if (ports) w.field("dest_port", uint32_t{dp});
  char pbuf[4];
  w.field("proto", proto_name(f.key.proto, pbuf));
  if (f.app) w.field("app_proto", app_proto_name(f.app));
  char cid[32];
  w.field("community_id", community_id(f.flow_id, src, dst, sp, dp, f.key.proto, cid));
  w.key("ether").begin_object();
  char mac[17];
  core::MacAddr::from_bytes(f.mac_init).format(mac);
  w.field("src_mac", std::string_view(mac, 17));
  core::MacAddr::from_bytes(f.mac_resp).format(mac);
  w.field("dest_mac", std::string_view(mac, 17));
  w.end_object();
  w.key("flow").begin_object();
  w.field("pkts_toserver", uint64_t{f.pkts[0]});
  w.field("pkts_toclient", uint64_t{f.pkts[1]});
  w.field("bytes_toserver", f.bytes[0]);
  w.field("bytes_toclient", f.bytes[1]);
  w.field("start", std::string_view(ts, 31));
  char te[32];
  times_.format(f.last_ts, te);
  w.field("end", std::string_view(te, 31));
  w.field("age", int64_t((f.last_ts - f.first_ts) / core::kNsPerSec));
  const char* state = "new";
  switch (f.cls) {
    case flow::FlowClass::kTcpEstablished:
    case flow::FlowClass::kTwoWay: state = "established"; break;
    case flow::FlowClass::kTcpClosed: state = "closed"; break;
    default: state = "new"; break;
  }
  w.field("state", state);
  w.field("reason", why == flow::EndReason::kTimeout   ? "timeout"
                    : why == flow::EndReason::kEvicted ? "evicted"
                                                       : "shutdown");
  w.end_object();
  if (f.key.proto == 6) {
    char hx[3];
    w.key("tcp").begin_object();
    uint8_t all = f.tcp_flags[0] | f.tcp_flags[1];
    tcp_flags_hex(all, hx);
    w.field("tcp_flags", std::string_view(hx, 2));
    tcp_flags_hex(f.tcp_flags[0], hx);
    w.field("tcp_flags_ts", std::string_view(hx, 2));
    tcp_flags_hex(f.tcp_flags[1], hx);
    w.field("tcp_flags_tc", std::string_view(hx, 2));
    if (all & decode::tcp::kSyn) w.field("syn", true);
    if (all & decode::tcp::kFin) w.field("fin", true);
    if (all & decode::tcp::kRst) w.field("rst", true);
    if (all & decode::tcp::kPsh) w.field("psh", true);
    if (all & decode::tcp::kAck) w.field("ack", true);
    w.end_object();
  }
  w.end_object();
  out.push('\n');
}

// DNS repeats itself: mDNS the same announcement every few seconds, devices the same
// query and get the same answer, only the transaction ID changes. The writer keeps the
// "dns" object it formatted for recent messages by their bytes after the ID (compared in
// full on a hit, so the text is always that of these very bytes) and writes the ID anew.
struct DnsBody {
  uint64_t hash = 0;
  std::string message;  // the payload from byte 2 on
  std::string head;     // {"version":2,...,"id":
  std::string tail;     // what follows the ID's digits
};
constexpr size_t kDnsBodies = 2048;   // a power of two
constexpr size_t kDnsBodyMax = 1500;  // larger payloads are formatted each time

// Community IDs of recent flows by flow_id (unique in a run): a flow's packet events and its
// flow event share one SHA-1.
struct CommunityIdSlot {
  uint64_t flow_id = 0;
  char cid[flow::kCommunityIdLen] = {};
};
constexpr size_t kCommunityIds = 2048;  // a power of two (small: it sits in the L2 cache)

// What the addressing text of a packet event is made of, and that text.
struct TupleKey {
  uint8_t src[16], dst[16];
  uint16_t sp, dp, vlan[2];
  uint8_t family, proto, vlan_count, has_eth;
  uint8_t smac[6], dmac[6];
};
static_assert(sizeof(TupleKey) == 56, "no padding: keys are hashed and compared as bytes");
struct TupleText {
  uint64_t hash = 0;
  TupleKey key{};
  std::string text;
};
constexpr size_t kTupleTexts = 1024;  // a power of two

struct EveWriter::ParseScratch {
  decode::DnsMessage dns;
  decode::DhcpInfo dhcp;
  decode::TlsClientHello tls;
  decode::HttpRequest http;
  std::vector<DnsBody> dns_bodies = std::vector<DnsBody>(kDnsBodies);
  std::vector<CommunityIdSlot> cids = std::vector<CommunityIdSlot>(kCommunityIds);
  std::vector<TupleText> tuples = std::vector<TupleText>(kTupleTexts);
  uint64_t seed = core::HashKey::random().k0;
};

namespace {
// Splits a formatted "dns" object around its ID's digits (the first "id" key: format_dns
// writes version, type, then id). A body not of that shape is not kept.
void remember_dns_body(DnsBody& m, uint64_t hash, std::string_view body) {
  static constexpr std::string_view kId = "\"id\":";
  const size_t at = body.find(kId);
  if (at == std::string_view::npos) return;
  const size_t digits = at + kId.size();
  size_t end = digits;
  while (end < body.size() && body[end] >= '0' && body[end] <= '9') ++end;
  if (end == digits) return;
  m.head.assign(body.substr(0, digits));
  m.tail.assign(body.substr(end));
  m.hash = hash;
}
}  // namespace

std::string_view EveWriter::community_id(uint64_t flow_id, const core::IpAddr& src, const core::IpAddr& dst,
                                         uint16_t sp, uint16_t dp, uint8_t proto, char* buf) {
  if (flow_id == 0) return {buf, flow::community_id_v1_into(src, dst, sp, dp, proto, buf)};
  CommunityIdSlot& slot = parse_->cids[(flow_id ^ (flow_id >> 29)) & (kCommunityIds - 1)];
  if (slot.flow_id != flow_id) {
    slot.flow_id = flow_id;
    flow::community_id_v1_into(src, dst, sp, dp, proto, slot.cid);
  }
  return {slot.cid, sizeof slot.cid};
}

void EveWriter::packet(const decode::PacketView& pv, flow::Flow* f) {
  switch (pv.app) {
    case decode::AppKind::kDns:
    case decode::AppKind::kMdns:
    case decode::AppKind::kDhcp:
    case decode::AppKind::kTls:
    case decode::AppKind::kHttp: break;
    default: return;
  }
  Batch& b = *cur_;
  PacketEvent& e = b.packets.emplace_back();
  e.ts = pv.ts;
  e.flow_id = f ? f->flow_id : 0;
  e.src_ip = pv.src_ip;
  e.dst_ip = pv.dst_ip;
  e.src_port = pv.src_port;
  e.dst_port = pv.dst_port;
  e.vlan[0] = pv.vlan[0];
  e.vlan[1] = pv.vlan[1];
  e.vlan_count = pv.vlan_count;
  e.proto = pv.ip_proto;
  e.app = pv.app;
  e.dhcp_version = pv.app == decode::AppKind::kDhcp ? pv.dhcp->version : 0;
  e.has_eth = pv.has_eth;
  std::memcpy(e.src_mac, pv.src_mac.b.data(), 6);
  std::memcpy(e.dst_mac, pv.dst_mac.b.data(), 6);
  e.payload_off = uint32_t(b.payload.size());
  e.payload_len = pv.payload_len;
  b.payload.append(reinterpret_cast<const char*>(pv.payload), pv.payload_len);
  b.records.push_back(Record{RecordKind::kPacket, flow::EndReason::kTimeout, uint32_t(b.packets.size() - 1)});
  ++stats_.events;
  maybe_submit();
}

// Runs on the writer thread: parses the payload again, as the packet thread's decoder did,
// and formats the event. A parse that fails here cannot happen (same parser, same bytes);
// such an event would be dropped rather than written half-formed.
void EveWriter::format_packet(core::JsonBuf& out, const PacketEvent& e, const uint8_t* payload) {
  ParseScratch& ps = *parse_;
  const char* type = nullptr;
  decode::ParseStatus st = decode::ParseStatus::kNotMine;
  DnsBody* memo = nullptr;  // the DNS body slot for these bytes
  bool memo_hit = false;
  uint64_t memo_hash = 0;
  if ((e.app == decode::AppKind::kMdns || e.app == decode::AppKind::kDns) && e.payload_len > 2 &&
      e.payload_len <= kDnsBodyMax) {
    const std::string_view message(reinterpret_cast<const char*>(payload) + 2, e.payload_len - 2);
    const uint64_t h = core::fold_hash64(message.data(), message.size(), ps.seed);
    memo = &ps.dns_bodies[h & (kDnsBodies - 1)];
    memo_hit = memo->hash == h && std::string_view(memo->message) == message;
    if (!memo_hit) {
      memo->hash = 0;  // set once the body is in (below)
      memo->message.assign(message);
      memo_hash = h;
    }
  }
  switch (memo_hit ? decode::AppKind::kNone : e.app) {
    case decode::AppKind::kDns:
    case decode::AppKind::kMdns:
      st = decode::parse_dns(payload, e.payload_len, ps.dns);
      type = e.app == decode::AppKind::kMdns ? "mdns" : "dns";
      break;
    case decode::AppKind::kDhcp:
      st = e.dhcp_version == 4 ? decode::parse_dhcp4(payload, e.payload_len, ps.dhcp)
                               : decode::parse_dhcp6(payload, e.payload_len, ps.dhcp);
      type = "dhcp";
      break;
    case decode::AppKind::kTls:
      st = decode::parse_tls_client_hello(payload, e.payload_len, ps.tls);
      type = "tls";
      break;
    case decode::AppKind::kHttp:
      st = decode::parse_http_request(payload, e.payload_len, ps.http);
      type = "http";
      break;
    default: break;
  }
  // A ClientHello cut by the segment end is logged when its SNI came whole (as the decoder does).
  const bool cut_hello = e.app == decode::AppKind::kTls && st == decode::ParseStatus::kMalformed &&
                         e.payload_len >= 5 && size_t{core::load_be16(payload + 3)} + 5 > e.payload_len &&
                         !ps.tls.sni.empty();
  if (memo_hit) {
    type = e.app == decode::AppKind::kMdns ? "mdns" : "dns";
  } else if (st != decode::ParseStatus::kOk && !cut_hello) {
    return;
  }

  core::BufJsonWriter w(out);
  char ts[32];
  times_.format(e.ts, ts);
  w.begin_object();
  w.field("timestamp", std::string_view(ts, 31));
  if (e.flow_id) w.field("flow_id", e.flow_id);
  w.field("event_type", type);
  // The addressing part (vlan .. ether) repeats for every event of a flow's direction
  // (mDNS above all): it is kept by its inputs, compared in full on a hit.
  TupleKey k{};
  std::memcpy(k.src, e.src_ip.b.data(), 16);
  std::memcpy(k.dst, e.dst_ip.b.data(), 16);
  k.sp = e.src_port;
  k.dp = e.dst_port;
  k.vlan[0] = e.vlan[0];
  k.vlan[1] = e.vlan[1];
  k.family = e.src_ip.family;
  k.proto = e.proto;
  k.vlan_count = e.vlan_count;
  k.has_eth = e.has_eth ? 1 : 0;
  std::memcpy(k.smac, e.src_mac, 6);
  std::memcpy(k.dmac, e.dst_mac, 6);
  const uint64_t kh = core::fold_hash64(&k, sizeof k, ps.seed);
  TupleText& tt = ps.tuples[kh & (kTupleTexts - 1)];
  if (tt.hash == kh && std::memcmp(&tt.key, &k, sizeof k) == 0) {
    out.append(tt.text);
  } else {
    const size_t at = out.size();
    if (e.vlan_count) {
      w.key("vlan").begin_array();
      for (uint8_t i = 0; i < e.vlan_count; ++i) w.value(uint32_t{e.vlan[i]});
      w.end_array();
    }
    char ipbuf[48];
    w.field("src_ip", std::string_view(ipbuf, e.src_ip.format(ipbuf)));
    w.field("src_port", uint32_t{e.src_port});
    w.field("dest_ip", std::string_view(ipbuf, e.dst_ip.format(ipbuf)));
    w.field("dest_port", uint32_t{e.dst_port});
    char pbuf[4];
    w.field("proto", proto_name(e.proto, pbuf));
    char cid[32];
    w.field("community_id", community_id(e.flow_id, e.src_ip, e.dst_ip, e.src_port, e.dst_port, e.proto, cid));
    if (e.has_eth) {
      char mac[17];
      w.key("ether").begin_object();
      core::MacAddr::from_bytes(e.src_mac).format(mac);
      w.field("src_mac", std::string_view(mac, 17));
      core::MacAddr::from_bytes(e.dst_mac).format(mac);
      w.field("dest_mac", std::string_view(mac, 17));
      w.end_object();
    }
    tt.hash = kh;
    tt.key = k;
    tt.text.assign(out.data() + at, out.size() - at);
  }
  // The object stays open for ",\"<type>\":{...}".
  if (e.app == decode::AppKind::kMdns || e.app == decode::AppKind::kDns)
    out.append(",\"dns\":", 7);
  else {
    out.append(",\"", 2);
    out.append(std::string_view(type));
    out.append("\":", 2);
  }
  switch (e.app) {
    case decode::AppKind::kDns:
    case decode::AppKind::kMdns:
      if (memo_hit) {
        out.append(memo->head);
        char id[8];
        const auto r = std::to_chars(id, id + sizeof id, core::load_be16(payload));
        out.append(id, size_t(r.ptr - id));
        out.append(memo->tail);
      } else {
        const size_t at = out.size();
        format_dns(out, ps.dns);
        if (memo) remember_dns_body(*memo, memo_hash, std::string_view(out.data() + at, out.size() - at));
      }
      break;
    case decode::AppKind::kDhcp: format_dhcp(out, ps.dhcp); break;
    case decode::AppKind::kTls: format_tls(out, ps.tls); break;
    case decode::AppKind::kHttp: format_http(out, ps.http); break;
    default: break;
  }
  out.append("}\n", 2);
}

void EveWriter::format_dns(core::JsonBuf& out, const decode::DnsMessage& m) {
  core::BufJsonWriter w(out);
  w.begin_object();
  w.field("version", 2);
  w.field("type", m.is_response ? "answer" : "query");
  w.field("id", uint32_t{m.id});
  char flags[5];
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) flags[i] = kHex[(m.flags >> (12 - 4 * i)) & 15];
  w.field("flags", std::string_view(flags, 4));
  if (m.is_response) {
    w.field("qr", true);
    w.field("rcode", rcode_name(m.rcode));
  }
  auto type_field = [&w](const char* key, uint16_t t) {
    if (const char* n = dns_type_name(t)) {
      w.field(key, n);
    } else {
      char num[8];
      auto r = std::to_chars(num, num + sizeof num, t);
      w.field(key, std::string_view(num, size_t(r.ptr - num)));
    }
  };
  if (m.question_count) {
    w.key("queries").begin_array();
    for (size_t i = 0; i < m.question_count; ++i) {
      w.begin_object();
      w.field("rrname", m.questions[i].name.view());
      type_field("rrtype", m.questions[i].qtype);
      w.end_object();
    }
    w.end_array();
  }
  if (m.record_count) {
    w.key("answers").begin_array();
    for (size_t i = 0; i < m.record_count; ++i) {
      const decode::DnsRecord& r = m.records[i];
      if (r.type == 41) continue;  // EDNS OPT is not an answer
      w.begin_object();
      w.field("rrname", r.name.view());
      type_field("rrtype", r.type);
      w.field("ttl", r.ttl);
      if (i >= m.answer_count) w.field("section", "additional");
      switch (r.type) {
        case 1:
        case 28: {
          char ipbuf[48];
          w.field("rdata", std::string_view(ipbuf, r.addr.format(ipbuf)));
          break;
        }
        case 2:
        case 5:
        case 12: w.field("rdata", r.target.view()); break;
        case 33:
          w.field("rdata", r.target.view());
          w.field("srv_port", uint32_t{r.srv_port});
          break;
        case 16: w.field("rdata", r.txt.view()); break;
        default: break;
      }
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

void EveWriter::format_dhcp(core::JsonBuf& out, const decode::DhcpInfo& h) {
  core::BufJsonWriter w(out);
  w.begin_object();
  w.field("version", uint32_t{h.version});
  w.field("type", h.version == 4 ? (h.op == 2 ? "reply" : "request")
                                 : (h.msg_type == 2 || h.msg_type == 7 ? "reply" : "request"));
  w.field("id", h.xid);
  w.field("dhcp_type", dhcp_type_name(h.version, h.msg_type));
  if (h.version == 4) {
    char buf[48];
    h.chaddr.format(buf);
    w.field("client_mac", std::string_view(buf, 17));
    if (!h.ciaddr.empty()) w.field("client_ip", std::string_view(buf, h.ciaddr.format(buf)));
    if (!h.yiaddr.empty() && !h.yiaddr.is_unspecified())
      w.field("assigned_ip", std::string_view(buf, h.yiaddr.format(buf)));
    if (!h.requested_ip.empty()) w.field("requested_ip", std::string_view(buf, h.requested_ip.format(buf)));
    if (!h.server_id.empty()) w.field("dhcp_server_id", std::string_view(buf, h.server_id.format(buf)));
  }
  if (!h.hostname.empty()) w.field("hostname", h.hostname);
  if (!h.fqdn.empty()) w.field("client_fqdn", h.fqdn);
  if (!h.vendor_class.empty()) w.field("vendor_class_identifier", h.vendor_class);
  if (!h.mud_url.empty()) w.field("mud_url", h.mud_url);
  if (h.param_count) {
    w.key("params").begin_array();
    for (size_t i = 0; i < h.param_count; ++i) w.value(uint32_t{h.params[i]});
    w.end_array();
  }
  if (h.oro_count) {
    w.key("oro").begin_array();
    for (size_t i = 0; i < h.oro_count; ++i) w.value(uint32_t{h.oro[i]});
    w.end_array();
  }
  w.end_object();
}

void EveWriter::format_tls(core::JsonBuf& out, const decode::TlsClientHello& t) {
  core::BufJsonWriter w(out);
  w.begin_object();
  if (!t.sni.empty()) w.field("sni", t.sni);
  static constexpr char kHex[] = "0123456789abcdef";
  char ver[5] = {kHex[t.max_version >> 12], kHex[(t.max_version >> 8) & 15], kHex[(t.max_version >> 4) & 15],
                 kHex[t.max_version & 15], 0};
  w.field("version", t.max_version == 0x0304   ? "TLS 1.3"
                     : t.max_version == 0x0303 ? "TLS 1.2"
                     : t.max_version == 0x0302 ? "TLS 1.1"
                     : t.max_version == 0x0301 ? "TLS 1.0"
                                               : ver);
  if (!t.alpn_first.empty()) w.key("client_alpns").begin_array().value(t.alpn_first).end_array();
  if (t.ja3[0]) {
    w.key("ja3").begin_object();
    w.field("hash", std::string_view(t.ja3));
    if (!t.ja3_string.truncated) w.field("string", t.ja3_string.view());
    w.end_object();
  }
  if (t.ja4[0]) w.field("ja4", std::string_view(t.ja4));
  w.end_object();
}

void EveWriter::format_http(core::JsonBuf& out, const decode::HttpRequest& h) {
  core::BufJsonWriter w(out);
  w.begin_object();
  if (!h.host.empty()) w.field("hostname", h.host);
  w.field("url", h.uri);
  if (!h.user_agent.empty()) w.field("http_user_agent", h.user_agent);
  w.field("http_method", h.method);
  if (!h.version.empty()) w.field("protocol", h.version);
  w.end_object();
}

void EveWriter::device(const inventory::Device& d, core::TimeNs ts) {
  // Formatted here (a device is not cheap to copy), straight into the batch's text.
  std::string& text = cur_->text;
  core::JsonWriter w(text);
  char tbuf[32];
  core::format_eve_time(ts, tbuf);
  w.begin_object();
  w.field("timestamp", std::string_view(tbuf, 31));
  w.field("event_type", "device");
  w.key("device");
  write_device(w, d, false);
  text.pop_back();  // reopen the device object to add the event kind
  w.field("event", d.is_new ? "new" : "updated");
  if (!d.is_new) {
    w.key("changed").begin_array();
    for (const auto& c : d.changed) w.value(c);
    w.end_array();
  }
  text += "}}\n";
  cur_->records.push_back(Record{RecordKind::kText, flow::EndReason::kTimeout, uint32_t(text.size())});
  ++stats_.events;
  maybe_submit();
}

void EveWriter::text(std::string_view json_object) {
  std::string& text = cur_->text;
  text.append(json_object);
  text.push_back('\n');
  cur_->records.push_back(Record{RecordKind::kText, flow::EndReason::kTimeout, uint32_t(text.size())});
  ++stats_.events;
  maybe_submit();
}

}  // namespace sekisho::output
