#include "scan/report.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "core/json_writer.h"
#include "core/time.h"

namespace sekisho::scan {

namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n')
          out += ' ';
        else
          out += ch;
    }
  }
  return out;
}

void fields(core::JsonWriter& w, std::string_view key, const Fields& f) {
  w.key(key).begin_object();
  for (const auto& [k, v] : f) w.key(k).value(v);
  w.end_object();
}

// Display width of UTF-8 text in a terminal: CJK counts two columns.
size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    w += len >= 3 ? 2 : 1;
    i += len;
  }
  return w;
}

std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  for (size_t w = display_width(s); w < width; ++w) out += ' ';
  return out;
}

}  // namespace

std::string cpe_uri(std::string_view vendor_product, std::string_view version) {
  if (vendor_product.empty()) return {};
  std::string out = "cpe:/a:" + std::string(vendor_product);
  if (!version.empty()) out += ":" + std::string(version);
  return out;
}

Report::Report(ReportOptions opts, const FindingCatalog& catalog)
    : opts_(std::move(opts)), catalog_(catalog), started_(core::wall_now()) {}

Severity Report::severity_of(const FindingRecord& f) const {
  if (f.severity) return *f.severity;
  if (const FindingKind* k = catalog_.find(f.id)) return k->severity;
  return Severity::kMedium;
}

void Report::write_line(const std::string& line) {
  if (!opts_.json) return;
  std::fwrite(line.data(), 1, line.size(), opts_.json);
  std::fputc('\n', opts_.json);
  std::fflush(opts_.json);
}

std::string Report::service_json(const ServiceRecord& s) const {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("type").value("service");
  w.key("timestamp").value(core::iso_time(core::wall_now()));
  w.key("ip").value(s.ip.to_string());
  w.key("port").value(uint32_t{s.port});
  w.key("proto").value(proto_name(s.proto));
  w.key("service").value(s.service);
  w.key("product").value(s.product);
  w.key("version").value(s.version);
  if (!s.cpe.empty()) w.key("cpe").value(cpe_uri(s.cpe, s.version));
  w.key("tls").value(s.tls);
  if (!s.banner.empty()) w.key("banner").value(s.banner);
  fields(w, "info", s.info);
  w.end_object();
  return out;
}

std::string Report::finding_json(const FindingRecord& f) const {
  const FindingKind* k = catalog_.find(f.id);
  const std::string port = std::to_string(f.port);
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("type").value("finding");
  w.key("timestamp").value(core::iso_time(core::wall_now()));
  w.key("ip").value(f.ip.to_string());
  w.key("port").value(uint32_t{f.port});
  w.key("proto").value(proto_name(f.proto));
  w.key("service").value(f.service);
  w.key("id").value(f.id);
  w.key("severity").value(severity_name(severity_of(f)));
  w.key("confidence").value(f.confidence);
  if (!f.credential_id.empty()) w.key("credential_id").value(f.credential_id);
  if (!f.advisory.empty()) w.key("advisory").value(f.advisory);
  w.key("guidelines").begin_array();
  if (k)
    for (const auto& g : k->guidelines) w.value(g);
  w.end_array();
  w.key("title").begin_object();
  w.key("ja").value(k ? render(k->title_ja, f.service, f.port) : f.id);
  w.key("en").value(k ? render(k->title_en, f.service, f.port) : f.id);
  w.end_object();
  w.key("advice").begin_object();
  w.key("ja").value(k ? render(k->advice_ja, f.service, f.port) : "");
  w.key("en").value(k ? render(k->advice_en, f.service, f.port) : "");
  w.end_object();
  fields(w, "evidence", f.evidence);
  w.end_object();
  (void)port;
  return out;
}

void Report::service(const ServiceRecord& s) {
  write_line(service_json(s));
  records_[s.ip].services.push_back(s);
}

void Report::finding(const FindingRecord& f) {
  write_line(finding_json(f));
  records_[f.ip].findings.push_back(f);
  const Severity sev = severity_of(f);
  if (findings_ == 0 || sev > worst_) worst_ = sev;
  ++findings_;
}

void Report::host_done(const HostSummary& h) {
  hosts_.push_back(h);
  if (!opts_.json) return;
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("type").value("host");
  w.key("timestamp").value(core::iso_time(core::wall_now()));
  w.key("ip").value(h.ip.to_string());
  w.key("up").value(h.up);
  w.key("open_ports").value(uint64_t{h.open_ports});
  w.key("findings").value(uint64_t{h.findings});
  w.key("logins_tried").value(h.logins_tried);
  if (h.interrupted) w.key("interrupted").value(true);
  w.end_object();
  write_line(out);
}

std::string Report::xml(const ScanStats& stats) const {
  const int64_t start_s = started_ / core::kNsPerSec;
  const int64_t end_ns = core::wall_now();
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n";
  x += "<nmaprun scanner=\"sekisho\" args=\"" + xml_escape(opts_.args) + "\" start=\"" + std::to_string(start_s) +
       "\" version=\"0.1\" xmloutputversion=\"1.05\">\n";
  std::vector<HostSummary> hosts = hosts_;
  std::sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return a.ip < b.ip; });
  size_t up = 0;
  for (const HostSummary& h : hosts) {
    if (!h.up) continue;
    ++up;
    x += "<host><status state=\"up\" reason=\"conn\"/>\n<address addr=\"" + h.ip.to_string() + "\" addrtype=\"" +
         (h.ip.is_v4() ? "ipv4" : "ipv6") + "\"/>\n<ports>\n";
    auto it = records_.find(h.ip);
    if (it != records_.end()) {
      for (const ServiceRecord& s : it->second.services) {
        x += "<port protocol=\"" + std::string(proto_name(s.proto)) + "\" portid=\"" + std::to_string(s.port) +
             "\"><state state=\"open\" reason=\"" + (s.proto == Proto::kTcp ? "syn-ack" : "udp-response") +
             "\"/><service name=\"" + xml_escape(s.service) + "\"";
        if (!s.product.empty()) x += " product=\"" + xml_escape(s.product) + "\"";
        if (!s.version.empty()) x += " version=\"" + xml_escape(s.version) + "\"";
        if (s.tls) x += " tunnel=\"ssl\"";
        x += " method=\"probed\" conf=\"10\">";
        if (!s.cpe.empty()) x += "<cpe>" + xml_escape(cpe_uri(s.cpe, s.version)) + "</cpe>";
        x += "</service>";
        // Findings on this port as an NSE-style script block, for tools that read those.
        std::string out;
        std::string elems;
        for (const FindingRecord& f : it->second.findings) {
          if (f.port != s.port || f.proto != s.proto) continue;
          const std::string sev = severity_name(severity_of(f));
          out += f.id + " (" + sev + ")" + (f.advisory.empty() ? "" : " " + f.advisory) +
                 (f.credential_id.empty() ? "" : " credential " + f.credential_id) + "; ";
          elems += "<table><elem key=\"id\">" + xml_escape(f.id) + "</elem><elem key=\"severity\">" + sev + "</elem>";
          if (!f.advisory.empty()) elems += "<elem key=\"advisory\">" + xml_escape(f.advisory) + "</elem>";
          if (!f.credential_id.empty())
            elems += "<elem key=\"credential_id\">" + xml_escape(f.credential_id) + "</elem>";
          elems += "</table>";
        }
        if (!out.empty())
          x += "<script id=\"sekisho-findings\" output=\"" + xml_escape(out) + "\">" + elems + "</script>";
        x += "</port>\n";
      }
    }
    x += "</ports></host>\n";
  }
  x += "<runstats><finished time=\"" + std::to_string(end_ns / core::kNsPerSec) + "\" elapsed=\"" +
       std::to_string(double(end_ns - started_) / 1e9) + "\" exit=\"" + (stats.interrupted ? "error" : "success") +
       "\"/><hosts up=\"" + std::to_string(up) + "\" down=\"" + std::to_string(hosts.size() - up) + "\" total=\"" +
       std::to_string(hosts.size()) + "\"/></runstats>\n</nmaprun>\n";
  return x;
}

void Report::table(const ScanStats& stats) const {
  std::FILE* o = opts_.table;
  const bool ja = opts_.lang == "ja";
  size_t n_services = 0;
  for (const auto& [ip, r] : records_) n_services += r.services.size();
  std::fprintf(o, ja ? "\n# サービス (%zu)\n" : "\n# Services (%zu)\n", n_services);
  std::fprintf(o, "%-16s %-10s %-8s %-28s %s\n", "ADDRESS", "PORT", "SERVICE", "PRODUCT", "DETAILS");
  for (const auto& [ip, r] : records_) {
    for (const ServiceRecord& s : r.services) {
      std::string product = s.product + (s.version.empty() ? "" : " " + s.version);
      std::string details;
      for (const auto& [k, v] : s.info) {
        if (k == "server" && !s.product.empty()) continue;
        if (details.size() > 60) break;
        details += (details.empty() ? "" : " ") + k + "=" + v;
      }
      std::fprintf(o, "%-16s %-10s %-8s %-28s %s\n", ip.to_string().c_str(),
                   (std::to_string(s.port) + "/" + proto_name(s.proto)).c_str(), s.service.c_str(),
                   product.substr(0, 28).c_str(), details.substr(0, 80).c_str());
    }
  }
  std::fprintf(o, ja ? "\n# 指摘事項 (%zu)\n" : "\n# Findings (%zu)\n", findings_);
  std::vector<const FindingRecord*> all;
  for (const auto& [ip, r] : records_)
    for (const FindingRecord& f : r.findings) all.push_back(&f);
  std::stable_sort(all.begin(), all.end(),
                   [&](const FindingRecord* a, const FindingRecord* b) { return severity_of(*a) > severity_of(*b); });
  for (const FindingRecord* f : all) {
    const FindingKind* k = catalog_.find(f->id);
    std::string title = k ? render(ja ? k->title_ja : k->title_en, f->service, f->port) : f->id;
    if (!f->credential_id.empty()) title += " [" + f->credential_id + "]";
    if (!f->advisory.empty()) title += " [" + f->advisory + "]";
    std::string sev = severity_name(severity_of(*f));
    std::transform(sev.begin(), sev.end(), sev.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    std::fprintf(o, "%-16s %-10s %-9s %s %s\n", f->ip.to_string().c_str(),
                 (std::to_string(f->port) + "/" + proto_name(f->proto)).c_str(), sev.c_str(), pad(f->id, 22).c_str(),
                 title.c_str());
    if (k) {
      const std::string advice = render(ja ? k->advice_ja : k->advice_en, f->service, f->port);
      std::fprintf(o, "%-16s   -> %s\n", "", advice.c_str());
    }
  }
  std::fprintf(o,
               ja ? "\n%llu 台を調査 (応答 %llu 台)、接続 %llu 回、データグラム %llu 個、ログイン試行 %llu 回%s\n"
                  : "\n%llu addresses scanned (%llu up), %llu connections, %llu datagrams, %llu login attempts%s\n",
               (unsigned long long)stats.hosts_done, (unsigned long long)stats.hosts_up,
               (unsigned long long)stats.connects, (unsigned long long)stats.datagrams,
               (unsigned long long)stats.logins, stats.interrupted ? (ja ? " (中断)" : " (interrupted)") : "");
}

bool Report::finish(const ScanStats& stats, std::string& error) {
  if (opts_.json) {
    std::string out;
    core::JsonWriter w(out);
    w.begin_object();
    w.key("type").value("summary");
    w.key("timestamp").value(core::iso_time(core::wall_now()));
    w.key("hosts").value(stats.hosts_done);
    w.key("hosts_up").value(stats.hosts_up);
    w.key("services").value(stats.services);
    w.key("findings").value(stats.findings);
    w.key("connections").value(stats.connects);
    w.key("datagrams").value(stats.datagrams);
    w.key("login_attempts").value(stats.logins);
    w.key("interrupted").value(stats.interrupted);
    w.end_object();
    write_line(out);
  }
  if (opts_.table) table(stats);
  if (!opts_.xml_path.empty()) {
    std::ofstream f(opts_.xml_path, std::ios::binary | std::ios::trunc);
    const std::string x = xml(stats);
    f.write(x.data(), std::streamsize(x.size()));
    if (!f) {
      error = opts_.xml_path + ": cannot write the XML report";
      return false;
    }
  }
  return true;
}

}  // namespace sekisho::scan
