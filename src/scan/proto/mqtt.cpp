#include "scan/proto/mqtt.h"

namespace sekisho::scan::proto {

namespace {

void put_string(std::string& out, std::string_view s) {
  if (s.size() > 0xffff) s = s.substr(0, 0xffff);
  out.push_back(char(s.size() >> 8));
  out.push_back(char(s.size() & 0xff));
  out.append(s);
}

}  // namespace

std::string mqtt_connect(std::string_view client_id, std::optional<std::string_view> user,
                         std::optional<std::string_view> pass, uint16_t keepalive) {
  uint8_t flags = 0x02;  // clean session
  if (user) {
    flags |= 0x80;
    if (pass) flags |= 0x40;
  }
  std::string body;
  put_string(body, "MQTT");
  body.push_back(char(4));  // protocol level 4 = 3.1.1
  body.push_back(char(flags));
  body.push_back(char(keepalive >> 8));
  body.push_back(char(keepalive & 0xff));
  put_string(body, client_id);
  if (user) {
    put_string(body, *user);
    if (pass) put_string(body, *pass);
  }
  std::string out;
  out.push_back(char(0x10));
  // Remaining length: 7 bits per byte, high bit = more (at most 4 bytes; our bodies stay far below).
  size_t n = body.size();
  do {
    uint8_t b = n % 128;
    n /= 128;
    if (n) b |= 0x80;
    out.push_back(char(b));
  } while (n);
  out += body;
  return out;
}

MqttConnack parse_connack(std::span<const uint8_t> bytes) {
  MqttConnack r;
  if (bytes.empty()) return r;
  if (bytes[0] != 0x20 || (bytes.size() >= 2 && bytes[1] != 0x02)) {
    r.complete = true;  // some other packet, or no MQTT at all
    return r;
  }
  if (bytes.size() < 4) return r;
  r.complete = true;
  if (bytes[2] & 0xfe) return r;  // reserved acknowledge flags must be 0
  r.session_present = bytes[2] & 0x01;
  r.return_code = bytes[3];
  r.valid = r.return_code <= kMqttNotAuthorized;
  return r;
}

std::string mqtt_disconnect() { return std::string("\xe0\x00", 2); }

}  // namespace sekisho::scan::proto
