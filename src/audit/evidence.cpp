#include "audit/evidence.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/files.h"

namespace sekisho::audit {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxLineBytes = size_t{1} << 20;
constexpr uint64_t kMaxFileBytes = uint64_t{1} << 30;
constexpr size_t kMaxDepth = 32;         // EVE alerts nest their evidence a few levels
constexpr size_t kMaxFieldBytes = 1024;  // longer texts are clipped: they only feed reports

core::Error format_error(std::string where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, std::move(where), std::move(what));
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Record texts end up in terminal and HTML reports: control characters become spaces and
// very long values are cut at a UTF-8 character boundary.
std::string clean(std::string_view s) {
  if (s.size() > kMaxFieldBytes) {
    size_t n = kMaxFieldBytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    s = s.substr(0, n);
  }
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// Reads the fields of one record; the first type error is kept and reported by the caller.
class Fields {
 public:
  Fields(const Json& obj, std::string prefix) : obj_(obj), prefix_(std::move(prefix)) {}

  const std::optional<std::string>& error() const { return error_; }

  // The string at `key`, nullopt when absent (or null), an error when of another type.
  std::optional<std::string> str(const char* key, bool required = false) {
    const Json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) return fail(key, "expected a string");
    return clean(v->get_ref<const std::string&>());
  }

  // A whole number >= 0 at `key`, as text.
  std::optional<std::string> count(const char* key, bool required = false, uint64_t max = UINT64_MAX) {
    const Json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<int64_t>() >= 0))
      return fail(key, "expected a number");
    const auto n = v->get<uint64_t>();
    if (n > max) return fail(key, "expected a number up to " + std::to_string(max));
    return std::to_string(n);
  }

  std::optional<std::string> boolean(const char* key, bool required = false) {
    const Json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) return fail(key, "expected true or false");
    return v->get<bool>() ? "true" : "false";
  }

  // The object at `key`, or null (absent, or an error when of another type).
  const Json* object(const char* key, bool required = false) {
    const Json* v = get(key, required);
    if (!v) return nullptr;
    if (!v->is_object()) {
      fail(key, "expected an object");
      return nullptr;
    }
    return v;
  }

  const Json* array(const char* key) {
    const Json* v = get(key, false);
    if (!v) return nullptr;
    if (!v->is_array()) {
      fail(key, "expected an array");
      return nullptr;
    }
    return v;
  }

  std::string path(const char* key) const { return prefix_ + key; }

  std::nullopt_t fail(const char* key, const std::string& what) {
    if (!error_) error_ = "field \"" + path(key) + "\": " + what;
    return std::nullopt;
  }

  // Takes the first error of a nested object's reader (its prefix names the path).
  void adopt(const Fields& nested) {
    if (!error_) error_ = nested.error_;
  }

 private:
  const Json* get(const char* key, bool required) {
    const auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      if (required) fail(key, "missing");
      return nullptr;
    }
    return &*it;
  }

  const Json& obj_;
  std::string prefix_;
  std::optional<std::string> error_;
};

void add(Evidence& e, const char* key, const std::optional<std::string>& v) {
  if (v) e.attrs.emplace_back(key, *v);
}

// "telnet/23", or "tcp/23" when the service is unknown.
std::string service_port(const Evidence& e) {
  const std::string& svc = e.attr("service").empty() ? e.attr("proto") : e.attr("service");
  return (svc.empty() ? "port" : svc) + "/" + e.attr("port");
}

std::string plural(const std::string& n, const char* what) { return n + " " + what + (n == "1" ? "" : "s"); }

// Fills `e` from a scan record of type `type`; false when the type is not kept.
bool scan_record(const std::string& type, Fields& f, Evidence& e) {
  if (type != "finding" && type != "service" && type != "host" && type != "summary") return false;
  e.source = Source::kScan;
  e.kind = "scan." + type;
  e.time = f.str("timestamp").value_or("");
  if (type != "summary") e.ip = f.str("ip", true).value_or("");
  if (type == "finding") {
    add(e, "id", f.str("id", true));
    add(e, "service", f.str("service"));
    add(e, "port", f.count("port", false, 65535));
    add(e, "proto", f.str("proto"));
    add(e, "severity", f.str("severity"));
    add(e, "confidence", f.str("confidence"));
    add(e, "credential_id", f.str("credential_id"));
    add(e, "advisory", f.str("advisory"));
    e.summary = service_port(e) + ": finding " + e.attr("id");
    if (!e.attr("credential_id").empty()) e.summary += " (credential " + e.attr("credential_id") + ")";
    if (!e.attr("advisory").empty()) e.summary += " (advisory " + e.attr("advisory") + ")";
  } else if (type == "service") {
    add(e, "service", f.str("service"));
    add(e, "port", f.count("port", true, 65535));
    add(e, "proto", f.str("proto"));
    add(e, "product", f.str("product"));
    add(e, "version", f.str("version"));
    add(e, "tls", f.boolean("tls"));
    e.summary = service_port(e) + ": open";
    if (!e.attr("product").empty()) {
      e.summary += ", " + e.attr("product");
      if (!e.attr("version").empty()) e.summary += " " + e.attr("version");
    }
    if (e.attr("tls") == "true") e.summary += ", over TLS";
  } else if (type == "host") {
    add(e, "up", f.boolean("up"));
    add(e, "open_ports", f.count("open_ports"));
    add(e, "findings", f.count("findings"));
    add(e, "logins_tried", f.count("logins_tried"));
    add(e, "interrupted", f.boolean("interrupted").value_or("false"));
    if (e.attr("up") == "false") {
      e.summary = "host down";
    } else {
      e.summary = "host up";
      if (!e.attr("open_ports").empty()) e.summary += ", " + plural(e.attr("open_ports"), "open port");
      if (!e.attr("findings").empty()) e.summary += ", " + plural(e.attr("findings"), "finding");
      if (!e.attr("logins_tried").empty()) e.summary += ", " + plural(e.attr("logins_tried"), "login") + " tried";
    }
    if (e.attr("interrupted") == "true") e.summary += " (interrupted)";
  } else {
    add(e, "hosts", f.count("hosts"));
    add(e, "findings", f.count("findings"));
    add(e, "login_attempts", f.count("login_attempts"));
    add(e, "interrupted", f.boolean("interrupted").value_or("false"));
    e.summary = "scan summary: " + plural(e.attr("hosts").empty() ? "0" : e.attr("hosts"), "host") + ", " +
                plural(e.attr("findings").empty() ? "0" : e.attr("findings"), "finding") + ", " +
                plural(e.attr("login_attempts").empty() ? "0" : e.attr("login_attempts"), "login attempt");
    if (e.attr("interrupted") == "true") e.summary += " (interrupted)";
  }
  return true;
}

// Fills `e` from an EVE record of event type `type`; false when the type is not kept.
// Cipher suites no current practice accepts (RFC 7465 RC4, RFC 8996 era: NULL, EXPORT, DES,
// anonymous), by IANA number: offering one is offering weak cryptography.
bool weak_suite(unsigned long id) {
  static constexpr unsigned long kWeak[] = {
      0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0009, 0x000b, 0x000c, 0x000e,
      0x000f, 0x0011, 0x0012, 0x0014, 0x0015, 0x0017, 0x0018, 0x0019, 0x001a, 0x001b, 0x0020, 0x0024,
      0x0028, 0x002b, 0x002c, 0x002d, 0x002e, 0x003b, 0x008a, 0x008e, 0x0092, 0xc001, 0xc002, 0xc006,
      0xc007, 0xc00b, 0xc00c, 0xc010, 0xc011, 0xc015, 0xc016, 0xc017, 0xc018, 0xc019};
  for (unsigned long w : kWeak)
    if (w == id) return true;
  return false;
}

// The weak suites in a JA3 string ("771,4865-4866-...,..."): its second field.
size_t weak_suites(std::string_view ja3) {
  const size_t a = ja3.find(',');
  if (a == std::string_view::npos) return 0;
  std::string_view list = ja3.substr(a + 1, ja3.find(',', a + 1) - a - 1);
  size_t n = 0;
  while (!list.empty()) {
    const size_t dash = list.find('-');
    const std::string item(list.substr(0, dash));
    char* end = nullptr;
    const unsigned long id = std::strtoul(item.c_str(), &end, 10);
    if (end && *end == '\0' && !item.empty() && weak_suite(id)) ++n;
    if (dash == std::string_view::npos) break;
    list.remove_prefix(dash + 1);
  }
  return n;
}

bool watch_record(const std::string& type, Fields& f, Evidence& e) {
  if (type != "alert" && type != "device" && type != "tls") return false;
  e.source = Source::kWatch;
  e.kind = "watch." + type;
  e.time = f.str("timestamp").value_or("");
  if (type == "tls") {
    // A ClientHello the device sent: the highest version it offers and the suites it accepts.
    const Json* tls = f.object("tls", true);
    const Json* ether = f.object("ether");
    e.ip = f.str("src_ip").value_or("");
    const std::optional<std::string> dest = f.str("dest_ip");
    const std::optional<std::string> port = f.count("dest_port", false, 65535);
    if (f.error() || !tls) return true;
    Fields t(*tls, "tls.");
    add(e, "version", t.str("version"));
    add(e, "sni", t.str("sni"));
    add(e, "dest_ip", dest);
    add(e, "dest_port", port);
    size_t weak = 0;
    if (const Json* ja3 = t.object("ja3")) {
      Fields j(*ja3, "tls.ja3.");
      add(e, "ja3", j.str("hash"));
      if (const std::optional<std::string> str = j.str("string")) weak = weak_suites(*str);
      t.adopt(j);
    }
    e.attrs.emplace_back("weak_ciphers", std::to_string(weak));
    f.adopt(t);
    if (ether) {
      Fields m(*ether, "ether.");
      e.mac = m.str("src_mac").value_or("");
      f.adopt(m);
    }
    const std::string to = e.attr("sni").empty() ? e.attr("dest_ip") : e.attr("sni");
    e.attrs.emplace_back("peer", to);
    e.summary = "TLS ClientHello to " + to + ": " + (e.attr("version").empty() ? "?" : e.attr("version")) + ", " +
                std::to_string(weak) + " weak cipher suites offered";
  } else if (type == "alert") {
    const Json* alert = f.object("alert", true);
    const Json* dev = f.object("device");
    const std::optional<std::string> direction = f.str("direction");
    const std::optional<std::string> top_mac = f.str("mac");
    if (f.error() || !alert) return true;
    Fields a(*alert, "alert.");
    add(e, "detector", a.str("detector"));
    add(e, "signature_id", a.count("signature_id", true));
    add(e, "signature", a.str("signature"));
    add(e, "category", a.str("category"));
    add(e, "direction", direction);
    add(e, "action", a.str("action"));
    f.adopt(a);
    if (dev) {
      Fields d(*dev, "device.");
      e.ip = d.str("ip").value_or("");
      e.mac = d.str("mac").value_or("");
      f.adopt(d);
    }
    if (e.mac.empty()) e.mac = top_mac.value_or("");
    const std::string& det = e.attr("detector");
    e.summary = "alert " + (det.empty() ? "sid " + e.attr("signature_id") : det) + ": " +
                (e.attr("signature").empty() ? e.attr("category") : e.attr("signature"));
  } else {
    const Json* dev = f.object("device", true);
    if (f.error() || !dev) return true;
    Fields d(*dev, "device.");
    e.mac = d.str("mac").value_or("");
    e.ip = d.str("ip").value_or("");
    if (const Json* addrs = d.array("addresses"); addrs && e.ip.empty()) {
      for (const Json& a : *addrs) {
        const auto it = a.is_object() ? a.find("ip") : a.end();
        if (a.is_object() && it != a.end() && it->is_string()) {
          e.ip = clean(it->get_ref<const std::string&>());
          break;
        }
      }
    }
    add(e, "class", d.str("class"));
    add(e, "vendor", d.str("vendor"));
    add(e, "hostname", d.str("hostname"));
    add(e, "mud_url", d.str("mud_url"));
    add(e, "event", d.str("event"));
    f.adopt(d);
    e.summary = "device " + (e.attr("event").empty() ? std::string("seen") : e.attr("event")) + ": " +
                (e.attr("class").empty() ? std::string("unknown") : e.attr("class"));
    if (!e.attr("vendor").empty()) e.summary += ", " + e.attr("vendor");
    if (!e.attr("hostname").empty()) e.summary += " (" + e.attr("hostname") + ")";
    if (e.ip.empty() && !e.mac.empty()) e.summary += " at " + e.mac;
  }
  return true;
}

// Parses the evidence file line by line; shared by the in-memory and streaming readers.
class LineParser {
 public:
  explicit LineParser(const std::string& name) : name_(name), base_(base_name(name)) {}

  core::Status line(std::string_view text) {
    ++lineno_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const std::string where = name_ + ":" + std::to_string(lineno_);
    if (text.size() > kMaxLineBytes) return format_error(where, "line longer than 1 MiB");
    if (text.find_first_not_of(" \t") == std::string_view::npos) return {};
    ++out_.lines;
    if (const size_t at = core::json_deeper_than(text, kMaxDepth); at != std::string_view::npos)
      return format_error(
          where, "nested deeper than " + std::to_string(kMaxDepth) + " levels at byte " + std::to_string(at + 1));
    // Most of a watch EVE file is flows, DNS and the like, which no rule reads: such a line is
    // only validated (no document is built) and counted.
    if (const size_t et = text.find("\"event_type\":\""); et != std::string_view::npos && et < 128) {
      const std::string_view rest = text.substr(et + 14);
      const std::string_view type = rest.substr(0, rest.find('"'));
      if (type != "alert" && type != "device" && type != "tls") {
        if (!Json::accept(text.begin(), text.end()))
          return format_error(where, "not JSON (a " + clean(std::string(type.substr(0, 32))) + " event)");
        ++out_.skipped;
        return {};
      }
    }
    Json j;
    try {
      j = Json::parse(text.begin(), text.end());
    } catch (const std::exception& e) {
      return format_error(where, std::string("not JSON: ") + clean(e.what()));
    }
    if (!j.is_object()) return format_error(where, "expected a JSON object");

    Evidence e;
    Fields f(j, "");
    bool kept = false;
    if (const std::optional<std::string> type = f.str("type")) {
      kept = scan_record(*type, f, e);
    } else if (const std::optional<std::string> event = f.str("event_type"); event && !f.error()) {
      kept = watch_record(*event, f, e);
    }
    if (f.error()) return format_error(where, *f.error());
    if (!kept) {
      ++out_.skipped;
      return {};
    }
    e.id = base_ + ":" + std::to_string(lineno_);
    e.file = name_;
    e.line = lineno_;
    out_.records.push_back(std::move(e));
    return {};
  }

  EvidenceFile take() { return std::move(out_); }

 private:
  const std::string& name_;
  std::string base_;
  size_t lineno_ = 0;
  EvidenceFile out_;
};

}  // namespace

const char* source_name(Source s) {
  switch (s) {
    case Source::kScan: return "scan";
    case Source::kWatch: return "watch";
    case Source::kDeclaration: return "declaration";
    case Source::kFirmware: return "firmware";
  }
  return "unknown";
}

const std::string& Evidence::attr(std::string_view key) const {
  static const std::string kNone;
  for (const auto& [k, v] : attrs)
    if (k == key) return v;
  return kNone;
}

core::Result<EvidenceFile> parse_evidence(std::string_view text, const std::string& name) {
  if (text.size() > kMaxFileBytes) return format_error(name, "larger than 1 GiB; not an evidence file");
  LineParser p(name);
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (auto st = p.line(line); !st) return st.error();
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return p.take();
}

core::Result<EvidenceFile> load_evidence(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error(core::ErrorCode::kNotFound, path, "cannot open the evidence file");
  LineParser p(path);
  std::string line;
  bool too_long = false;  // the current line passed the cap: its bytes are no longer kept
  uint64_t total = 0;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    const auto n = size_t(in.gcount());
    total += n;
    if (total > kMaxFileBytes) return format_error(path, "larger than 1 GiB; not an evidence file");
    std::string_view chunk(buf, n);
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl);
      if (!too_long) {
        line.append(part);
        if (line.size() > kMaxLineBytes + 1) {
          too_long = true;  // reported when the line is handed over below
          line.resize(kMaxLineBytes + 1);
        }
      }
      if (nl == std::string_view::npos) break;
      if (auto st = p.line(line); !st) return st.error();
      line.clear();
      too_long = false;
      chunk.remove_prefix(nl + 1);
    }
    if (too_long) {
      // Report at once rather than reading the rest of a huge line.
      if (auto st = p.line(line); !st) return st.error();
    }
  }
  if (in.bad()) return core::make_error(core::ErrorCode::kIo, path, "read error");
  if (!line.empty())
    if (auto st = p.line(line); !st) return st.error();
  return p.take();
}

}  // namespace sekisho::audit
