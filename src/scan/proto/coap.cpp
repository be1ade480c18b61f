#include "scan/proto/coap.h"

#include "scan/proto/text.h"

namespace sekisho::scan::proto {

namespace {

constexpr uint16_t kOptUriPath = 11, kOptContentFormat = 12;
constexpr int kLinkFormat = 40;

// Option header nibble for a delta or length, and its extension bytes.
void option_header(uint32_t delta, uint32_t len, std::string& out) {
  auto nibble = [](uint32_t v) -> uint8_t { return v < 13 ? uint8_t(v) : v < 269 ? 13 : 14; };
  out.push_back(char((nibble(delta) << 4) | nibble(len)));
  for (uint32_t v : {delta, len}) {
    if (v >= 269) {
      out.push_back(char((v - 269) >> 8));
      out.push_back(char((v - 269) & 0xff));
    } else if (v >= 13) {
      out.push_back(char(v - 13));
    }
  }
}

}  // namespace

std::string coap_get(uint16_t message_id, uint32_t token, std::string_view path) {
  std::string out;
  out.push_back(char(0x40 | 4));  // version 1, CON, token length 4
  out.push_back(char(0x01));      // 0.01 GET
  out.push_back(char(message_id >> 8));
  out.push_back(char(message_id & 0xff));
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((token >> s) & 0xff));
  uint16_t last = 0;
  int segments = 0;
  while (!path.empty() && segments < 16) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    if (seg.size() > 255) seg = seg.substr(0, 255);
    option_header(kOptUriPath - last, uint32_t(seg.size()), out);
    out.append(seg);
    last = kOptUriPath;
    ++segments;
  }
  return out;
}

std::string coap_get_well_known_core(uint16_t message_id, uint32_t token) {
  return coap_get(message_id, token, "/.well-known/core");
}

std::vector<std::string> parse_link_format(std::string_view links) {
  std::vector<std::string> out;
  // Each link starts with "<uri>"; links are separated by ',' outside quotes and brackets.
  size_t i = 0;
  while (i < links.size() && out.size() < kCoapMaxResources) {
    while (i < links.size() && (text::is_space(links[i]) || links[i] == ',')) ++i;
    if (i >= links.size()) break;
    if (links[i] == '<') {
      size_t close = links.find('>', i + 1);
      if (close == std::string_view::npos) break;
      std::string_view uri = links.substr(i + 1, close - i - 1);
      if (!uri.empty()) out.push_back(text::printable(uri, kCoapMaxResource));
      i = close + 1;
    }
    // Skip the link's parameters up to the next top-level comma.
    bool quoted = false;
    while (i < links.size() && (quoted || links[i] != ',')) {
      if (links[i] == '"') quoted = !quoted;
      ++i;
    }
  }
  return out;
}

CoapResponse parse_coap(std::span<const uint8_t> bytes) {
  CoapResponse r;
  if (bytes.size() < 4) return r;
  uint8_t ver = bytes[0] >> 6;
  uint8_t tkl = bytes[0] & 0x0f;
  if (ver != 1 || tkl > 8 || bytes.size() < 4 + size_t{tkl}) return r;
  r.type = (bytes[0] >> 4) & 0x03;
  r.code = bytes[1];
  r.message_id = uint16_t((bytes[2] << 8) | bytes[3]);
  for (size_t i = 0; i < tkl; ++i) r.token = (r.token << 8) | bytes[4 + i];
  size_t pos = 4 + size_t{tkl};
  uint32_t number = 0;
  while (pos < bytes.size()) {
    uint8_t h = bytes[pos++];
    if (h == 0xff) {  // payload marker: a payload must follow
      if (pos >= bytes.size()) return r;
      auto p = bytes.subspan(pos);
      r.payload.assign(reinterpret_cast<const char*>(p.data()), std::min(p.size(), kCoapMaxPayload));
      pos = bytes.size();
      break;
    }
    uint32_t delta = h >> 4, len = h & 0x0f;
    for (uint32_t* v : {&delta, &len}) {
      if (*v == 15) return r;  // reserved
      if (*v == 13) {
        if (pos >= bytes.size()) return r;
        *v = 13u + bytes[pos++];
      } else if (*v == 14) {
        if (pos + 1 >= bytes.size()) return r;
        *v = 269u + ((uint32_t{bytes[pos]} << 8) | bytes[pos + 1]);
        pos += 2;
      }
    }
    if (len > bytes.size() - pos) return r;
    number += delta;
    if (number > 0xffff) return r;
    if (number == kOptContentFormat && len <= 2) {
      int cf = 0;
      for (uint32_t k = 0; k < len; ++k) cf = (cf << 8) | bytes[pos + k];
      r.content_format = cf;
    }
    pos += len;
  }
  r.valid = true;
  if (r.code == kCoapContent && (r.content_format == kLinkFormat || r.content_format == -1))
    r.resources = parse_link_format(r.payload);
  return r;
}

}  // namespace sekisho::scan::proto
