// The detection config: defaults, per-detector settings, errors that name the key.
#include "detect/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "detect/engine.h"

namespace sekisho::detect {
namespace {

TEST(DetectConfig, EmptyTextGivesDefaults) {
  auto c = DetectConfig::parse("", "x.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->suppress_seconds, 600u);
  EXPECT_EQ(c->local_networks.size(), default_local_networks().size());
  auto s = c->settings("outbound_scan");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->enabled);
  EXPECT_EQ(s->action, Action::kAlert);
}

TEST(DetectConfig, ActionPerClass) {
  auto c = DetectConfig::parse(R"(
[detect]
local_networks = ["192.168.7.0/24"]
suppress_seconds = 30
[detect.outbound_scan]
action = "quarantine"
action_by_class = { "phone/pc" = "alert", phone_pc = "alert", printer = "alert" }
)",
                               "x.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->suppress_seconds, 30u);
  ASSERT_EQ(c->local_networks.size(), 1u);
  auto s = c->settings("outbound_scan");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->action_for(inventory::DeviceClass::kCamera), Action::kQuarantine);
  EXPECT_EQ(s->action_for(inventory::DeviceClass::kPhonePc), Action::kAlert);
  EXPECT_EQ(s->action_for(inventory::DeviceClass::kPrinter), Action::kAlert);
}

TEST(DetectConfig, ErrorsNameFileLineAndKey) {
  auto bad_toml = DetectConfig::parse("[detect\n", "x.toml");
  ASSERT_FALSE(bad_toml);
  EXPECT_NE(bad_toml.error().message().find("x.toml:1:"), std::string::npos) << bad_toml.error().message();

  auto bad_net = DetectConfig::parse("[detect]\nlocal_networks = [\"300.1.1.1/8\"]\n", "x.toml");
  ASSERT_FALSE(bad_net);
  EXPECT_NE(bad_net.error().message().find("detect.local_networks"), std::string::npos);

  auto c = DetectConfig::parse("[detect.outbound_scan]\naction = \"block\"\n", "x.toml");
  ASSERT_TRUE(c);
  auto s = c->settings("outbound_scan");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("detect.outbound_scan.action"), std::string::npos) << s.error().message();

  auto cls = DetectConfig::parse("[detect.outbound_scan]\naction_by_class = { toaster = \"alert\" }\n", "x.toml");
  ASSERT_TRUE(cls);
  EXPECT_FALSE(cls->settings("outbound_scan"));
}

TEST(DetectConfig, UnknownDetectorAndUnknownKeyAreErrors) {
  auto c = DetectConfig::parse("[detect.outbound_scna]\nenabled = false\n", "x.toml");
  ASSERT_TRUE(c);
  auto e = Engine::create(c.value());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("detect.outbound_scna"), std::string::npos) << e.error().message();

  auto k = DetectConfig::parse("[detect.outbound_scan]\nno_such_threshold = 3\n", "x.toml");
  ASSERT_TRUE(k);
  auto e2 = Engine::create(k.value());
  ASSERT_FALSE(e2);
  EXPECT_NE(e2.error().message().find("detect.outbound_scan.no_such_threshold"), std::string::npos)
      << e2.error().message();
}

TEST(ConfigView, TypedReadsWithBounds) {
  auto c = DetectConfig::parse(R"(
[detect.outbound_scan]
enabled = true
)",
                               "x.toml");
  ASSERT_TRUE(c);
  ConfigView v = c->view("outbound_scan");
  EXPECT_EQ(v.u64("absent", 7, 1, 10), 7u);
  EXPECT_TRUE(v.finish());
  auto c2 = DetectConfig::parse("[detect.outbound_scan]\nwindow = 0\nports = [23, 70000]\n", "x.toml");
  ASSERT_TRUE(c2);
  ConfigView v2 = c2->view("outbound_scan");
  EXPECT_EQ(v2.u64("window", 5, 1, 60), 5u);  // out of bounds: default kept, error reported
  v2.ports("ports", {23});
  auto st = v2.finish();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("detect.outbound_scan.window"), std::string::npos) << st.error().message();
}

}  // namespace
}  // namespace sekisho::detect

namespace sekisho::detect {
namespace {

// --print-config's output is a valid config that gives the defaults, and the shipped
// data/config/sekisho.toml is exactly that output (regenerate it with
// `sekisho watch --print-config > data/config/sekisho.toml`).
TEST(DetectConfig, PrintedDefaultsRoundTripAndMatchTheShippedFile) {
  const std::string text = default_config_toml();
  auto c = DetectConfig::parse(text, "defaults.toml");
  ASSERT_TRUE(c) << c.error().message();
  auto e = Engine::create(c.value());
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e.value()->detectors().size(), registry().size());
  std::ifstream in(std::string(SEKISHO_SOURCE_DIR) + "/data/config/sekisho.toml");
  ASSERT_TRUE(in) << "data/config/sekisho.toml missing";
  std::stringstream shipped;
  shipped << in.rdbuf();
  EXPECT_EQ(shipped.str(), text) << "regenerate data/config/sekisho.toml with `sekisho watch --print-config`";
}

}  // namespace
}  // namespace sekisho::detect
