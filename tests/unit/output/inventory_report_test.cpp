#include "output/inventory_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/json_writer.h"

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
