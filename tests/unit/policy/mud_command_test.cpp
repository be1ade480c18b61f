// `sekisho mud validate`: output lines and exit status.
#include "policy/mud_command.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mud_test_util.h"

namespace sekisho::policy {
namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args) {
  args.insert(args.begin(), "mud");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int status = mud_main(int(args.size()), argv.data());
  std::fflush(stdout);
  Run r{status, ::testing::internal::GetCapturedStdout(), ::testing::internal::GetCapturedStderr()};
  return r;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << content;
  return path.string();
}

const std::string kLuminaire = testing::shared_mud_dir() + "/cisco/Luminaire_150.json";

TEST(MudCommand, ValidFileSaysOk) {
  const auto r = run({"validate", kLuminaire});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, kLuminaire + ": OK: 2 ACLs, 6 ACEs; abstractions: local-networks 2, my-controller 2\n");
}

TEST(MudCommand, EverySharedFileValidates) {
  std::vector<std::string> args = {"validate"};
  for (const auto& f : testing::shared_mud_files()) args.push_back(f);
  const auto r = run(args);
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(MudCommand, ErrorsNameFileAndPath) {
  const std::string bad = temp_file("sekisho-mud-bad.json", R"({"ietf-mud:mud": {"mud-version": 1,
    "mud-url": "http://x.example.com/a", "last-update": "2024-01-01T00:00:00Z", "is-supported": true}})");
  const auto r = run({"validate", bad, kLuminaire});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(bad + ": /ietf-mud:mud/mud-url: the MUD URL must use https"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kLuminaire + ": OK"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(bad + ": OK"), std::string::npos) << r.out;
  std::filesystem::remove(bad);
}

TEST(MudCommand, WarningsDoNotFail) {
  const std::string nest = testing::shared_mud_dir() + "/osmud/MUDFILE.NEST";
  const auto r = run({"validate", nest});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find(nest + ": warning: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("same-manufacturer 4"), std::string::npos) << r.out;
}

TEST(MudCommand, Signature) {
  const std::string p7s = testing::shared_mud_dir() + "/cisco/Luminaire_150.p7s";
  auto r = run({"validate", kLuminaire, "--signature", p7s, "--signer-only"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("signed by CN=luminaire.example.com"), std::string::npos) << r.out;
  r = run({"validate", kLuminaire, "--signed", "--signer-only"});
  EXPECT_EQ(r.status, 0) << r.out;

  const std::string changed = temp_file("Luminaire_150.json", [] {
    std::ifstream in(kLuminaire);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    s[10] = char(s[10] ^ 1);
    return s;
  }());
  r = run({"validate", changed, "--signature", p7s, "--signer-only"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(p7s + ": signature does not verify"), std::string::npos) << r.out;
  std::filesystem::remove(changed);
}

TEST(MudCommand, Json) {
  const auto r = run({"validate", "--json", kLuminaire, "/nonexistent.json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("\"valid\": false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"my-controller\": 2"), std::string::npos) << r.out;
}

TEST(MudCommand, Usage) {
  EXPECT_EQ(run({}).status, 2);
  auto r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("learn "), std::string::npos);
  EXPECT_EQ(run({"validate", "--help"}).status, 0);
  EXPECT_EQ(run({"validate"}).status, 2);
  EXPECT_EQ(run({"validate", "--bogus", kLuminaire}).status, 2);
  EXPECT_EQ(run({"validate", kLuminaire, "--signature"}).status, 2);
  EXPECT_EQ(run({"validate", kLuminaire, "--signature", "x.p7s"}).status, 2);  // no trust choice
  EXPECT_EQ(run({"validate", kLuminaire, kLuminaire, "--signature", "x.p7s", "--signer-only"}).status, 2);
  r = run({"learn"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("watch's learner"), std::string::npos);  // the binary routes it there
  EXPECT_EQ(run({"frobnicate"}).status, 2);
}

}  // namespace
}  // namespace sekisho::policy
