#pragma once
// Application-layer records that identify devices. Each parser fills one fixed-size
// struct owned by the Decoder and reused for every packet: no allocation on the packet
// path. string_view fields point into the packet bytes and are valid only while the
// packet is; names that need assembling (DNS compression) are copied into fixed buffers.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/net.h"

namespace sekisho::decode {

enum class ParseStatus : uint8_t {
  kOk,         // parsed; the struct is filled
  kNotMine,    // the bytes are not this protocol (e.g. not a ClientHello); not an error
  kMalformed,  // claims to be this protocol but is broken; counted by the caller
};

// A bounded text buffer: DNS names, TXT strings.
template <size_t N>
struct FixedText {
  char buf[N];
  uint16_t len = 0;
  bool truncated = false;
  std::string_view view() const { return {buf, len}; }
  void clear() {
    len = 0;
    truncated = false;
  }
  void append(std::string_view s) {
    size_t room = N - len;
    size_t n = s.size() < room ? s.size() : room;
    if (n) std::memcpy(buf + len, s.data(), n);
    len = uint16_t(len + n);
    if (n < s.size()) truncated = true;
  }
  void push(char c) {
    if (len < N)
      buf[len++] = c;
    else
      truncated = true;
  }
};

// ---- DHCPv4 (RFC 2131/2132) and DHCPv6 (RFC 8415) --------------------------------------
struct DhcpInfo {
  uint8_t version = 4;   // 4 or 6
  uint8_t op = 0;        // v4: 1 request, 2 reply
  uint8_t msg_type = 0;  // v4 option 53 (1 DISCOVER .. 8 INFORM); v6 msg-type (1 SOLICIT ..)
  uint32_t xid = 0;      // v4 xid; v6 24-bit transaction id
  core::MacAddr chaddr;  // v4 client hardware address (htype 1, hlen 6)
  core::IpAddr ciaddr, yiaddr, requested_ip /*opt 50*/, server_id /*opt 54*/;
  std::string_view hostname;      // v4 opt 12
  std::string_view vendor_class;  // v4 opt 60; v6 opt 16 (first vendor-class-data)
  std::string_view client_id;     // v4 opt 61 raw bytes; v6 opt 1 (DUID) raw bytes
  std::string_view fqdn;          // v4 opt 81 / v6 opt 39 domain name, as text (flags dropped)
  FixedText<255> fqdn_text;       // backing store for `fqdn` when it arrived in DNS wire format
  std::string_view mud_url;       // v4 opt 161 / v6 opt 112 (RFC 8520)
  uint8_t params[64];             // v4 opt 55 parameter request list, in order
  uint8_t param_count = 0;
  uint16_t options[64];  // option codes in the order they appear (v4 and v6)
  uint8_t option_count = 0;
  uint16_t oro[32];  // v6 option request option (6), in order
  uint8_t oro_count = 0;
};

// ---- DNS and mDNS (RFC 1035, 6762, 2782) ----------------------------------------------
using DnsName = FixedText<255>;

struct DnsQuestion {
  DnsName name;
  uint16_t qtype = 0;
  uint16_t qclass = 0;  // mDNS: the top bit is unicast-response, masked off here
};

struct DnsRecord {
  DnsName name;
  uint16_t type = 0;
  uint16_t rclass = 0;  // mDNS: cache-flush bit masked off
  uint32_t ttl = 0;
  core::IpAddr addr;          // A / AAAA
  DnsName target;             // CNAME, PTR, NS target; SRV target
  uint16_t srv_priority = 0;  // SRV
  uint16_t srv_weight = 0;
  uint16_t srv_port = 0;
  FixedText<255> txt;  // TXT: strings joined by ';'
};

struct DnsMessage {
  static constexpr size_t kMaxQuestions = 4;
  static constexpr size_t kMaxRecords = 24;  // answers, then authority, then additional
  uint16_t id = 0;
  uint16_t flags = 0;
  bool is_response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;  // as claimed by the header
  DnsQuestion questions[kMaxQuestions];
  uint8_t question_count = 0;  // parsed (<= kMaxQuestions)
  DnsRecord records[kMaxRecords];
  uint8_t record_count = 0;   // parsed, all sections
  uint8_t answer_count = 0;   // how many of records[] came from the answer section
  bool more_records = false;  // more than we keep
};

// ---- SSDP (UPnP discovery over HTTPU, UDP 1900) -----------------------------------------
struct SsdpInfo {
  std::string_view start_line;  // "NOTIFY * HTTP/1.1", "M-SEARCH * HTTP/1.1", "HTTP/1.1 200 OK"
  std::string_view method;      // NOTIFY, M-SEARCH or empty for a response
  std::string_view server;      // SERVER:
  std::string_view usn;         // USN:
  std::string_view location;    // LOCATION:
  std::string_view nt;          // NT: or ST:
  std::string_view nts;         // NTS:
  std::string_view user_agent;  // USER-AGENT:
};

// ---- HTTP/1.x request head --------------------------------------------------------------
struct HttpRequest {
  std::string_view method;
  std::string_view uri;
  std::string_view version;  // "HTTP/1.1"
  std::string_view host;
  std::string_view user_agent;
  bool head_complete = false;  // the blank line ending the head was seen
};

// ---- TLS ClientHello (RFC 8446) with JA3 and JA4 ---------------------------------------
struct TlsClientHello {
  uint16_t record_version = 0;
  uint16_t legacy_version = 0;   // client_version in the hello
  uint16_t max_version = 0;      // highest non-GREASE supported_versions entry, else legacy
  std::string_view sni;          // server_name host_name
  std::string_view alpn_first;   // first ALPN protocol
  uint16_t cipher_count = 0;     // non-GREASE
  uint16_t extension_count = 0;  // non-GREASE
  // JA3/JA4 are empty ("") unless the whole hello (all ciphers and extensions) was seen.
  char ja3[33] = {};           // MD5 hex of the JA3 string, NUL-terminated
  char ja4[37] = {};           // e.g. t13d1516h2_8daaf6152771_e5627efa2ab1, NUL-terminated
  FixedText<1024> ja3_string;  // the JA3 input string (may be truncated, see .truncated)
};

// ---- LLDP (IEEE 802.1AB), EtherType 0x88cc ----------------------------------------------
struct LldpInfo {
  uint8_t chassis_subtype = 0;
  std::string_view chassis_id;  // raw bytes (a MAC when subtype 4)
  uint8_t port_subtype = 0;
  std::string_view port_id;
  uint16_t ttl = 0;
  std::string_view system_name;
  std::string_view system_description;
  std::string_view port_description;
  std::string_view mud_url;  // org-specific TLV 127, OUI 00-00-5E, subtype 1 (RFC 8520)
};

// Parsers. `p`/`n` is the protocol's own bytes (UDP/TCP payload, or the LLDP frame body
// after the EtherType). They never read outside [p, p+n) and never allocate.
ParseStatus parse_dhcp4(const uint8_t* p, size_t n, DhcpInfo& out);
ParseStatus parse_dhcp6(const uint8_t* p, size_t n, DhcpInfo& out);
// How much of a DNS message to copy out. The status (kOk / kMalformed) is the same at every
// depth: whatever kFull would reject is still checked (every question's name and the first
// record when there is no question), only the copying of names and rdata is skipped.
// kValidate fills the header only (question_count = record_count = 0); kQuestions adds the
// questions; kFull also the records.
enum class DnsDepth : uint8_t { kValidate, kQuestions, kFull };
ParseStatus parse_dns(const uint8_t* p, size_t n, DnsMessage& out, DnsDepth depth = DnsDepth::kFull);
ParseStatus parse_ssdp(const uint8_t* p, size_t n, SsdpInfo& out);
ParseStatus parse_http_request(const uint8_t* p, size_t n, HttpRequest& out);
ParseStatus parse_tls_client_hello(const uint8_t* p, size_t n, TlsClientHello& out);
ParseStatus parse_lldp(const uint8_t* p, size_t n, LldpInfo& out);

}  // namespace sekisho::decode
