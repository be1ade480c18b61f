#pragma once
// What a scan writes: JSON lines (-oJ), nmap-style XML (-oX) and a table for people. One
// sink fans the engine's records out to the outputs asked for; the finding catalog adds
// severity, guideline items and advice in Japanese and English to every finding.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "scan/engine.h"
#include "scan/findings.h"

namespace sekisho::scan {

struct ReportOptions {
  std::FILE* json = nullptr;   // JSON lines, flushed per record
  std::FILE* table = nullptr;  // the human table at the end
  std::string xml_path;        // nmap-style XML, written at the end
  std::string lang = "en";     // table language: "en" or "ja"
  std::string args;            // the command line, for the XML header
};

class Report : public ResultSink {
 public:
  Report(ReportOptions opts, const FindingCatalog& catalog);
  void service(const ServiceRecord& s) override;
  void finding(const FindingRecord& f) override;
  void host_done(const HostSummary& h) override;

  // Writes the table and the XML; false with `error` set when the XML cannot be written.
  bool finish(const ScanStats& stats, std::string& error);

  Severity worst() const { return worst_; }
  bool any_finding() const { return findings_ > 0; }
  const std::vector<HostSummary>& hosts() const { return hosts_; }

  // One record as a JSON object (no newline); exposed for tests.
  std::string service_json(const ServiceRecord& s) const;
  std::string finding_json(const FindingRecord& f) const;

 private:
  struct HostRecords {
    std::vector<ServiceRecord> services;
    std::vector<FindingRecord> findings;
  };
  Severity severity_of(const FindingRecord& f) const;
  void write_line(const std::string& line);
  std::string xml(const ScanStats& stats) const;
  void table(const ScanStats& stats) const;

  ReportOptions opts_;
  const FindingCatalog& catalog_;
  std::map<core::IpAddr, HostRecords> records_;
  std::vector<HostSummary> hosts_;
  Severity worst_ = Severity::kInfo;
  size_t findings_ = 0;
  int64_t started_ = 0;
};

// The CPE 2.2 URI nmap prints ("cpe:/a:lighttpd:lighttpd:1.4.69") from "vendor:product" and a version.
std::string cpe_uri(std::string_view vendor_product, std::string_view version);

}  // namespace sekisho::scan
