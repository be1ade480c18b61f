#pragma once
// SSDP (UPnP Device Architecture 1.1/2.0 section 1.3): a unicast M-SEARCH sent to a device's
// 1900/udp and the answer datagrams (one per device/service type), plus the LOCATION URL split.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::scan::proto {

// HOST stays the multicast group (the form every stack answers, as nmap's upnp-info sends it
// unicast); CR/LF in st are dropped; mx clamped to 1..5.
std::string ssdp_msearch(std::string_view st = "ssdp:all", int mx = 1);

// valid: "HTTP/1.x 200" start line. Fields: the first of each header, control bytes as spaces,
// cut at 512 bytes.
struct SsdpAnswer {
  bool valid = false;
  std::string server, location, usn, st;
};
SsdpAnswer parse_ssdp_answer(std::string_view bytes);

// Splits an http://host:port/path LOCATION; only used when host is the device itself (the lead checks scope).
// host: a name or IPv4 as written, an IPv6 literal without its brackets. Rejected: other
// schemes, user info ("user@"), empty host, port 0 or > 65535, spaces or control bytes, more
// than 2048 bytes. The path keeps its query; fragments are dropped.
struct Url {
  std::string host;
  uint16_t port = 80;
  std::string path = "/";
  bool https = false;
};
std::optional<Url> parse_url(std::string_view url);

}  // namespace sekisho::scan::proto
