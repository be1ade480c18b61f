// HTTP/1.x request heads (RFC 9112) from a single TCP segment: enough to see which host a
// device calls and which client library it uses. No reassembly: the head may be cut.
#include "decode/app/app.h"
#include "decode/app/text.h"

namespace sekisho::decode {

namespace {

// Methods of RFC 9110, WebDAV and UPnP (GENA/SSDP over TCP). Case-sensitive per RFC 9110.
constexpr std::string_view kMethods[] = {
    "GET",   "POST",      "PUT",         "HEAD",   "DELETE",   "OPTIONS",  "PATCH",     "CONNECT",
    "TRACE", "SUBSCRIBE", "UNSUBSCRIBE", "NOTIFY", "M-SEARCH", "PROPFIND", "PROPPATCH", "MKCOL",
    "COPY",  "MOVE",      "LOCK",        "UNLOCK", "REPORT",   "SEARCH",
};

bool known_method(std::string_view m) {
  for (std::string_view k : kMethods)
    if (m == k) return true;
  return false;
}

}  // namespace

ParseStatus parse_http_request(const uint8_t* p, size_t n, HttpRequest& out) {
  out = HttpRequest{};
  text::LineReader lines(p, n);
  std::string_view line;
  if (!lines.next(line)) return ParseStatus::kNotMine;
  bool line_complete = lines.complete;

  size_t sp = line.find(' ');
  if (sp == std::string_view::npos || !known_method(line.substr(0, sp))) return ParseStatus::kNotMine;
  std::string_view rest = line.substr(sp + 1);
  size_t sp2 = rest.find(' ');
  std::string_view uri = rest.substr(0, sp2);
  std::string_view version = sp2 == std::string_view::npos ? std::string_view() : rest.substr(sp2 + 1);
  // A complete request line needs a target, and a version that is HTTP's (or none: 0.9).
  // A line cut by the segment end keeps what is there.
  if (line_complete) {
    if (uri.empty()) return ParseStatus::kMalformed;
    if (!version.empty() && !version.starts_with("HTTP/")) return ParseStatus::kNotMine;
  } else if (!version.empty() && !std::string_view("HTTP/").starts_with(version.substr(0, 5))) {
    return ParseStatus::kNotMine;
  }
  out.method = line.substr(0, sp);
  out.uri = uri;
  out.version = version;

  while (lines.next(line)) {
    if (line.empty() && lines.complete) {
      out.head_complete = true;
      break;
    }
    // A header cut by the segment end is dropped: a cut Host would pass for a real one.
    if (!lines.complete) break;
    std::string_view name, value;
    if (!text::split_header(line, name, value)) continue;
    if (out.host.empty() && text::iequals(name, "Host"))
      out.host = value;
    else if (out.user_agent.empty() && text::iequals(name, "User-Agent"))
      out.user_agent = value;
  }
  return ParseStatus::kOk;
}

}  // namespace sekisho::decode
