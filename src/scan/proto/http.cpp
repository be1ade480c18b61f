#include "scan/proto/http.h"

#include <array>

#include "core/digest.h"
#include "scan/proto/products.h"
#include "scan/proto/text.h"

namespace sekisho::scan::proto {

namespace {

constexpr size_t kMaxBodyScan = 64 * 1024;
constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxAuthParams = 32;
constexpr size_t kMaxChallengesPerHeader = 4;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HTTP/1.1", "RTSP/1.0": a known protocol name, '/', digit, '.', digit.
bool valid_protocol(std::string_view p) {
  if (p.size() != 8 || p[5] < '0' || p[5] > '9' || p[6] != '.' || !is_digit(p[7])) return false;
  return p.starts_with("HTTP/") || p.starts_with("RTSP/");
}

// The end of the head (index just past the blank line), or npos.
size_t head_end(std::string_view b) {
  size_t crlf = b.find("\r\n\r\n");
  size_t lf = b.find("\n\n");
  size_t a = crlf == std::string_view::npos ? std::string_view::npos : crlf + 4;
  size_t c = lf == std::string_view::npos ? std::string_view::npos : lf + 2;
  // Mixed endings ("\r\n\n") end at the first LF LF as well.
  size_t mixed = b.find("\n\r\n");
  size_t m = mixed == std::string_view::npos ? std::string_view::npos : mixed + 3;
  size_t best = std::min(a, std::min(c, m));
  return best;
}

}  // namespace

HttpResponse parse_http_response(std::string_view bytes) {
  HttpResponse r;
  size_t end = head_end(bytes);
  r.complete_head = end != std::string_view::npos;
  if (r.complete_head) r.head_len = end;
  std::string_view head = r.complete_head ? bytes.substr(0, end) : bytes;

  text::LineReader lines(head);
  std::string_view line;
  if (!lines.next(line) || !lines.complete) return r;
  // Status line: PROTOCOL SP 3DIGIT [SP reason]
  if (line.size() < 12 || line[8] != ' ') return r;
  std::string_view proto = line.substr(0, 8);
  if (!valid_protocol(proto)) return r;
  std::string_view code = line.substr(9, 3);
  if (!is_digit(code[0]) || !is_digit(code[1]) || !is_digit(code[2])) return r;
  if (line.size() > 12 && line[12] != ' ') return r;
  r.protocol = proto;
  r.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (r.status < 100) return r;
  r.reason = line.size() > 13 ? text::trim(line.substr(13)) : std::string_view();
  r.valid = true;

  size_t seen = 0;
  while (lines.next(line) && lines.complete && !line.empty() && seen++ < kHttpMaxHeaders) {
    if (line.front() == ' ' || line.front() == '\t') continue;  // obsolete line folding: ignored
    std::string_view name, value;
    if (!text::split_header(line, name, value)) continue;
    std::string* field = nullptr;
    if (text::iequals(name, "Server")) {
      field = &r.server;
    } else if (text::iequals(name, "WWW-Authenticate")) {
      field = &r.www_authenticate;
      if (r.www_authenticate_all.size() < kHttpMaxChallenges)
        r.www_authenticate_all.push_back(text::printable(value, kHttpMaxHeaderValue));
    } else if (text::iequals(name, "Location")) {
      field = &r.location;
    } else if (text::iequals(name, "Content-Type")) {
      field = &r.content_type;
    } else if (text::iequals(name, "Content-Length")) {
      uint64_t n = 0;
      if (!r.content_length && text::parse_uint(value, uint64_t{1} << 62, n)) r.content_length = n;
    }
    if (field && field->empty()) *field = text::printable(value, kHttpMaxHeaderValue);
  }
  return r;
}

namespace {

// Appends the decoded entity starting at s[i] == '&' and returns its length, or 0 when it is
// not one we decode.
size_t decode_entity(std::string_view s, size_t i, std::string& out) {
  size_t semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = s.substr(i + 1, semi - i - 1);
  static constexpr std::array<std::pair<std::string_view, char>, 6> kNamed = {
      {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}}};
  for (auto [n, c] : kNamed) {
    if (text::iequals(name, n)) {
      out.push_back(c);
      return semi - i + 1;
    }
  }
  if (name.size() >= 2 && name[0] == '#') {
    unsigned v = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 6) return 0;
    for (char c : digits) {
      int d = is_digit(c)                                               ? c - '0'
              : (hex && text::lower(c) >= 'a' && text::lower(c) <= 'f') ? text::lower(c) - 'a' + 10
                                                                        : -1;
      if (d < 0) return 0;
      v = v * (hex ? 16 : 10) + unsigned(d);
    }
    if (v < 0x20 || v >= 0x7f) v = ' ';  // ASCII only; the rest would need a UTF-8 encoder
    out.push_back(char(v));
    return semi - i + 1;
  }
  return 0;
}

}  // namespace

std::string html_title(std::string_view body) {
  if (body.size() > kMaxBodyScan) body = body.substr(0, kMaxBodyScan);
  size_t open = text::ifind(body, "<title");
  while (open != std::string_view::npos) {
    size_t after = open + 6;
    // "<title>" or "<title lang=..>", not "<titlebar>"
    if (after < body.size() && (body[after] == '>' || text::is_space(body[after]))) break;
    open = text::ifind(body, "<title", after);
  }
  if (open == std::string_view::npos) return "";
  size_t gt = body.find('>', open);
  if (gt == std::string_view::npos) return "";
  size_t close = text::ifind(body, "</title", gt + 1);
  std::string_view raw = body.substr(gt + 1, close == std::string_view::npos ? body.size() - gt - 1 : close - gt - 1);

  std::string decoded;
  decoded.reserve(std::min(raw.size(), kMaxTitle * 2));
  for (size_t i = 0; i < raw.size() && decoded.size() < kMaxTitle * 4; ++i) {
    if (raw[i] == '&') {
      size_t n = decode_entity(raw, i, decoded);
      if (n) {
        i += n - 1;
        continue;
      }
    }
    decoded.push_back(raw[i]);
  }
  // Collapse whitespace (and control bytes) into single spaces.
  std::string out;
  bool space = false;
  for (char c : decoded) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return text::printable(out, kMaxTitle);
}

namespace {

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool end() const { return i >= s.size(); }
  void skip_space() {
    while (!end() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  void skip_space_commas() {
    while (!end() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
  }
  std::string_view token() {
    size_t b = i;
    while (!end() && s[i] != ' ' && s[i] != '\t' && s[i] != ',' && s[i] != '=') ++i;
    return s.substr(b, i - b);
  }
};

std::string capped(std::string_view v) { return std::string(v.substr(0, kHttpMaxHeaderValue)); }

// Parses challenges from one header value into out (at most `max`).
void parse_challenges(std::string_view value, std::vector<AuthChallenge>& out, size_t max) {
  Cursor c{text::trim(value)};
  c.skip_space_commas();
  while (!c.end() && out.size() < max) {
    size_t start = c.i;
    std::string_view scheme = c.token();
    if (scheme.empty()) return;
    AuthChallenge ch;
    ch.scheme = text::iequals(scheme, "Basic")    ? AuthChallenge::Scheme::kBasic
                : text::iequals(scheme, "Digest") ? AuthChallenge::Scheme::kDigest
                                                  : AuthChallenge::Scheme::kOther;
    for (size_t params = 0; params < kMaxAuthParams; ++params) {
      c.skip_space_commas();
      size_t mark = c.i;
      std::string_view name = c.token();
      c.skip_space();
      if (name.empty() || c.end() || c.s[c.i] != '=') {
        c.i = mark;  // the next challenge's scheme (or junk): leave it for the outer loop
        break;
      }
      ++c.i;  // '='
      c.skip_space();
      std::string v;
      if (!c.end() && c.s[c.i] == '"') {
        ++c.i;
        while (!c.end() && c.s[c.i] != '"') {
          if (c.s[c.i] == '\\' && c.i + 1 < c.s.size()) ++c.i;
          if (v.size() < kHttpMaxHeaderValue) v.push_back(c.s[c.i]);
          ++c.i;
        }
        if (!c.end()) ++c.i;  // closing quote
      } else {
        size_t b = c.i;
        while (!c.end() && c.s[c.i] != ',' && c.s[c.i] != ' ' && c.s[c.i] != '\t') ++c.i;
        v = capped(c.s.substr(b, c.i - b));
      }
      if (text::iequals(name, "realm"))
        ch.realm = std::move(v);
      else if (text::iequals(name, "nonce"))
        ch.nonce = std::move(v);
      else if (text::iequals(name, "opaque"))
        ch.opaque = std::move(v);
      else if (text::iequals(name, "qop"))
        ch.qop = std::move(v);
      else if (text::iequals(name, "algorithm"))
        ch.algorithm = std::move(v);
      else if (text::iequals(name, "stale"))
        ch.stale = text::iequals(v, "true");
    }
    out.push_back(std::move(ch));
    c.skip_space_commas();
    if (c.i == start) ++c.i;  // always make progress on junk
  }
}

}  // namespace

AuthChallenge parse_auth_challenge(std::string_view header_value) {
  std::vector<AuthChallenge> all;
  parse_challenges(header_value, all, 1);
  return all.empty() ? AuthChallenge{} : std::move(all.front());
}

AuthChallenge pick_auth_challenge(const std::vector<std::string>& www_authenticate_all) {
  std::vector<AuthChallenge> all;
  for (const auto& v : www_authenticate_all) parse_challenges(v, all, all.size() + kMaxChallengesPerHeader);
  for (auto want : {AuthChallenge::Scheme::kDigest, AuthChallenge::Scheme::kBasic})
    for (const auto& c : all)
      if (c.scheme == want) return c;
  return all.empty() ? AuthChallenge{} : all.front();
}

std::string basic_credentials(std::string_view user, std::string_view pass) {
  std::string plain;
  plain.reserve(user.size() + pass.size() + 1);
  plain.append(user).append(":").append(pass);
  return "Basic " + core::base64(reinterpret_cast<const uint8_t*>(plain.data()), plain.size());
}

namespace {

bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string digest_credentials(const AuthChallenge& ch, std::string_view method, std::string_view uri,
                               std::string_view user, std::string_view pass, std::string_view cnonce, uint32_t nc) {
  if (ch.scheme != AuthChallenge::Scheme::kDigest) return "";
  for (std::string_view s : {std::string_view(ch.realm), std::string_view(ch.nonce), std::string_view(ch.opaque),
                             std::string_view(ch.algorithm), method, uri, user, pass, cnonce})
    if (has_control(s)) return "";  // never let a device's bytes (or ours) split our request head
  if (cnonce.find('"') != std::string_view::npos) return "";

  std::string_view alg = ch.algorithm.empty() ? std::string_view("MD5") : std::string_view(ch.algorithm);
  bool sha256 = false, sess = false;
  if (text::iequals(alg, "MD5")) {
  } else if (text::iequals(alg, "MD5-sess")) {
    sess = true;
  } else if (text::iequals(alg, "SHA-256")) {
    sha256 = true;
  } else if (text::iequals(alg, "SHA-256-sess")) {
    sha256 = sess = true;
  } else {
    return "";
  }
  auto h = [sha256](std::string_view s) { return sha256 ? core::sha256_hex(s) : core::md5_hex(s); };

  // qop: prefer "auth"; "auth-int" over our empty body; none (RFC 2069) when not offered.
  std::string qop;
  if (!ch.qop.empty()) {
    bool auth = false, auth_int = false;
    std::string_view q = ch.qop;
    while (!q.empty()) {
      size_t comma = q.find(',');
      std::string_view item = text::trim(q.substr(0, comma));
      if (text::iequals(item, "auth")) auth = true;
      if (text::iequals(item, "auth-int")) auth_int = true;
      q = comma == std::string_view::npos ? std::string_view() : q.substr(comma + 1);
    }
    if (auth)
      qop = "auth";
    else if (auth_int)
      qop = "auth-int";
    else
      return "";
  }
  if (!qop.empty() && cnonce.empty()) return "";

  std::string sep = ":";
  std::string ha1 = h(std::string(user) + sep + ch.realm + sep + std::string(pass));
  if (sess) ha1 = h(ha1 + sep + ch.nonce + sep + std::string(cnonce));
  std::string a2 = std::string(method) + sep + std::string(uri);
  if (qop == "auth-int") a2 += sep + h("");
  std::string ha2 = h(a2);

  char nc_hex[9];
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) nc_hex[i] = kHex[(nc >> (28 - 4 * i)) & 15];
  nc_hex[8] = '\0';

  std::string response =
      qop.empty() ? h(ha1 + sep + ch.nonce + sep + ha2)
                  : h(ha1 + sep + ch.nonce + sep + nc_hex + sep + std::string(cnonce) + sep + qop + sep + ha2);

  std::string out = "Digest username=" + quoted(user) + ", realm=" + quoted(ch.realm) + ", nonce=" + quoted(ch.nonce) +
                    ", uri=" + quoted(uri);
  if (!ch.algorithm.empty()) out += ", algorithm=" + ch.algorithm;
  out += ", response=\"" + response + "\"";
  if (!ch.opaque.empty()) out += ", opaque=" + quoted(ch.opaque);
  if (!qop.empty()) out += ", qop=" + qop + ", nc=" + nc_hex + ", cnonce=" + quoted(cnonce);
  return out;
}

bool has_password_form(std::string_view body) {
  if (body.size() > kMaxBodyScan) body = body.substr(0, kMaxBodyScan);
  size_t pos = 0;
  for (int inputs = 0; inputs < 4096; ++inputs) {
    size_t open = text::ifind(body, "<input", pos);
    if (open == std::string_view::npos) return false;
    size_t close = body.find('>', open);
    if (close == std::string_view::npos) close = body.size();
    std::string tag = text::to_lower(body.substr(open, std::min<size_t>(close - open, 4096)));
    // type = "password" | 'password' | password, spaces around '=' allowed.
    for (size_t t = tag.find("type"); t != std::string::npos; t = tag.find("type", t + 4)) {
      size_t i = t + 4;
      while (i < tag.size() && text::is_space(tag[i])) ++i;
      if (i >= tag.size() || tag[i] != '=') continue;
      ++i;
      while (i < tag.size() && text::is_space(tag[i])) ++i;
      if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) ++i;
      if (tag.compare(i, 8, "password") == 0) {
        size_t e = i + 8;
        if (e >= tag.size() || tag[e] == '"' || tag[e] == '\'' || text::is_space(tag[e]) || tag[e] == '/') return true;
      }
    }
    pos = open + 6;
  }
  return false;
}

// ---- admin page hints ----

std::string AdminHints::match(std::string_view title, std::string_view body) const {
  std::string t = text::to_lower(title.substr(0, 1024));
  for (const auto& w : title_words)
    if (!w.empty() && t.find(w) != std::string::npos) return "title:" + w;
  if (body.size() > kMaxBodyScan) body = body.substr(0, kMaxBodyScan);
  std::string b = text::to_lower(body);
  std::string hit;
  size_t hits = 0;
  for (const auto& w : body_words) {
    if (w.empty() || b.find(w) == std::string::npos) continue;
    hit += (hits ? "+" : "") + w;
    if (++hits >= std::max<size_t>(body_min, 1)) return "body:" + hit;
  }
  return "";
}

const AdminHints& AdminHints::builtin() {
  static const AdminHints hints = [] {
    AdminHints h;
    h.title_words = {"router",         "gateway",       "modem",         "access point",
                     "settings",       "setup",         "configuration", "configurator",
                     "administration", "admin",         "management",    "control panel",
                     "dashboard",      "system status", "device status", "ip camera",
                     "network camera", "webcam",        "nvr",           "dvr"};
    h.body_words = {"apply.cgi", "setup.cgi", "firmware",        "reboot",         "factory default", "factory reset",
                    "ssid",      "dhcp",      "port forwarding", "ddns",           "subnet mask",     "wan ip",
                    "lan ip",    "nvram",     "save settings",   "change password"};
    h.body_min = 2;
    return h;
  }();
  return hints;
}

std::string admin_page_hint(std::string_view title, std::string_view body) {
  // The data file's words once per process; the built-in list when it cannot be read.
  static const AdminHints hints = [] {
    auto m = ProductMatcher::load(default_products_path());
    return m ? m->admin_hints() : AdminHints::builtin();
  }();
  return hints.match(title, body);
}

}  // namespace sekisho::scan::proto
