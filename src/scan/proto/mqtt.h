#pragma once
// MQTT 3.1.1 (OASIS): CONNECT and DISCONNECT as we send them, CONNACK as brokers answer.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sekisho::scan::proto {

// CONNECT with the clean-session flag. A password is only sent with a user name (3.1.1 forbids
// it alone); strings longer than 65535 bytes are cut. keepalive in seconds.
std::string mqtt_connect(std::string_view client_id, std::optional<std::string_view> user,
                         std::optional<std::string_view> pass, uint16_t keepalive = 30);

// CONNACK return codes.
inline constexpr uint8_t kMqttAccepted = 0, kMqttBadProtocol = 1, kMqttIdRejected = 2, kMqttUnavailable = 3,
                         kMqttBadUserPass = 4, kMqttNotAuthorized = 5;
// complete: 4 bytes (or a verdict that the first bytes are no CONNACK: complete && !valid).
// valid: fixed header 0x20, remaining length 2, reserved flag bits 0, return code 0..5.
struct MqttConnack {
  bool complete = false;
  bool valid = false;
  uint8_t return_code = 0xff;  // 0 accepted, 4 bad user/pass, 5 not authorised
  bool session_present = false;
};
MqttConnack parse_connack(std::span<const uint8_t> bytes);
std::string mqtt_disconnect();  // e0 00

}  // namespace sekisho::scan::proto
