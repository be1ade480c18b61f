#include "output/eve_writer.h"

#include <cerrno>
#include <cstring>

#include "core/json_writer.h"
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
    static constexpr const char* kV4[] = {"unknown", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform"};
    return t < 9 ? kV4[t] : "unknown";
  }
  static constexpr const char* kV6[] = {"unknown", "solicit", "advertise", "request", "confirm", "renew", "rebind",
                                        "reply", "release", "decline", "reconfigure", "information-request"};
  return t < 12 ? kV6[t] : "unknown";
}
void tcp_flags_hex(uint8_t f, char out[3]) {
  static constexpr char kHex[] = "0123456789abcdef";
  out[0] = kHex[f >> 4];
  out[1] = kHex[f & 15];
  out[2] = 0;
}
}  // namespace

const char* proto_name(uint8_t proto, char* buf4) {
  switch (proto) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    case 132: return "SCTP";
    case 47: return "GRE";
    default:
      buf4[0] = char('0' + proto / 100);
      buf4[1] = char('0' + proto / 10 % 10);
      buf4[2] = char('0' + proto % 10);
      buf4[3] = 0;
      return buf4;
  }
}

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
  if (!f) return core::make_error(core::ErrorCode::kIo, path, std::string("cannot open for writing: ") + std::strerror(errno));
  return std::unique_ptr<EveWriter>(new EveWriter(f, true, path));
}

EveWriter::EveWriter(FILE* out, bool owned, std::string path)
    : out_(out), owned_(owned), path_(std::move(path)), cur_(std::make_unique<Batch>()) {
  std::setvbuf(out_, nullptr, _IOFBF, 1 << 16);
  thread_ = std::thread([this] { writer_loop(); });
}

EveWriter::~EveWriter() { (void)close(); }

void EveWriter::maybe_submit() {
  if (cur_->records.size() >= kBatchRecords || cur_->text.size() >= kBatchText) submit();
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
  std::string out;
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
      if (r.is_flow) {
        format_flow(out, b->flows[r.index], r.why);
      } else {
        out.append(b->text, text_pos, r.index - text_pos);
        text_pos = r.index;
      }
    }
    if (!out.empty() && (std::fwrite(out.data(), 1, out.size(), out_) != out.size() || std::fflush(out_) != 0)) {
      std::lock_guard lk(mu_);
      write_failed_ = true;
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
  bool failed = write_failed_ || std::fflush(out_) != 0;
  if (owned_ && std::fclose(out_) != 0) failed = true;
  if (failed) {
    ++stats_.write_errors;
    return core::make_error(core::ErrorCode::kIo, path_, "writing events failed (disk full?)");
  }
  return {};
}

void EveWriter::flow(const flow::Flow& f, flow::EndReason why) {
  cur_->records.push_back(Record{true, why, uint32_t(cur_->flows.size())});
  cur_->flows.push_back(f);
  ++stats_.events;
  maybe_submit();
}

void EveWriter::format_flow(std::string& out, const flow::Flow& f, flow::EndReason why) {
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
  core::format_eve_time(f.first_ts, ts);
  core::JsonWriter w(out);
  w.begin_object();
  w.field("timestamp", std::string_view(ts, 31));
  w.field("flow_id", f.flow_id);
  w.field("event_type", "flow");
  if (f.key.vlan) {
    w.key("vlan").begin_array().value(uint32_t{f.key.vlan}).end_array();
  }
  w.field("src_ip", src.to_string());
  bool ports = f.key.proto == 6 || f.key.proto == 17 || f.key.proto == 132;
  if (ports) w.field("src_port", uint32_t{sp});
  w.field("dest_ip", dst.to_string());
  if (ports) w.field("dest_port", uint32_t{dp});
  char pbuf[4];
  w.field("proto", proto_name(f.key.proto, pbuf));
  if (f.app) w.field("app_proto", app_proto_name(f.app));
  w.field("community_id", flow::community_id_v1(src, dst, sp, dp, f.key.proto));
  w.key("ether").begin_object();
  w.field("src_mac", core::MacAddr::from_bytes(f.mac_init).to_string());
  w.field("dest_mac", core::MacAddr::from_bytes(f.mac_resp).to_string());
  w.end_object();
  w.key("flow").begin_object();
  w.field("pkts_toserver", uint64_t{f.pkts[0]});
  w.field("pkts_toclient", uint64_t{f.pkts[1]});
  w.field("bytes_toserver", f.bytes[0]);
  w.field("bytes_toclient", f.bytes[1]);
  w.field("start", std::string_view(ts, 31));
  char te[32];
  core::format_eve_time(f.last_ts, te);
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
  w.field("reason", why == flow::EndReason::kTimeout ? "timeout" : why == flow::EndReason::kEvicted ? "evicted" : "shutdown");
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
  out += '\n';
}

void EveWriter::begin_packet_event(const decode::PacketView& pv, uint64_t flow_id, const char* type) {
  line_.clear();
  core::JsonWriter w(line_);
  char ts[32];
  core::format_eve_time(pv.ts, ts);
  w.begin_object();
  w.field("timestamp", std::string_view(ts, 31));
  if (flow_id) w.field("flow_id", flow_id);
  w.field("event_type", type);
  if (pv.vlan_count) {
    w.key("vlan").begin_array();
    for (uint8_t i = 0; i < pv.vlan_count; ++i) w.value(uint32_t{pv.vlan[i]});
    w.end_array();
  }
  w.field("src_ip", pv.src_ip.to_string());
  w.field("src_port", uint32_t{pv.src_port});
  w.field("dest_ip", pv.dst_ip.to_string());
  w.field("dest_port", uint32_t{pv.dst_port});
  char pbuf[4];
  w.field("proto", proto_name(pv.ip_proto, pbuf));
  w.field("community_id", flow::community_id_v1(pv.src_ip, pv.dst_ip, pv.src_port, pv.dst_port, pv.ip_proto));
  if (pv.has_eth) {
    w.key("ether").begin_object();
    w.field("src_mac", pv.src_mac.to_string());
    w.field("dest_mac", pv.dst_mac.to_string());
    w.end_object();
  }
  // The caller continues the object: line_ ends inside it, ready for ",\"type\":{...}".
}

void EveWriter::end_text_event() {
  line_ += "}\n";
  cur_->text += line_;
  cur_->records.push_back(Record{false, flow::EndReason::kTimeout, uint32_t(cur_->text.size())});
  ++stats_.events;
  maybe_submit();
}

void EveWriter::dns(const decode::PacketView& pv, uint64_t flow_id) {
  const decode::DnsMessage& m = *pv.dns;
  begin_packet_event(pv, flow_id, pv.app == decode::AppKind::kMdns ? "mdns" : "dns");
  line_ += ",\"dns\":";
  core::JsonWriter w(line_);
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
    if (const char* n = dns_type_name(t))
      w.field(key, n);
    else
      w.field(key, std::to_string(t));
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
        case 28: w.field("rdata", r.addr.to_string()); break;
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
  end_text_event();
}

void EveWriter::dhcp(const decode::PacketView& pv, uint64_t flow_id) {
  const decode::DhcpInfo& h = *pv.dhcp;
  begin_packet_event(pv, flow_id, "dhcp");
  line_ += ",\"dhcp\":";
  core::JsonWriter w(line_);
  w.begin_object();
  w.field("version", uint32_t{h.version});
  w.field("type", h.version == 4 ? (h.op == 2 ? "reply" : "request") : (h.msg_type == 2 || h.msg_type == 7 ? "reply" : "request"));
  w.field("id", h.xid);
  w.field("dhcp_type", dhcp_type_name(h.version, h.msg_type));
  if (h.version == 4) {
    w.field("client_mac", h.chaddr.to_string());
    if (!h.ciaddr.empty()) w.field("client_ip", h.ciaddr.to_string());
    if (!h.yiaddr.empty() && !h.yiaddr.is_unspecified()) w.field("assigned_ip", h.yiaddr.to_string());
    if (!h.requested_ip.empty()) w.field("requested_ip", h.requested_ip.to_string());
    if (!h.server_id.empty()) w.field("dhcp_server_id", h.server_id.to_string());
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
  end_text_event();
}

void EveWriter::tls(const decode::PacketView& pv, uint64_t flow_id) {
  const decode::TlsClientHello& t = *pv.tls;
  begin_packet_event(pv, flow_id, "tls");
  line_ += ",\"tls\":";
  core::JsonWriter w(line_);
  w.begin_object();
  if (!t.sni.empty()) w.field("sni", t.sni);
  char ver[8];
  std::snprintf(ver, sizeof ver, "%04x", t.max_version);
  w.field("version", t.max_version == 0x0304 ? "TLS 1.3" : t.max_version == 0x0303 ? "TLS 1.2" : t.max_version == 0x0302 ? "TLS 1.1" : t.max_version == 0x0301 ? "TLS 1.0" : ver);
  if (!t.alpn_first.empty()) w.key("client_alpns").begin_array().value(t.alpn_first).end_array();
  if (t.ja3[0]) {
    w.key("ja3").begin_object();
    w.field("hash", std::string_view(t.ja3));
    if (!t.ja3_string.truncated) w.field("string", t.ja3_string.view());
    w.end_object();
  }
  if (t.ja4[0]) w.field("ja4", std::string_view(t.ja4));
  w.end_object();
  end_text_event();
}

void EveWriter::http(const decode::PacketView& pv, uint64_t flow_id) {
  const decode::HttpRequest& h = *pv.http;
  begin_packet_event(pv, flow_id, "http");
  line_ += ",\"http\":";
  core::JsonWriter w(line_);
  w.begin_object();
  if (!h.host.empty()) w.field("hostname", h.host);
  w.field("url", h.uri);
  if (!h.user_agent.empty()) w.field("http_user_agent", h.user_agent);
  w.field("http_method", h.method);
  if (!h.version.empty()) w.field("protocol", h.version);
  w.end_object();
  end_text_event();
}

void EveWriter::device(const inventory::Device& d, core::TimeNs ts) {
  line_.clear();
  core::JsonWriter w(line_);
  char tbuf[32];
  core::format_eve_time(ts, tbuf);
  w.begin_object();
  w.field("timestamp", std::string_view(tbuf, 31));
  w.field("event_type", "device");
  w.key("device");
  write_device(w, d, false);
  line_.pop_back();  // reopen the device object to add the event kind
  w.field("event", d.is_new ? "new" : "updated");
  if (!d.is_new) {
    w.key("changed").begin_array();
    for (const auto& c : d.changed) w.value(c);
    w.end_array();
  }
  line_ += '}';
  end_text_event();
}

}  // namespace sekisho::output
