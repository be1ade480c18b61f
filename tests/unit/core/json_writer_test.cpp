#include "core/json_writer.h"

#include <gtest/gtest.h>

using sekisho::core::JsonWriter;

TEST(JsonWriter, ObjectsArraysAndCommas) {
  std::string s;
  JsonWriter w(s);
  w.begin_object().field("a", 1).field("b", "x").key("c").begin_array().value(uint64_t{1}).value(true).null().end_array();
  w.key("d").begin_object().end_object().end_object();
  EXPECT_EQ(s, R"({"a":1,"b":"x","c":[1,true,null],"d":{}})");
}

TEST(JsonWriter, EscapesControlQuotesAndBadUtf8) {
  std::string s;
  JsonWriter w(s);
  static constexpr char kInput[] = "q\"\\\n\t\x01\xff ok \xe6\x97\xa5";
  w.value(std::string_view(kInput, sizeof kInput - 1));
  EXPECT_EQ(s, "\"q\\\"\\\\\\n\\t\\u0001\\u00ff ok \xe6\x97\xa5\"");
}

TEST(JsonWriter, TruncatedUtf8SequenceIsEscaped) {
  std::string s;
  JsonWriter::escape_into(s, std::string_view("\xe6\x97", 2));
  EXPECT_EQ(s, "\\u00e6\\u0097");
}

TEST(JsonWriter, Numbers) {
  std::string s;
  JsonWriter w(s);
  w.begin_array().value(int64_t{-5}).value(uint64_t{18446744073709551615ULL}).value(0.5).end_array();
  EXPECT_EQ(s, "[-5,18446744073709551615,0.5]");
}
