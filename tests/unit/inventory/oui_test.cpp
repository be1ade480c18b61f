#include "inventory/oui.h"

#include <gtest/gtest.h>

using namespace sekisho;

TEST(Oui, MostSpecificMatchWins) {
  inventory::OuiRegistry reg;
  ASSERT_TRUE(
      reg.load_csv_text("Registry,Assignment,Organization Name,Organization Address\n"
                        "MA-L,70B3D5,IEEE Registration Authority,x\n"
                        "MA-S,70B3D5123,\"Small, Maker Ltd\",y\n"
                        "MA-M,B0C5541,Medium Co,z\n"
                        "MA-L,B0C554,D-Link International,w\n",
                        "t.csv"));
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("70:b3:d5:12:34:56")), "Small, Maker Ltd");
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("70:b3:d5:99:34:56")), "IEEE Registration Authority");
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("b0:c5:54:1c:71:85")), "Medium Co");
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("b0:c5:54:25:5b:0e")), "D-Link International");
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("00:00:00:00:00:01")), "");
}

TEST(Oui, ErrorsNameFileAndLine) {
  inventory::OuiRegistry reg;
  auto st = reg.load_csv_text("Registry,Assignment,Organization Name\nMA-L,ZZZZZZ,Bad\n", "bad.csv");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().where, "bad.csv:2");
  auto st2 = reg.load_csv_text("Registry,Assignment\nMA-L\n", "short.csv");
  ASSERT_FALSE(st2);
  EXPECT_EQ(st2.error().where, "short.csv:2");
  EXPECT_FALSE(reg.load_csv_text("", "empty.csv"));
  auto r = inventory::OuiRegistry::load_dir("/nonexistent");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("ieee-data"), std::string::npos);
}

TEST(Oui, DebianRegistryNamesRealDevices) {
  auto r = inventory::OuiRegistry::load_dir(inventory::OuiRegistry::kDefaultDir);
  if (!r) GTEST_SKIP() << "ieee-data not installed";
  EXPECT_GT(r->size(), 30000u);
  EXPECT_EQ(r->lookup(*core::MacAddr::parse("00:17:88:24:76:ff")), "Philips Lighting BV");
  EXPECT_EQ(r->lookup(*core::MacAddr::parse("94:10:3e:35:01:c1")), "Belkin International Inc.");
}

TEST(Oui, QuotedFieldsAndLineNumbers) {
  inventory::OuiRegistry reg;
  // Escaped quotes, a comma and a CRLF inside quotes, a quoted address spanning lines,
  // CRLF line ends and a blank line: the error after them still names the right line.
  auto st = reg.load_csv_text(
      "Registry,Assignment,Organization Name,Organization Address\r\n"
      "MA-L,001122,\"Say \"\"Hi\"\", Inc.\",\"1 Road\r\nTown\"\r\n"
      "\r\n"
      "MA-L,334455,  Plain Co  ,\"a\nb\nc\"\n"
      "MA-L,XYZ,Bad,x\n",
      "q.csv");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().where, "q.csv:8");
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("00:11:22:00:00:01")), "Say \"Hi\", Inc.");
  EXPECT_EQ(reg.lookup(*core::MacAddr::parse("33:44:55:00:00:01")), "Plain Co");
  // A quote left open runs to the end of the text.
  inventory::OuiRegistry open;
  ASSERT_TRUE(open.load_csv_text("h\nMA-L,667788,\"Open, never closed\nstill", "o.csv"));
  EXPECT_EQ(open.lookup(*core::MacAddr::parse("66:77:88:00:00:01")), "Open, never closed\nstill");
}
