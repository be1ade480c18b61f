#include "audit/evidence.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace sekisho::audit {
namespace {

// Lines as `sekisho scan -oJ` writes them (src/scan/report.cpp).
constexpr const char* kScanService =
    R"({"type":"service","timestamp":"2026-11-01T09:00:01.000000Z","ip":"10.0.0.5","port":23,"proto":"tcp",)"
    R"("service":"telnet","product":"BusyBox telnetd","version":"1.19","tls":false,"banner":"login: ","info":{}})";
constexpr const char* kScanFinding =
    R"({"type":"finding","timestamp":"2026-11-01T09:00:02.000000Z","ip":"10.0.0.5","port":23,"proto":"tcp",)"
    R"("service":"telnet","id":"default-credentials","severity":"critical","confidence":"confirmed",)"
    R"("credential_id":"mirai-12","guidelines":["K15","ETSI-5.1-1"],"title":{"ja":"t","en":"t"},)"
    R"("advice":{"ja":"a","en":"a"},"evidence":{"user":"root"}})";
constexpr const char* kScanHost =
    R"({"type":"host","timestamp":"2026-11-01T09:00:03.000000Z","ip":"10.0.0.5","up":true,"open_ports":3,)"
    R"("findings":2,"logins_tried":12})";
constexpr const char* kScanSummary =
    R"({"type":"summary","timestamp":"2026-11-01T09:00:04.000000Z","hosts":1,"hosts_up":1,"services":3,)"
    R"("findings":2,"connections":40,"datagrams":5,"login_attempts":12,"interrupted":false})";
// Lines as `sekisho watch --eve` writes them (src/detect/engine.cpp, src/output/eve_writer.cpp).
constexpr const char* kEveAlert =
    R"({"timestamp":"2024-01-01T00:00:00.031000+0000","flow_id":3,"event_type":"alert","src_ip":"192.168.1.20",)"
    R"("src_port":48123,"dest_ip":"203.0.113.7","dest_port":23,"proto":"TCP","community_id":"1:abc=",)"
    R"("mac":"00:11:22:33:44:55","direction":"outbound","alert":{"action":"quarantine","signature_id":9400001,)"
    R"j("signature":"IoT outbound telnet scan (Mirai-like)","category":"Infected device","severity":1,)j"
    R"("detector":"outbound_scan","key_points":["K09","K21"],"response":"quarantined"},)"
    R"("device":{"mac":"00:11:22:33:44:55","ip":"192.168.1.20","vendor":"Acme","class":"camera"},)"
    R"("evidence":{"syns":5,"distinct_destinations":5}})";
constexpr const char* kEveDevice =
    R"({"timestamp":"2016-06-09T13:15:43.773797+0000","event_type":"device","device":{"mac":"00:b5:6d:06:08:ba",)"
    R"("vendor":"David Electronics Co., LTD.","randomized_mac":false,"addresses":[{"ip":"10.10.10.1",)"
    R"("source":"traffic"}],"hostname":"","class":"unknown","class_evidence":[],"dns_names":[],)"
    R"("first_seen":"2016-06-09T13:15:43.773797Z","last_seen":"2016-06-09T13:15:43.773797Z","event":"new"}})";
constexpr const char* kEveFlow =
    R"({"timestamp":"2016-06-09T13:15:44.000000+0000","flow_id":7,"event_type":"flow","src_ip":"10.10.10.1",)"
    R"("dest_ip":"10.10.10.2","proto":"UDP","flow":{"pkts_toserver":1}})";

std::string lines(std::initializer_list<const char*> ls) {
  std::string out;
  for (const char* l : ls) out += std::string(l) + "\n";
  return out;
}

TEST(Evidence, ScanRecords) {
  auto f = parse_evidence(lines({kScanService, kScanFinding, "", kScanHost, kScanSummary}), "runs/scan-lab.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->lines, 4u);
  EXPECT_EQ(f->skipped, 0u);
  ASSERT_EQ(f->records.size(), 4u);

  const Evidence& svc = f->records[0];
  EXPECT_EQ(svc.id, "scan-lab.json:1");
  EXPECT_EQ(svc.file, "runs/scan-lab.json");
  EXPECT_EQ(svc.line, 1u);
  EXPECT_EQ(svc.source, Source::kScan);
  EXPECT_EQ(svc.kind, "scan.service");
  EXPECT_EQ(svc.ip, "10.0.0.5");
  EXPECT_EQ(svc.time, "2026-11-01T09:00:01.000000Z");
  EXPECT_EQ(svc.attr("service"), "telnet");
  EXPECT_EQ(svc.attr("port"), "23");
  EXPECT_EQ(svc.attr("proto"), "tcp");
  EXPECT_EQ(svc.attr("product"), "BusyBox telnetd");
  EXPECT_EQ(svc.attr("version"), "1.19");
  EXPECT_EQ(svc.attr("tls"), "false");
  EXPECT_EQ(svc.attr("banner"), "");  // not kept
  EXPECT_EQ(svc.summary, "telnet/23: open, BusyBox telnetd 1.19");

  const Evidence& fin = f->records[1];
  EXPECT_EQ(fin.id, "scan-lab.json:2");
  EXPECT_EQ(fin.kind, "scan.finding");
  EXPECT_EQ(fin.attr("id"), "default-credentials");
  EXPECT_EQ(fin.attr("severity"), "critical");
  EXPECT_EQ(fin.attr("confidence"), "confirmed");
  EXPECT_EQ(fin.attr("credential_id"), "mirai-12");
  EXPECT_EQ(fin.attr("advisory"), "");
  EXPECT_EQ(fin.summary, "telnet/23: finding default-credentials (credential mirai-12)");

  const Evidence& host = f->records[2];
  EXPECT_EQ(host.id, "scan-lab.json:4");  // line numbers count the blank line
  EXPECT_EQ(host.line, 4u);
  EXPECT_EQ(host.kind, "scan.host");
  EXPECT_EQ(host.attr("up"), "true");
  EXPECT_EQ(host.attr("open_ports"), "3");
  EXPECT_EQ(host.attr("findings"), "2");
  EXPECT_EQ(host.attr("logins_tried"), "12");
  EXPECT_EQ(host.attr("interrupted"), "false");
  EXPECT_EQ(host.summary, "host up, 3 open ports, 2 findings, 12 logins tried");

  const Evidence& sum = f->records[3];
  EXPECT_EQ(sum.kind, "scan.summary");
  EXPECT_EQ(sum.ip, "");
  EXPECT_EQ(sum.attr("hosts"), "1");
  EXPECT_EQ(sum.attr("findings"), "2");
  EXPECT_EQ(sum.attr("login_attempts"), "12");
  EXPECT_EQ(sum.attr("interrupted"), "false");
  EXPECT_EQ(sum.summary, "scan summary: 1 host, 2 findings, 12 login attempts");
}

TEST(Evidence, FindingWithAdvisory) {
  auto f = parse_evidence(
      R"({"type":"finding","ip":"10.0.0.9","port":80,"proto":"tcp","service":"http","id":"vulnerable-version",)"
      R"("severity":"high","confidence":"version","advisory":"CVE-2017-8225"})",
      "scan.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  ASSERT_EQ(f->records.size(), 1u);
  EXPECT_EQ(f->records[0].attr("advisory"), "CVE-2017-8225");
  EXPECT_EQ(f->records[0].summary, "http/80: finding vulnerable-version (advisory CVE-2017-8225)");
  EXPECT_EQ(f->records[0].time, "");
}

TEST(Evidence, EveRecords) {
  auto f = parse_evidence(lines({kEveAlert, kEveFlow, kEveDevice}), "/var/log/sekisho/eve.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->lines, 3u);
  EXPECT_EQ(f->skipped, 1u);
  ASSERT_EQ(f->records.size(), 2u);

  const Evidence& a = f->records[0];
  EXPECT_EQ(a.id, "eve.json:1");
  EXPECT_EQ(a.source, Source::kWatch);
  EXPECT_EQ(a.kind, "watch.alert");
  EXPECT_EQ(a.ip, "192.168.1.20");
  EXPECT_EQ(a.mac, "00:11:22:33:44:55");
  EXPECT_EQ(a.time, "2024-01-01T00:00:00.031000+0000");
  EXPECT_EQ(a.attr("detector"), "outbound_scan");
  EXPECT_EQ(a.attr("signature_id"), "9400001");
  EXPECT_EQ(a.attr("signature"), "IoT outbound telnet scan (Mirai-like)");
  EXPECT_EQ(a.attr("category"), "Infected device");
  EXPECT_EQ(a.attr("direction"), "outbound");
  EXPECT_EQ(a.attr("action"), "quarantine");
  EXPECT_EQ(a.summary, "alert outbound_scan: IoT outbound telnet scan (Mirai-like)");

  const Evidence& d = f->records[1];
  EXPECT_EQ(d.id, "eve.json:3");
  EXPECT_EQ(d.kind, "watch.device");
  EXPECT_EQ(d.ip, "10.10.10.1");  // the first of device.addresses
  EXPECT_EQ(d.mac, "00:b5:6d:06:08:ba");
  EXPECT_EQ(d.attr("class"), "unknown");
  EXPECT_EQ(d.attr("vendor"), "David Electronics Co., LTD.");
  EXPECT_EQ(d.attr("hostname"), "");
  EXPECT_EQ(d.attr("event"), "new");
  EXPECT_EQ(d.summary, "device new: unknown, David Electronics Co., LTD.");
}

TEST(Evidence, DeviceWithoutAddressAndMudUrl) {
  auto f = parse_evidence(
      R"({"timestamp":"t","event_type":"device","device":{"mac":"20:f8:5e:ca:91:52","vendor":"Delta","addresses":[],)"
      R"("hostname":"cam-1","class":"camera","mud_url":"https://mud.example/cam.json","mud_url_source":"dhcp",)"
      R"("event":"updated","changed":["mud_url"]}})",
      "eve.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  ASSERT_EQ(f->records.size(), 1u);
  const Evidence& d = f->records[0];
  EXPECT_EQ(d.ip, "");
  EXPECT_EQ(d.mac, "20:f8:5e:ca:91:52");
  EXPECT_EQ(d.attr("mud_url"), "https://mud.example/cam.json");
  EXPECT_EQ(d.attr("event"), "updated");
  EXPECT_EQ(d.summary, "device updated: camera, Delta (cam-1) at 20:f8:5e:ca:91:52");
}

TEST(Evidence, OtherRecordsAreSkipped) {
  auto f = parse_evidence(
      "{\"event_type\":\"dns\",\"dns\":{}}\n{\"event_type\":\"stats\"}\n{\"type\":\"progress\",\"done\":3}\n"
      "{\"something\":\"else\"}\n  \r\n\n",
      "mixed.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->lines, 4u);
  EXPECT_EQ(f->skipped, 4u);
  EXPECT_TRUE(f->records.empty());
}

TEST(Evidence, CrlfAndNoFinalNewline) {
  auto f = parse_evidence(std::string(kScanHost) + "\r\n" + kScanSummary, "scan.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  ASSERT_EQ(f->records.size(), 2u);
  EXPECT_EQ(f->records[1].id, "scan.json:2");
}

TEST(Evidence, ControlCharactersAreBlanked) {
  auto f = parse_evidence(R"({"type":"service","ip":"10.0.0.5","port":80,"product":"x\u001b[31my\nz"})", "s.json");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->records[0].attr("product"), "x [31my z");
}

// Every error names the file, the line and (for field errors) the field.
struct BadLine {
  const char* line;
  const char* what;  // a part of Error::what
};

class EvidenceErrors : public ::testing::TestWithParam<BadLine> {};

TEST_P(EvidenceErrors, NameFileLineField) {
  const std::string text = std::string(kScanHost) + "\n\n" + GetParam().line + "\n";
  auto f = parse_evidence(text, "dir/run.json");
  ASSERT_FALSE(f.ok()) << GetParam().line;
  EXPECT_EQ(f.error().code, core::ErrorCode::kFormat);
  EXPECT_EQ(f.error().where, "dir/run.json:3");
  EXPECT_NE(f.error().what.find(GetParam().what), std::string::npos) << f.error().what;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, EvidenceErrors,
    ::testing::Values(
        BadLine{"[1,2,3]", "expected a JSON object"}, BadLine{"\"text\"", "expected a JSON object"},
        BadLine{"{\"type\":\"host\",", "not JSON"}, BadLine{"not json at all", "not JSON"},
        BadLine{"{\"type\":7}", "field \"type\": expected a string"},
        BadLine{"{\"event_type\":[]}", "field \"event_type\": expected a string"},
        BadLine{R"({"type":"service","ip":"10.0.0.5","port":"23"})", "field \"port\": expected a number"},
        BadLine{R"({"type":"service","ip":"10.0.0.5","port":-1})", "field \"port\": expected a number"},
        BadLine{R"({"type":"service","ip":"10.0.0.5","port":1.5})", "field \"port\": expected a number"},
        BadLine{R"({"type":"service","ip":"10.0.0.5","port":70000})", "field \"port\": expected a number up to"},
        BadLine{R"({"type":"service","ip":"10.0.0.5"})", "field \"port\": missing"},
        BadLine{R"({"type":"service","port":23})", "field \"ip\": missing"},
        BadLine{R"({"type":"finding","port":23,"id":"telnet-open"})", "field \"ip\": missing"},
        BadLine{R"({"type":"host","up":true})", "field \"ip\": missing"},
        BadLine{R"({"type":"host","ip":5})", "field \"ip\": expected a string"},
        BadLine{R"({"type":"finding","ip":"10.0.0.5","port":23})", "field \"id\": missing"},
        BadLine{R"({"type":"service","ip":"10.0.0.5","port":23,"tls":"yes"})", "field \"tls\": expected true or false"},
        BadLine{R"({"type":"host","ip":"10.0.0.5","up":1})", "field \"up\": expected true or false"},
        BadLine{R"({"type":"summary","hosts":"1"})", "field \"hosts\": expected a number"},
        BadLine{R"({"type":"summary","interrupted":"no"})", "field \"interrupted\": expected true or false"},
        BadLine{R"({"type":"finding","ip":"10.0.0.5","id":"x","timestamp":5})",
                "field \"timestamp\": expected a string"},
        BadLine{R"({"event_type":"alert"})", "field \"alert\": missing"},
        BadLine{R"({"event_type":"alert","alert":[]})", "field \"alert\": expected an object"},
        BadLine{R"({"event_type":"alert","alert":{"signature_id":"9400001"}})",
                "field \"alert.signature_id\": expected a number"},
        BadLine{R"({"event_type":"alert","alert":{"signature_id":1,"detector":3}})",
                "field \"alert.detector\": expected a string"},
        BadLine{R"({"event_type":"alert","direction":1,"alert":{"signature_id":1}})",
                "field \"direction\": expected a string"},
        BadLine{R"({"event_type":"alert","alert":{"signature_id":1},"device":{"ip":4}})",
                "field \"device.ip\": expected a string"},
        BadLine{R"({"event_type":"device"})", "field \"device\": missing"},
        BadLine{R"({"event_type":"device","device":{"mac":"x","class":false}})",
                "field \"device.class\": expected a string"},
        BadLine{R"({"event_type":"device","device":{"addresses":{}}})",
                "field \"device.addresses\": expected an array"},
        BadLine{"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                "nested deeper than 32 levels"}));

TEST(Evidence, LineTooLong) {
  const std::string big = "{\"type\":\"flow\",\"x\":\"" + std::string((1u << 20) + 10, 'a') + "\"}\n";
  auto f = parse_evidence(std::string(kScanHost) + "\n" + big, "big.json");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().where, "big.json:2");
  EXPECT_NE(f.error().what.find("longer than 1 MiB"), std::string::npos);
}

TEST(Evidence, SourceNames) {
  EXPECT_STREQ(source_name(Source::kScan), "scan");
  EXPECT_STREQ(source_name(Source::kWatch), "watch");
  EXPECT_STREQ(source_name(Source::kDeclaration), "declaration");
  EXPECT_STREQ(source_name(Source::kFirmware), "firmware");
}

class EvidenceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "sekisho_evidence_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void write(const std::string& text) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::string path_;
};

TEST_F(EvidenceFileTest, LoadsLineByLine) {
  // More than one 64 KiB read buffer, so lines straddle reads.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += std::string(i % 2 ? kEveFlow : kEveAlert) + "\n";
  text += kScanFinding;  // no final newline
  write(text);
  auto f = load_evidence(path_);
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->lines, 2001u);
  EXPECT_EQ(f->skipped, 1000u);
  ASSERT_EQ(f->records.size(), 1001u);
  EXPECT_EQ(f->records[1].line, 3u);
  EXPECT_EQ(f->records.back().kind, "scan.finding");
  EXPECT_EQ(f->records.back().line, 2001u);
  auto same = parse_evidence(text, path_);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->records.size(), f->records.size());
  EXPECT_EQ(same->records.back().id, f->records.back().id);
}

TEST_F(EvidenceFileTest, LoadErrorNamesLine) {
  write(lines({kScanService, kScanService, R"({"type":"service","ip":"10.0.0.5","port":true})"}));
  auto f = load_evidence(path_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().where, path_ + ":3");
  EXPECT_EQ(f.error().what, "field \"port\": expected a number");
}

TEST_F(EvidenceFileTest, LoadStopsAtAHugeLine) {
  write(std::string(kScanHost) + "\n" + std::string(3u << 20, 'x'));
  auto f = load_evidence(path_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().where, path_ + ":2");
  EXPECT_NE(f.error().what.find("longer than 1 MiB"), std::string::npos);
}

TEST(Evidence, MissingFile) {
  auto f = load_evidence("/nonexistent/sekisho/scan.json");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(f.error().where, "/nonexistent/sekisho/scan.json");
}

TEST(EvidenceTls, ClientHelloVersionAndWeakSuites) {
  // As `sekisho watch` writes it: a 2016 camera offering TLS 1.0 with RC4 (4, 5) and EXPORT (3, 6)
  // suites among strong ones.
  const std::string line =
      R"({"timestamp":"2016-08-23T10:03:39.210082+0000","flow_id":1,"event_type":"tls","src_ip":"10.10.10.39",)"
      R"("src_port":33782,"dest_ip":"52.28.38.154","dest_port":443,"proto":"TCP","community_id":"1:x=",)"
      R"("ether":{"src_mac":"90:8d:78:dd:0d:60","dest_mac":"00:b5:6d:06:08:ba"},"tls":{"version":"TLS 1.0",)"
      R"("ja3":{"hash":"06b704c8ff61b9b37e5bacf2e8d0b37a","string":"769,49172-47-5-4-3-6-255,11-10,14-13,0"}}})";
  auto f = parse_evidence(line + "\n", "eve.json");
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_EQ(f->records.size(), 1u);
  const Evidence& e = f->records[0];
  EXPECT_EQ(e.kind, "watch.tls");
  EXPECT_EQ(e.ip, "10.10.10.39");
  EXPECT_EQ(e.mac, "90:8d:78:dd:0d:60");
  EXPECT_EQ(e.attr("version"), "TLS 1.0");
  EXPECT_EQ(e.attr("weak_ciphers"), "4");
  EXPECT_EQ(e.attr("peer"), "52.28.38.154");
  EXPECT_EQ(e.attr("dest_port"), "443");
  EXPECT_NE(e.summary.find("4 weak cipher suites"), std::string::npos) << e.summary;
  // A modern hello: nothing weak; an SNI names the peer.
  const std::string modern =
      R"({"event_type":"tls","src_ip":"10.0.0.2","dest_ip":"1.2.3.4","dest_port":443,)"
      R"("tls":{"version":"TLS 1.3","sni":"api.example.com","ja3":{"hash":"h","string":"771,4865-4866-49195,0-10,29,0"}}})";
  auto m = parse_evidence(modern + "\n", "eve.json");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->records[0].attr("weak_ciphers"), "0");
  EXPECT_EQ(m->records[0].attr("peer"), "api.example.com");
  // A bad field is named.
  auto bad = parse_evidence(R"({"event_type":"tls","src_ip":"10.0.0.2","tls":{"version":3}})"
                            "\n",
                            "eve.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("tls.version"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace sekisho::audit
