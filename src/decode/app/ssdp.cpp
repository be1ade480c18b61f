// SSDP (UPnP Device Architecture 2.0, section 1): HTTP-like messages over UDP 1900. The
// SERVER string and the USN/NT device types name the product outright.
#include "decode/app/app.h"
#include "decode/app/text.h"

namespace sekisho::decode {

ParseStatus parse_ssdp(const uint8_t* p, size_t n, SsdpInfo& out) {
  out = SsdpInfo{};
  text::LineReader lines(p, n);
  std::string_view start;
  if (!lines.next(start)) return ParseStatus::kNotMine;
  if (start.starts_with("NOTIFY * HTTP/1.")) {
    out.method = start.substr(0, 6);
  } else if (start.starts_with("M-SEARCH * HTTP/1.")) {
    out.method = start.substr(0, 8);
  } else if (!start.starts_with("HTTP/1.")) {
    return ParseStatus::kNotMine;
  }
  out.start_line = start;

  std::string_view line;
  while (lines.next(line) && !line.empty()) {
    std::string_view name, value;
    if (!text::split_header(line, name, value)) continue;  // tolerate junk lines
    std::string_view* field = nullptr;
    if (text::iequals(name, "SERVER"))
      field = &out.server;
    else if (text::iequals(name, "USN"))
      field = &out.usn;
    else if (text::iequals(name, "LOCATION"))
      field = &out.location;
    else if (text::iequals(name, "NT") || text::iequals(name, "ST"))
      field = &out.nt;
    else if (text::iequals(name, "NTS"))
      field = &out.nts;
    else if (text::iequals(name, "USER-AGENT"))
      field = &out.user_agent;
    if (field && field->empty()) *field = value;  // the first occurrence wins
  }
  return ParseStatus::kOk;
}

}  // namespace sekisho::decode
