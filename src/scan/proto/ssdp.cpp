#include "scan/proto/ssdp.h"

#include <algorithm>
#include <cctype>

#include "scan/proto/text.h"

namespace sekisho::scan::proto {

namespace {
constexpr size_t kMaxField = 512;
constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxLines = 100;
}  // namespace

std::string ssdp_msearch(std::string_view st, int mx) {
  std::string target;
  for (char c : st.substr(0, 256))
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) target.push_back(c);
  if (target.empty()) target = "ssdp:all";
  mx = std::clamp(mx, 1, 5);
  return "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: " + std::to_string(mx) +
         "\r\nST: " + target + "\r\n\r\n";
}

SsdpAnswer parse_ssdp_answer(std::string_view bytes) {
  SsdpAnswer a;
  text::LineReader lines(bytes);
  std::string_view line;
  if (!lines.next(line)) return a;
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || line.substr(8, 4) != " 200") return a;
  if (line.size() > 12 && line[12] != ' ') return a;
  a.valid = true;
  for (size_t n = 0; n < kMaxLines && lines.next(line) && !line.empty(); ++n) {
    std::string_view name, value;
    if (!text::split_header(line, name, value)) continue;
    std::string* field = nullptr;
    if (text::iequals(name, "SERVER"))
      field = &a.server;
    else if (text::iequals(name, "LOCATION"))
      field = &a.location;
    else if (text::iequals(name, "USN"))
      field = &a.usn;
    else if (text::iequals(name, "ST"))
      field = &a.st;
    if (field && field->empty()) *field = text::printable(value, kMaxField);
  }
  return a;
}

std::optional<Url> parse_url(std::string_view url) {
  url = text::trim(url);
  if (url.empty() || url.size() > kMaxUrl) return std::nullopt;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  Url u;
  if (text::istarts_with(url, "http://")) {
    url.remove_prefix(7);
  } else if (text::istarts_with(url, "https://")) {
    url.remove_prefix(8);
    u.https = true;
    u.port = 443;
  } else {
    return std::nullopt;
  }
  size_t end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : url.substr(end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host, port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
    for (char c : host)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return std::nullopt;
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return std::nullopt;
  }
  if (!port.empty()) {
    uint64_t p = 0;
    if (!text::parse_uint(port, 65535, p) || p == 0) return std::nullopt;
    u.port = uint16_t(p);
  }
  u.host = std::string(host);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  if (rest.empty()) {
    u.path = "/";
  } else if (rest.front() == '?') {
    u.path = "/" + std::string(rest);
  } else {
    u.path = std::string(rest);
  }
  return u;
}

}  // namespace sekisho::scan::proto
