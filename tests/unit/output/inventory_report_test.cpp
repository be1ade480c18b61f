#include "output/inventory_report.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "core/json_writer.h"
#include "output/device_json.h"

using sekisho::core::JsonWriter;
using sekisho::output::json_pretty;

namespace {
std::string reference(const std::string& compact) { return nlohmann::json::parse(compact).dump(2); }
}  // namespace

TEST(JsonPretty, MatchesNlohmannOnNestedDocuments) {
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.field("zeta", uint64_t{18446744073709551615ULL});
  w.field("alpha", int64_t{-42});
  w.key("empty_list").begin_array().end_array();
  w.key("empty_obj").begin_object().end_object();
  w.key("list").begin_array();
  w.begin_object().field("b", true).field("a", false).key("n").null().end_object();
  w.value("x").value(uint64_t{0});
  w.begin_array().begin_array().end_array().end_array();
  w.end_array();
  w.key("Upper_sorts_first").begin_object().field("k", 1).end_object();
  w.end_object();
  EXPECT_EQ(json_pretty(s), reference(s));
}

TEST(JsonPretty, StringsAreEscapedLikeNlohmann) {
  // Control bytes, quotes, backslash, DEL, '/', valid UTF-8 and invalid bytes (which
  // JsonWriter writes as \u00XX and nlohmann then writes as UTF-8).
  std::string all;
  for (int c = 1; c < 256; ++c) all += char(c);
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.field("all_bytes", all);
  w.field("utf8", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
  w.field("mixed", std::string_view("a\"b\\c/d\x7f"
                                    "e\x08\x0c\n\r\t\x01\xff",
                                    14));
  w.end_object();
  EXPECT_EQ(json_pretty(s), reference(s));
}

TEST(JsonPretty, FallsBackOnInputItDoesNotExpect) {
  // Fractions and duplicate keys take the nlohmann path; the result is still nlohmann's.
  for (const std::string doc :
       {R"({"a":0.5,"b":[1.25e3]})", R"({"a":1,"a":2})", R"({"k\u0041":1})", R"(["\ud83d\ude00","\u00e9"])"}) {
    EXPECT_EQ(json_pretty(doc), reference(doc)) << doc;
  }
}

namespace {
// The whole document written at once and re-indented by nlohmann: what inventory_json,
// which writes and re-indents device by device (in parallel for many), must equal.
std::string inventory_reference(const std::vector<const sekisho::inventory::Device*>& devices) {
  std::string compact;
  JsonWriter w(compact);
  w.begin_object();
  w.field("device_count", uint64_t(devices.size()));
  w.key("devices").begin_array();
  for (const auto* d : devices) sekisho::output::write_device(w, *d, true);
  w.end_array();
  w.end_object();
  return reference(compact) + "\n";
}
}  // namespace

TEST(InventoryJson, EqualsTheWholeDocumentReindentedForAnyNumberOfDevices) {
  using sekisho::inventory::Device;
  std::deque<Device> all;
  for (uint32_t i = 0; i < 2500; ++i) {
    Device& d = all.emplace_back();
    d.id = i;
    const uint8_t mac[6] = {2, 0, 0, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    d.mac = sekisho::core::MacAddr::from_bytes(mac);
    d.vendor = i % 3 ? "Maker \"Co\"" : "caf\xc3\xa9 \xe6\x97\xa5";
    d.first_seen = sekisho::core::TimeNs(i) * 1000000;
    d.last_seen = d.first_seen + 5;
    d.hostname = i % 7 ? "" : "cam\x01\xff-" + std::to_string(i);
    if (i % 2) d.dns_names = {"a.example", "b\\example"};
    d.pkts_out = i;
  }
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{1023}, size_t{1024}, size_t{2500}}) {
    std::vector<const Device*> devices;
    for (size_t i = 0; i < n; ++i) devices.push_back(&all[i]);
    EXPECT_EQ(sekisho::output::inventory_json(devices), inventory_reference(devices)) << n;
  }
}
