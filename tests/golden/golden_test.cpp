// Golden tests: real captures through the real binary, compared with checked-in baselines.
// Set SEKISHO_UPDATE_GOLDEN=1 to rewrite the baselines after an intended change, then
// review the diff like code.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
const fs::path kSentinel = fs::path(SEKISHO_SHARED_DATA) / "pcap/iot-sentinel";
const fs::path kBaselines = fs::path(SEKISHO_SOURCE_DIR) / "tests/golden/baselines";

struct CmdResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CmdResult run(const std::string& args, const std::string& env = "") {
  static int n = 0;
  fs::path err_file =
      fs::temp_directory_path() / ("sekisho_golden_err_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  std::string cmd = env + " " + shell_quote(SEKISHO_BINARY) + " " + args + " 2>" + shell_quote(err_file);
  CmdResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, k);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(err_file);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  fs::remove(err_file);
  return r;
}

std::vector<fs::path> device_dirs() {
  std::vector<fs::path> dirs;
  if (!fs::exists(kSentinel)) return dirs;
  for (const auto& e : fs::directory_iterator(kSentinel))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<fs::path> pcaps_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pcap") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_mac(const fs::path& dir) {
  std::ifstream in(dir / "_iotdevice-mac.txt");
  std::string mac;
  in >> mac;
  std::transform(mac.begin(), mac.end(), mac.begin(), ::tolower);
  return mac;
}

bool updating() { return std::getenv("SEKISHO_UPDATE_GOLDEN") != nullptr; }

// Compares `actual` with the baseline file, or rewrites it when updating.
void check_baseline(const std::string& name, const std::string& actual) {
  fs::path file = kBaselines / name;
  if (updating()) {
    std::ofstream(file, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in) << "missing baseline " << file << " (run with SEKISHO_UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str() != actual) {
    fs::path got = fs::temp_directory_path() / (name + ".actual");
    std::ofstream(got, std::ios::binary) << actual;
    FAIL() << "output differs from baseline " << file << "\n  diff -u " << file << " " << got;
  }
}

const json* find_device(const json& inv, const std::string& mac) {
  for (const auto& d : inv["devices"])
    if (d["mac"] == mac) return &d;
  return nullptr;
}
}  // namespace

class IotSentinel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (device_dirs().empty()) GTEST_SKIP() << "real captures not found at " << kSentinel;
  }
};

// Every one of the 19 devices is found, with its vendor, its DNS names and its DHCP
// fingerprint where it sends them; the identity of each is pinned in a baseline.
TEST_F(IotSentinel, EveryDeviceFoundWithIdentity) {
  auto dirs = device_dirs();
  ASSERT_EQ(dirs.size(), 19u);
  json summary = json::object();
  for (const auto& dir : dirs) {
    std::string args = "watch --inventory json -q -r";
    for (const auto& f : pcaps_in(dir)) args += " " + shell_quote(f);
    CmdResult r = run(args);
    ASSERT_EQ(r.exit_code, 0) << dir << ": " << r.err;
    json inv = json::parse(r.out);
    const std::string mac = read_mac(dir);
    const json* dev = find_device(inv, mac);
    ASSERT_NE(dev, nullptr) << dir.filename() << ": device " << mac << " not in the inventory";
    EXPECT_FALSE((*dev)["vendor"].get<std::string>().empty()) << dir.filename();
    EXPECT_FALSE((*dev)["addresses"].empty()) << dir.filename();
    json s;
    s["mac"] = mac;
    s["vendor"] = (*dev)["vendor"];
    s["hostname"] = (*dev)["hostname"];
    s["class"] = (*dev)["class"];
    std::vector<std::string> names = (*dev)["dns_names"];
    std::sort(names.begin(), names.end());
    s["dns_names"] = names;
    s["dhcp_fingerprint"] =
        dev->contains("dhcp") && (*dev)["dhcp"].contains("fingerprint") ? (*dev)["dhcp"]["fingerprint"] : json();
    s["dhcp_vendor_class"] =
        dev->contains("dhcp") && (*dev)["dhcp"].contains("vendor_class") ? (*dev)["dhcp"]["vendor_class"] : json();
    for (const char* k : {"mdns_services", "ssdp_servers", "user_agents"})
      if (dev->contains(k)) s[k] = (*dev)[k];
    if (dev->contains("tls")) s["tls_sni"] = (*dev)["tls"]["sni"];
    summary[dir.filename().string()] = s;
  }
  check_baseline("iot_sentinel_devices.json", summary.dump(2) + "\n");
}

// The EVE output of whole captures, byte for byte: flows, DNS, DHCP, TLS, HTTP, device events.
TEST_F(IotSentinel, EveEventsMatchBaseline) {
  for (const char* dev : {"Aria", "HueBridge", "WeMoSwitch", "EdimaxCam1"}) {
    fs::path f = kSentinel / dev / "Setup-A-1-STA.pcap";
    CmdResult r = run("watch --eve - -q -r " + shell_quote(f));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    size_t lines = 0;
    std::set<std::string> types;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line); ++lines) {
      json ev = json::parse(line);  // every line is one JSON object
      ASSERT_TRUE(ev.contains("timestamp"));
      types.insert(ev["event_type"].get<std::string>());
      if (ev["event_type"] == "flow") {
        ASSERT_TRUE(ev.contains("community_id"));
        ASSERT_TRUE(ev.contains("flow_id"));
      }
    }
    EXPECT_GT(lines, 5u) << dev;
    EXPECT_TRUE(types.count("flow")) << dev;
    EXPECT_TRUE(types.count("device")) << dev;
    check_baseline(std::string("eve_") + dev + ".jsonl", r.out);
  }
}

// Output does not depend on the per-process hash key.
TEST_F(IotSentinel, DeterministicAcrossHashKeys) {
  fs::path f = kSentinel / "D-LinkCam" / "Setup-A-1-STA.pcap";
  CmdResult a = run("watch --eve - --inventory json -q -r " + shell_quote(f), "SEKISHO_HASH_SEED=1");
  CmdResult b = run("watch --eve - --inventory json -q -r " + shell_quote(f), "SEKISHO_HASH_SEED=99");
  ASSERT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
}

// A spoofed SYN flood through a small flow table: the cap holds, half-open flows are the
// ones evicted, and the real devices stay in the inventory.
TEST_F(IotSentinel, FlowCapHoldsUnderSynFlood) {
  fs::path flood = fs::path(SEKISHO_SHARED_DATA) / "pcap/ddos/pkt.TCP.synflood.spoofed.pcap";
  if (!fs::exists(flood)) GTEST_SKIP() << "flood capture missing";
  std::string args = "watch --inventory json --stats -q --max-flows 2000 -r " + shell_quote(flood);
  for (const char* dev : {"HueBridge", "TP-LinkPlugHS100"})
    for (const auto& f : pcaps_in(kSentinel / dev)) args += " " + shell_quote(f);
  CmdResult r = run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json inv = json::parse(r.out);
  EXPECT_NE(find_device(inv, read_mac(kSentinel / "HueBridge")), nullptr);
  EXPECT_NE(find_device(inv, read_mac(kSentinel / "TP-LinkPlugHS100")), nullptr);
  EXPECT_NE(r.err.find("flows evicted"), std::string::npos);
  // peak active never exceeds the cap
  auto pos = r.err.find("flows peak active");
  ASSERT_NE(pos, std::string::npos);
  long peak = std::stol(r.err.substr(r.err.find_first_of("0123456789", pos)));
  EXPECT_LE(peak, 2000);
}

TEST(WatchCli, ExitCodesAndMessages) {
  CmdResult help = run("watch --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: sekisho watch"), std::string::npos);
  EXPECT_EQ(run("watch").exit_code, 2);
  EXPECT_EQ(run("watch --inventory xml -r x.pcap").exit_code, 2);
  EXPECT_EQ(run("watch --bogus").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  CmdResult missing = run("watch -r /nonexistent/file.pcap");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("/nonexistent/file.pcap"), std::string::npos);
  fs::path junk = fs::temp_directory_path() / "sekisho_junk.pcap";
  std::ofstream(junk) << "this is not a capture file at all";
  CmdResult bad = run("watch -r " + shell_quote(junk));
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find(junk.string()), std::string::npos);
  fs::remove(junk);
  CmdResult badbpf = run("watch --bpf 'port nonsense' -r " + shell_quote(kSentinel / "Aria/Setup-A-1-STA.pcap"));
  EXPECT_NE(badbpf.exit_code, 0);
  EXPECT_NE(badbpf.err.find("--bpf"), std::string::npos);
}

// A damaged capture: the run reports the file and record, counts it, and goes on.
TEST(WatchCli, DamagedCaptureIsReportedAndSurvived) {
  fs::path src = kSentinel / "Aria/Setup-A-1-STA.pcap";
  if (!fs::exists(src)) GTEST_SKIP();
  std::ifstream in(src, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Record 3's caplen (after the 24-byte file header and two records) set to 0x7fffffff.
  size_t off = 24;
  for (int i = 0; i < 2; ++i) {
    uint32_t caplen = uint8_t(bytes[off + 8]) | uint8_t(bytes[off + 9]) << 8 | uint8_t(bytes[off + 10]) << 16 |
                      uint32_t(uint8_t(bytes[off + 11])) << 24;
    off += 16 + caplen;
  }
  bytes[off + 8] = '\xff';
  bytes[off + 9] = '\xff';
  bytes[off + 10] = '\xff';
  bytes[off + 11] = '\x7f';
  bytes.resize(bytes.size() - 7);  // and a truncated last record
  fs::path bad = fs::temp_directory_path() / "sekisho_damaged.pcap";
  std::ofstream(bad, std::ios::binary) << bytes;
  CmdResult r = run("watch --inventory json --stats -r " + shell_quote(bad));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(bad.string() + ":record 3"), std::string::npos) << r.err;
  json inv = json::parse(r.out);
  EXPECT_NE(find_device(inv, "20:f8:5e:ca:91:52"), nullptr);
  fs::remove(bad);
}
