#include "core/json_writer.h"

#include <gtest/gtest.h>

using sekisho::core::JsonWriter;

TEST(JsonWriter, ObjectsArraysAndCommas) {
  std::string s;
  JsonWriter w(s);
  w.begin_object()
      .field("a", 1)
      .field("b", "x")
      .key("c")
      .begin_array()
      .value(uint64_t{1})
      .value(true)
      .null()
      .end_array();
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

// BufJsonWriter (the event formatter's writer) must produce JsonWriter's bytes exactly.
template <typename W>
void write_sample(W& w, std::string_view odd, std::string_view long_value) {
  w.begin_object().field("a", 1).field("b", "x").field("u", uint64_t{18446744073709551615ULL});
  w.field("i", int64_t{-9223372036854775807LL - 1}).field("n", uint32_t{7}).field("t", true).field("f", false);
  w.field("odd", odd).field("long", long_value);
  w.key("arr")
      .begin_array()
      .value(uint32_t{1})
      .value(odd)
      .value("s")
      .value(false)
      .begin_object()
      .end_object()
      .end_array();
  w.key("o").begin_object().field("k", std::string_view()).end_object();
  w.key("e").begin_array().end_array().end_object();
}

TEST(BufJsonWriter, SameBytesAsJsonWriter) {
  using sekisho::core::BufJsonWriter;
  using sekisho::core::JsonBuf;
  static constexpr char kOdd[] = "q\"\\\n\t\x01\xff ok \xe6\x97\xa5";
  const std::string_view odd(kOdd, sizeof kOdd - 1);
  const std::string long_value(10000, 'z');  // longer than the first allocation
  std::string want;
  JsonWriter jw(want);
  write_sample(jw, odd, long_value);
  JsonBuf buf;
  for (int round = 0; round < 2; ++round) {  // clear() keeps the storage and starts over
    buf.clear();
    BufJsonWriter bw(buf);
    write_sample(bw, odd, long_value);
    EXPECT_EQ(buf.view(), want);
  }
  buf.append("tail", 4);
  buf.push('!');
  EXPECT_EQ(buf.view().substr(buf.size() - 5), "tail!");
  buf.pop_back();
  EXPECT_EQ(buf.size(), want.size() + 4);
}
