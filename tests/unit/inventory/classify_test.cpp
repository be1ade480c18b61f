#include "inventory/classify.h"

#include <gtest/gtest.h>

using namespace sekisho::inventory;

TEST(Classifier, ScoresAndEvidence) {
  auto c = Classifier::parse(R"({"rules":[
      {"field":"mdns_service","equals":"_ipp._tcp","class":"printer","weight":6},
      {"field":"hostname","contains":"CAM","class":"camera","weight":4},
      {"field":"vendor","prefix":"d-link","class":"camera","weight":1},
      {"field":"vendor","suffix":"link international","class":"plug","weight":1}]})",
                             "rules.json");
  ASSERT_TRUE(c) << c.error().message();
  Device d;
  d.vendor = "D-Link International";
  d.hostname = "DCS-930L-cam";
  EXPECT_TRUE(c->classify(d));
  EXPECT_EQ(d.cls, DeviceClass::kCamera);
  EXPECT_EQ(d.class_score, 5);
  ASSERT_EQ(d.evidence.size(), 2u);
  EXPECT_EQ(d.evidence[0].field, "hostname");
  EXPECT_FALSE(c->classify(d));  // unchanged
  d.mdns_services.push_back("_ipp._tcp");
  EXPECT_TRUE(c->classify(d));
  EXPECT_EQ(d.cls, DeviceClass::kPrinter);
}

TEST(Classifier, UnknownWithoutEvidence) {
  auto c = Classifier::parse(R"({"rules":[]})", "r.json");
  ASSERT_TRUE(c);
  Device d;
  c->classify(d);
  EXPECT_EQ(d.cls, DeviceClass::kUnknown);
  EXPECT_TRUE(d.evidence.empty());
}

TEST(Classifier, ErrorsNameTheRule) {
  auto bad_json = Classifier::parse("{", "x.json");
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error().where, "x.json");
  auto bad_class = Classifier::parse(R"({"rules":[{"field":"vendor","equals":"a","class":"toaster"}]})", "x.json");
  ASSERT_FALSE(bad_class);
  EXPECT_EQ(bad_class.error().where, "x.json: rules[0].class");
  auto bad_field = Classifier::parse(R"({"rules":[{"field":"colour","equals":"a","class":"plug"}]})", "x.json");
  ASSERT_FALSE(bad_field);
  EXPECT_EQ(bad_field.error().where, "x.json: rules[0].field");
  auto two =
      Classifier::parse(R"({"rules":[{"field":"vendor","equals":"a","contains":"b","class":"plug"}]})", "x.json");
  EXPECT_FALSE(two);
  auto weight = Classifier::parse(R"({"rules":[{"field":"vendor","equals":"a","class":"plug","weight":0}]})", "x.json");
  ASSERT_FALSE(weight);
  EXPECT_EQ(weight.error().where, "x.json: rules[0].weight");
}

TEST(Classifier, ShippedRulesLoad) {
  auto c = Classifier::load(std::string(SEKISHO_SOURCE_DIR) + "/data/fingerprints/device_classes.json");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_GT(c->size(), 50u);
}
