// Protocol builders and parsers of the scan probes. Real responses come from the seed corpora
// (tests/fuzz/corpus/fuzz_scan_*/lab_*), captured from the Debian 12 daemons on 127.0.0.1:
// inetutils telnetd, dropbear 2022.83, lighttpd 1.4.69, busybox httpd 1.35, vsftpd 3.0.3,
// mosquitto 2.0.11, net-snmp 5.9.3, libcoap 4.3.1 coap-server and miniupnpd 2.3.1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "scan/proto/coap.h"
#include "scan/proto/ftp.h"
#include "scan/proto/http.h"
#include "scan/proto/mqtt.h"
#include "scan/proto/products.h"
#include "scan/proto/snmp.h"
#include "scan/proto/ssdp.h"
#include "scan/proto/ssh.h"
#include "scan/proto/telnet.h"
#include "scan/proto/upnp.h"

namespace sekisho::scan::proto {
namespace {

std::string seed(const std::string& name) {
  std::ifstream in(std::string(SEKISHO_SOURCE_DIR) + "/tests/fuzz/corpus/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

const ProductMatcher& products() {
  static const ProductMatcher m = [] {
    auto r = ProductMatcher::load(std::string(SEKISHO_SOURCE_DIR) + "/data/fingerprints/products.toml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ProductMatcher();
  }();
  return m;
}

// ---------------------------------------------------------------------------------------------
// Telnet

TEST(Telnet, InetutilsNegotiationGetsOneRefusalEach) {
  std::string raw = seed("fuzz_scan_telnet/lab_inetutils_login");
  TelnetFilter f;
  std::string text, reply;
  f.feed(bytes(raw), text, reply);
  EXPECT_EQ(text, "vm login: root\r\nPassword: \r\n");
  // WILL 37, 38 -> DONT; DO 24, 32, 35, 39, 36 -> WONT; WILL SGA -> DO; DO ECHO -> WONT; DO 34, 31
  // -> WONT; WILL 5 -> DONT; DO 33 -> WONT; WILL ECHO -> DO; DO 6, 0 -> WONT (what telnetd accepted).
  const std::string want(
      "\xff\xfe%\xff\xfe&\xff\xfc\x18\xff\xfc \xff\xfc#\xff\xfc'\xff\xfc$\xff\xfd\x03\xff\xfc\x01\xff\xfc\""
      "\xff\xfc\x1f\xff\xfe\x05\xff\xfc!\xff\xfd\x01\xff\xfc\x06\xff\xfc\x00",
      48);
  EXPECT_EQ(reply, want);
  EXPECT_EQ(f.negotiations(), 16u);
  EXPECT_FALSE(f.malformed());
  EXPECT_EQ(classify_prompt("vm login: ", false), Prompt::kLogin);
}

TEST(Telnet, SplitAtEveryByteGivesTheSameResult) {
  for (const char* name :
       {"fuzz_scan_telnet/lab_inetutils_login_incorrect", "fuzz_scan_telnet/subnegotiation_ttype_and_iac_iac"}) {
    std::string raw = seed(name);
    TelnetFilter whole;
    std::string t1, r1;
    whole.feed(bytes(raw), t1, r1);
    TelnetFilter bytewise;
    std::string t2, r2;
    for (size_t i = 0; i < raw.size(); ++i) bytewise.feed(bytes(raw).subspan(i, 1), t2, r2);
    EXPECT_EQ(t1, t2) << name;
    EXPECT_EQ(r1, r2) << name;
  }
}

TEST(Telnet, AnswersEachOptionOnceAndAcceptsOnlyEchoAndSga) {
  TelnetFilter f;
  std::string text, reply;
  std::string in;
  for (int i = 0; i < 100; ++i) in += "\xff\xfd\x01\xff\xfb\x01\xff\xfb\x03\xff\xfb\x18";
  f.feed(bytes(in), text, reply);
  EXPECT_EQ(reply, std::string("\xff\xfc\x01\xff\xfd\x01\xff\xfd\x03\xff\xfe\x18"));
  EXPECT_TRUE(text.empty());
  // WONT ECHO after we accepted it: one DONT, then silence. DONT x never gets an answer.
  reply.clear();
  std::string wont = "\xff\xfc\x01\xff\xfc\x01\xff\xfe\x05\xff\xfc\x18";
  f.feed(bytes(wont), text, reply);
  EXPECT_EQ(reply, std::string("\xff\xfe\x01"));
}

TEST(Telnet, DataEscapesSubnegotiationAndControlBytes) {
  TelnetFilter f;
  std::string text, reply;
  std::string raw = seed("fuzz_scan_telnet/subnegotiation_ttype_and_iac_iac");
  f.feed(bytes(raw), text, reply);
  EXPECT_EQ(text, "Welcome \xff\r\r\nLogin: ");  // IAC IAC = 0xff; CR NUL = CR
  EXPECT_EQ(reply, std::string("\xff\xfc\x18"));
  EXPECT_EQ(classify_prompt(text, false), Prompt::kLogin);

  // A subnegotiation split across feeds, with an escaped IAC inside it.
  TelnetFilter g;
  std::string t2, r2;
  for (std::string piece : {std::string("ab\xff"), std::string("\xfa\x18\x00\xff", 4), std::string("\xff\x01\xff"),
                            std::string("\xf0"), std::string("cd\x07\x7f\tx")})
    g.feed(bytes(piece), t2, r2);
  EXPECT_EQ(t2, "abcd\tx");
  EXPECT_FALSE(g.malformed());
}

TEST(Telnet, MalformedStreams) {
  {
    TelnetFilter f;
    std::string text, reply;
    f.feed(bytes(seed("fuzz_scan_telnet/unterminated_subnegotiation")), text, reply);
    EXPECT_TRUE(f.malformed());
    EXPECT_NE(text.find("login: "), std::string::npos);  // reading resumes after the limit
  }
  {
    TelnetFilter f;
    std::string text, reply;
    f.feed(bytes(seed("fuzz_scan_telnet/bad_command_after_iac")), text, reply);
    EXPECT_TRUE(f.malformed());
    EXPECT_EQ(text, "Password: ");
  }
  {
    // An endless negotiation: replies stay bounded, and the stream is called malformed.
    TelnetFilter f;
    std::string text, reply;
    std::string in;
    for (int i = 0; i < 5000; ++i) in += {'\xff', char(0xfb + i % 3), char(i % 256)};
    f.feed(bytes(in), text, reply);
    EXPECT_TRUE(f.malformed());
    EXPECT_LE(reply.size(), 3u * 256 * 3);
    EXPECT_EQ(f.negotiations(), 5000u);
  }
}

TEST(Telnet, ClassifyPrompts) {
  EXPECT_EQ(classify_prompt(""), Prompt::kNone);
  EXPECT_EQ(classify_prompt("Welcome to the camera\r\n"), Prompt::kNone);
  for (const char* s : {"login:", "vm login: ", "Username:", "User Name :", "user:  ", "LOGIN: ", "\r\nAccount:"})
    EXPECT_EQ(classify_prompt(s, false), Prompt::kLogin) << s;
  for (const char* s : {"Password:", "password: ", "root\r\nPassword: ", "Passcode:", "Enter password :"})
    EXPECT_EQ(classify_prompt(s), Prompt::kPassword) << s;
  for (const char* s : {"~ # ", "/ # ", "$ ", "router> ", "Router#", "root@cam:~$ ", "[admin@nas ~]% "})
    EXPECT_EQ(classify_prompt(std::string("\r\n") + s), Prompt::kShell) << s;
  EXPECT_EQ(classify_prompt(seed("fuzz_scan_telnet/busybox_shell_after_login")), Prompt::kShell);
  EXPECT_EQ(classify_prompt("\r\nBusyBox v1.35.0 built-in shell (ash)\r\n"), Prompt::kShell);
  EXPECT_EQ(classify_prompt("Password: \r\n"), Prompt::kPassword);  // the last non-empty line
}

TEST(Telnet, ClassifyFailuresAndPrecedence) {
  EXPECT_EQ(classify_prompt("\r\n\r\nLogin incorrect\r\nvm login: "), Prompt::kFailed);  // [lab] inetutils
  EXPECT_EQ(classify_prompt("\r\n\r\nLogin incorrect\r\nvm login: ", false), Prompt::kLogin);
  EXPECT_EQ(classify_prompt("\r\nLogin failed!\r\nUsername: "), Prompt::kFailed);
  EXPECT_EQ(classify_prompt("\r\n% Bad passwords\r\n"), Prompt::kFailed);
  EXPECT_EQ(classify_prompt("\r\n% Login invalid\r\n\r\nUser Access Verification\r\nUsername: "), Prompt::kFailed);
  EXPECT_EQ(classify_prompt("Access denied\r\n"), Prompt::kFailed);
  // A post-login banner that mentions failures is not one.
  EXPECT_EQ(classify_prompt("\r\nLast failed login: Mon Nov 23 on ssh:notty\r\n"
                            "There were 3 failed login attempts since the last successful login.\r\n"
                            "Last login: Sun Nov 22\r\n[root@cam ~]# "),
            Prompt::kShell);
  // A long pre-login legal banner that says "denied" is no verdict.
  std::string legal =
      "WARNING: unauthorised access to this device is prohibited and will be denied and reported to the police\r\n"
      "login: ";
  EXPECT_EQ(classify_prompt(legal), Prompt::kLogin);
  // Only the last 256 bytes count.
  EXPECT_EQ(classify_prompt("Login incorrect\r\n" + std::string(300, 'x') + "\r\nPassword:"), Prompt::kPassword);
  EXPECT_STREQ(prompt_name(Prompt::kFailed), "failed");
}

// ---------------------------------------------------------------------------------------------
// HTTP

TEST(Http, LighttpdResponses) {
  std::string raw = seed("fuzz_scan_http/lab_lighttpd_basic");
  HttpResponse r = parse_http_response(raw);
  ASSERT_TRUE(r.valid);
  EXPECT_TRUE(r.complete_head);
  EXPECT_EQ(r.protocol, "HTTP/1.1");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.reason, "Unauthorized");
  EXPECT_EQ(r.server, "lighttpd/1.4.69");
  EXPECT_EQ(r.content_type, "text/html");
  EXPECT_EQ(r.content_length, 347u);
  EXPECT_EQ(r.head_len + 347, raw.size());
  EXPECT_EQ(r.www_authenticate, "Basic realm=\"IPCam\", charset=\"UTF-8\"");
  EXPECT_EQ(html_title(std::string_view(raw).substr(r.head_len)), "401 Unauthorized");
  AuthChallenge c = parse_auth_challenge(r.www_authenticate);
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kBasic);
  EXPECT_EQ(c.realm, "IPCam");

  const std::string digest = seed("fuzz_scan_http/lab_lighttpd_digest");
  r = parse_http_response(digest);
  c = parse_auth_challenge(r.www_authenticate);
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kDigest);
  EXPECT_EQ(c.realm, "IPCam");
  EXPECT_EQ(c.algorithm, "MD5");
  EXPECT_EQ(c.qop, "auth");
  EXPECT_EQ(c.nonce, "6b07ada9:9db38e17600ced7208baaef71c75f2ee");
  EXPECT_EQ(products().match_http(r, "")->cpe, "lighttpd:lighttpd");
  EXPECT_EQ(products().match_http(r, "")->version, "1.4.69");

  const std::string not_found = seed("fuzz_scan_http/lab_lighttpd_404");
  r = parse_http_response(not_found);
  EXPECT_EQ(r.protocol, "HTTP/1.0");
  EXPECT_EQ(r.status, 404);
}

TEST(Http, BusyboxHttpdHasNoServerHeader) {
  std::string raw = seed("fuzz_scan_http/lab_busybox_root");
  HttpResponse r = parse_http_response(raw);
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.server, "");
  std::string_view body = std::string_view(raw).substr(r.head_len);
  EXPECT_EQ(html_title(body), "Router Settings");
  EXPECT_FALSE(has_password_form(body));
  EXPECT_EQ(admin_page_hint(html_title(body), body), "title:router");

  r = parse_http_response(seed("fuzz_scan_http/lab_busybox_basic"));
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(r.content_length.has_value());
  ASSERT_EQ(r.www_authenticate_all.size(), 1u);
  auto p = products().match_http(r, "401 Unauthorized");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "BusyBox httpd");
  EXPECT_EQ(p->cpe, "busybox:busybox");
}

TEST(Http, RtspAndSeveralChallenges) {
  const std::string rtsp = seed("fuzz_scan_http/rtsp_digest_401");
  HttpResponse r = parse_http_response(rtsp);
  ASSERT_TRUE(r.valid);
  EXPECT_TRUE(r.rtsp());
  EXPECT_EQ(r.protocol, "RTSP/1.0");
  ASSERT_EQ(r.www_authenticate_all.size(), 2u);
  EXPECT_EQ(r.www_authenticate, r.www_authenticate_all[0]);
  AuthChallenge c = pick_auth_challenge(r.www_authenticate_all);
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kDigest);
  EXPECT_EQ(c.realm, "IP Camera");
  EXPECT_FALSE(c.stale);
  EXPECT_EQ(products().match_http(r, "", true)->name, "GStreamer RTSP server");

  // One header, several challenges; LF-only line ends; an overflowing Content-Length.
  const std::string lf_only = seed("fuzz_scan_http/lf_only_multi_auth");
  r = parse_http_response(lf_only);
  ASSERT_TRUE(r.complete_head);
  EXPECT_FALSE(r.content_length.has_value());
  EXPECT_EQ(parse_auth_challenge(r.www_authenticate).scheme, AuthChallenge::Scheme::kOther);
  c = pick_auth_challenge(r.www_authenticate_all);
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kDigest);
  EXPECT_EQ(c.realm, "y");
  EXPECT_EQ(c.algorithm, "SHA-256");
  EXPECT_EQ(c.qop, "auth-int");
}

TEST(Http, LabRtspStubDigestWithoutQop) {
  const std::string raw = seed("fuzz_scan_http/lab_rtsp_stub_401");
  HttpResponse r = parse_http_response(raw);
  ASSERT_TRUE(r.valid && r.rtsp());
  EXPECT_EQ(r.status, 401);
  AuthChallenge c = pick_auth_challenge(r.www_authenticate_all);
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kDigest);
  EXPECT_EQ(c.realm, "IP Camera");
  EXPECT_TRUE(c.qop.empty());
  // The stub accepted this form (RFC 2069: no qop, nc or cnonce) when run on 127.0.0.1.
  std::string d = digest_credentials(c, "DESCRIBE", "rtsp://127.0.0.1:22554/", "admin", "admin", "0a4f113b", 1);
  EXPECT_TRUE(d.starts_with("Digest username=\"admin\", realm=\"IP Camera\", nonce=\"" + c.nonce + "\""));
  EXPECT_EQ(d.find("qop="), std::string::npos);
  EXPECT_EQ(products().match_http(r, "", true)->name, "Hipcam RealServer");
  // lighttpd 1.4.69 with algorithm SHA-256 (it accepted the answer when run on 127.0.0.1).
  const std::string sha = seed("fuzz_scan_http/lab_lighttpd_digest_sha256");
  c = pick_auth_challenge(parse_http_response(sha).www_authenticate_all);
  EXPECT_EQ(c.algorithm, "SHA-256");
  EXPECT_NE(digest_credentials(c, "GET", "/sha/", "admin", "admin", "0a4f113b", 1).find("algorithm=SHA-256"),
            std::string::npos);
}

TEST(Http, PartialAndInvalidHeads) {
  HttpResponse r = parse_http_response("HTTP/1.1 200 OK\r\nServer: x");
  EXPECT_TRUE(r.valid);
  EXPECT_FALSE(r.complete_head);
  EXPECT_EQ(r.server, "");  // the line may still grow
  r = parse_http_response("HTTP/1.1 200 OK\r\nServer: x\r\n");
  EXPECT_EQ(r.server, "x");
  EXPECT_EQ(r.head_len, 0u);
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200").valid);  // no complete status line yet
  for (const char* bad : {"SSH-2.0-dropbear\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
                          "HTTP/x.1 200 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "FTP/1.0 200 OK\r\n\r\n", ""})
    EXPECT_FALSE(parse_http_response(bad).valid) << bad;
  r = parse_http_response("HTTP/1.0 204\r\n\r\n");
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.reason, "");

  // Every prefix of a real response parses without surprises.
  std::string raw = seed("fuzz_scan_http/lab_lighttpd_digest");
  HttpResponse full = parse_http_response(raw);
  for (size_t n = 0; n <= raw.size(); ++n) {
    HttpResponse p = parse_http_response(std::string_view(raw).substr(0, n));
    if (p.complete_head) {
      EXPECT_EQ(p.head_len, full.head_len);
      EXPECT_EQ(p.www_authenticate, full.www_authenticate);
    } else {
      EXPECT_LT(n, full.head_len);
    }
  }
}

TEST(Http, HugeAndHostileHeaders) {
  HttpResponse r = parse_http_response(seed("fuzz_scan_http/many_headers"));
  EXPECT_TRUE(r.valid);
  EXPECT_TRUE(r.complete_head);
  std::string many = "HTTP/1.1 401 X\r\n";
  for (int i = 0; i < 12; ++i) many += "WWW-Authenticate: Basic realm=\"r" + std::to_string(i) + "\"\r\n";
  many += "Server: " + std::string(5000, 'A') +
          "\r\nLocation: a\x01"
          "b\r\n\r\n";
  r = parse_http_response(many);
  EXPECT_EQ(r.www_authenticate_all.size(), kHttpMaxChallenges);
  EXPECT_EQ(r.server.size(), kHttpMaxHeaderValue);
  EXPECT_EQ(r.location, "a b");  // control bytes become spaces
}

TEST(Http, Titles) {
  EXPECT_EQ(html_title("<html><head><title>Camera &amp; Settings</title>"), "Camera & Settings");
  EXPECT_EQ(html_title("<TITLE lang=en>\n  Web\t\tUI &lt;v2&gt; &quot;x&quot; &#65;&#x42;&apos;  </TITLE>"),
            "Web UI <v2> \"x\" AB'");
  EXPECT_EQ(html_title("<titlebar>no</titlebar><title>yes</title>"), "yes");
  EXPECT_EQ(html_title("<title>unterminated"), "unterminated");
  EXPECT_EQ(html_title("<title"), "");
  EXPECT_EQ(html_title("no title here"), "");
  EXPECT_EQ(html_title("<title>&bogus; &amp</title>"), "&bogus; &amp");
  std::string longer = "<title>" + std::string(500, 'x') + "</title>";
  EXPECT_EQ(html_title(longer).size(), 200u);
  std::string utf8 = "<title>" + std::string(199, 'x') + "\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9</title>";
  EXPECT_EQ(html_title(utf8), std::string(199, 'x'));  // not cut inside a character
}

TEST(Http, PasswordFormsAndAdminHints) {
  EXPECT_TRUE(has_password_form("<form><input type=\"password\" name=\"p\"></form>"));
  EXPECT_TRUE(has_password_form("<INPUT NAME=p TYPE=PASSWORD>"));
  EXPECT_TRUE(has_password_form("<input type = 'password'/>"));
  EXPECT_TRUE(has_password_form(seed("fuzz_scan_http/login_form")));
  EXPECT_FALSE(has_password_form("<input type=\"text\" name=\"password\">"));
  EXPECT_FALSE(has_password_form("<input type=\"passwordx\">"));
  EXPECT_FALSE(has_password_form("type=password"));

  EXPECT_EQ(admin_page_hint("Wireless Router & Settings", ""), "title:router");
  EXPECT_EQ(admin_page_hint("Home", "<a href=/apply.cgi>Apply</a> <b>Firmware</b> upgrade"), "body:apply.cgi+firmware");
  EXPECT_EQ(admin_page_hint("Home", "only the firmware word"), "");
  for (const char* t : {"401 Unauthorized", "403 Forbidden", "404 Not Found", "Welcome to nginx!", "Index of /"})
    EXPECT_EQ(admin_page_hint(t, "<h1>It works</h1>"), "") << t;
  // The data file's list and the built-in one agree on the lab's page.
  EXPECT_EQ(products().admin_page_hint("Router Settings", ""), "title:router");
  EXPECT_EQ(AdminHints::builtin().match("Router Settings", ""), "title:router");
}

TEST(Http, AuthChallenges) {
  AuthChallenge c = parse_auth_challenge(
      "Digest realm=\"a \\\"quoted\\\" realm\", nonce=abc123, qop=\"auth,auth-int\", algorithm=MD5-sess, "
      "opaque=\"o\", stale=TRUE");
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kDigest);
  EXPECT_EQ(c.realm, "a \"quoted\" realm");
  EXPECT_EQ(c.nonce, "abc123");
  EXPECT_EQ(c.qop, "auth,auth-int");
  EXPECT_EQ(c.algorithm, "MD5-sess");
  EXPECT_EQ(c.opaque, "o");
  EXPECT_TRUE(c.stale);
  EXPECT_EQ(parse_auth_challenge("").scheme, AuthChallenge::Scheme::kNone);
  EXPECT_EQ(parse_auth_challenge("Negotiate").scheme, AuthChallenge::Scheme::kOther);
  EXPECT_EQ(parse_auth_challenge("basic REALM=\"x\"").realm, "x");
  c = parse_auth_challenge("Basic realm=\"x\", Digest realm=\"y\", nonce=\"n\"");
  EXPECT_EQ(c.scheme, AuthChallenge::Scheme::kBasic);
  EXPECT_EQ(c.realm, "x");
  EXPECT_EQ(pick_auth_challenge({"Basic realm=\"x\", Digest realm=\"y\", nonce=\"n\""}).realm, "y");
  EXPECT_EQ(parse_auth_challenge("Digest realm=\"unterminated").realm, "unterminated");
  EXPECT_EQ(parse_auth_challenge("Digest realm=\"" + std::string(2000, 'r') + "\"").realm.size(), 512u);
}

TEST(Http, BasicCredentials) {
  EXPECT_EQ(basic_credentials("admin", "admin"), "Basic YWRtaW46YWRtaW4=");
  EXPECT_EQ(basic_credentials("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617
  EXPECT_EQ(basic_credentials("root", ""), "Basic cm9vdDo=");
}

TEST(Http, DigestRfc2617Example) {
  AuthChallenge c;
  c.scheme = AuthChallenge::Scheme::kDigest;
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.opaque = "5ccc069c403ebaf9f0171e9517f40e41";
  c.qop = "auth,auth-int";
  std::string d = digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", 1);
  EXPECT_EQ(d,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
            "uri=\"/dir/index.html\", response=\"6629fae49393a05397450978507c4ef1\", "
            "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, cnonce=\"0a4f113b\"");
  // Variants (expected values from an independent implementation, Python's hashlib).
  c.qop = "";
  EXPECT_NE(digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", 1)
                .find("response=\"670fd8c2df070c60b045671b8b24ff02\""),
            std::string::npos);  // RFC 2069, no qop
  c.qop = "auth";
  c.algorithm = "MD5-sess";
  EXPECT_NE(digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", 1)
                .find("response=\"8e3825c57e897f5a0dec6c2d4e5059d0\""),
            std::string::npos);
  c.algorithm = "";
  c.qop = "auth-int";
  EXPECT_NE(digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", 1)
                .find("response=\"5e6610ecf9ba3017a4870ad48e3ad30b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
                      "qop=auth-int"),
            std::string::npos);
}

TEST(Http, DigestRfc7616Examples) {
  AuthChallenge c;
  c.scheme = AuthChallenge::Scheme::kDigest;
  c.realm = "http-auth@example.org";
  c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  c.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
  c.qop = "auth, auth-int";
  const std::string cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  c.algorithm = "MD5";
  std::string d = digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle of Life", cnonce, 1);
  EXPECT_NE(d.find("algorithm=MD5, response=\"8ca523f5e9506fed4657c9700eebdbec\""), std::string::npos) << d;
  c.algorithm = "SHA-256";
  d = digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle of Life", cnonce, 1);
  EXPECT_NE(d.find("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""), std::string::npos)
      << d;
  c.algorithm = "sha-256-sess";
  d = digest_credentials(c, "GET", "/dir/index.html", "Mufasa", "Circle of Life", cnonce, 42);
  EXPECT_NE(d.find("response=\"85a0c5401bed8d177a007e23b4bee59d802c87ea0310314bae977c5c2ea7c40d\""), std::string::npos)
      << d;
  EXPECT_NE(d.find("nc=0000002a"), std::string::npos);
}

TEST(Http, DigestRefusals) {
  AuthChallenge c =
      parse_auth_challenge(parse_http_response(seed("fuzz_scan_http/lab_lighttpd_digest")).www_authenticate);
  EXPECT_FALSE(digest_credentials(c, "GET", "/digest/", "admin", "admin", "abc", 1).empty());
  AuthChallenge bad = c;
  bad.algorithm = "SHA-512-256";
  EXPECT_EQ(digest_credentials(bad, "GET", "/", "a", "b", "c", 1), "");
  bad = c;
  bad.qop = "auth-conf";
  EXPECT_EQ(digest_credentials(bad, "GET", "/", "a", "b", "c", 1), "");
  bad = c;
  bad.realm = "x\r\nInjected: 1";
  EXPECT_EQ(digest_credentials(bad, "GET", "/", "a", "b", "c", 1), "");
  EXPECT_EQ(digest_credentials(c, "GET", "/", "a", "b", "quote\"", 1), "");
  EXPECT_EQ(digest_credentials(c, "GET", "/", "a", "b", "", 1), "");  // qop needs a cnonce
  bad.scheme = AuthChallenge::Scheme::kBasic;
  EXPECT_EQ(digest_credentials(bad, "GET", "/", "a", "b", "c", 1), "");
  // A user name with a quote is escaped, not cut.
  EXPECT_NE(digest_credentials(c, "GET", "/", "a\"b", "p", "c", 1).find("username=\"a\\\"b\""), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// FTP

TEST(Ftp, VsftpdSession) {
  std::string raw = seed("fuzz_scan_ftp/lab_vsftpd_session");
  std::string_view rest = raw;
  std::vector<int> codes;
  std::vector<std::string> texts;
  while (!rest.empty()) {
    FtpReply r = parse_ftp_reply(rest);
    ASSERT_TRUE(r.complete);
    ASSERT_TRUE(r.valid);
    codes.push_back(r.code);
    texts.push_back(r.text);
    rest.remove_prefix(r.consumed);
  }
  EXPECT_EQ(codes, (std::vector<int>{220, 211, 331, 230, 215, 214, 221}));
  EXPECT_EQ(texts[0], "(vsFTPd 3.0.3)");
  EXPECT_EQ(texts[1], "Features:\nEPRT\nEPSV\nMDTM\nPASV\nREST STREAM\nSIZE\nTVFS\nEnd");
  EXPECT_EQ(texts[3], "Login successful.");
  auto p = products().match("ftp", "220 (vsFTPd 3.0.3)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cpe, "beasts:vsftpd");
  EXPECT_EQ(p->version, "3.0.3");
}

TEST(Ftp, PartialSplitAndInvalid) {
  EXPECT_FALSE(parse_ftp_reply("").complete);
  EXPECT_FALSE(parse_ftp_reply("22").complete);
  FtpReply r = parse_ftp_reply("220 (vsF");
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.valid);
  r = parse_ftp_reply("SSH-2.0-dropbear_2022.83\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.code, 0);
  EXPECT_FALSE(parse_ftp_reply("2200 x\r\n").valid);
  EXPECT_FALSE(parse_ftp_reply("700 x\r\n").valid);
  r = parse_ftp_reply("220\n");
  EXPECT_TRUE(r.complete && r.valid);
  EXPECT_EQ(r.consumed, 4u);

  std::string multi = seed("fuzz_scan_ftp/proftpd_multiline_banner");
  r = parse_ftp_reply(multi);
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.code, 220);
  EXPECT_EQ(r.text, "Debian GNU/Linux 12\nProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.1]");
  // Every prefix shorter than the reply is incomplete.
  for (size_t n = 0; n < r.consumed; ++n) EXPECT_FALSE(parse_ftp_reply(multi.substr(0, n)).complete) << n;

  // A multi-line reply may hold other codes inside; it ends at its own code and a space.
  r = parse_ftp_reply("230-Welcome\r\n220 not the end\r\n230-still\r\n230 done\r\n");
  EXPECT_EQ(r.text, "Welcome\n220 not the end\n230-still\ndone");
  // An endless multi-line reply is cut off, text stays bounded.
  std::string endless = "220-x\r\n";
  for (int i = 0; i < 300; ++i) endless += "220-" + std::string(50, 'y') + "\r\n";
  r = parse_ftp_reply(endless);
  EXPECT_TRUE(r.complete);
  EXPECT_FALSE(r.valid);
  EXPECT_LE(r.text.size(), kFtpMaxText);
}

TEST(Ftp, OtherServersGreetings) {
  struct Case {
    std::string seed_name, product, version;
  };
  for (const Case& c : {Case{"busybox_greeting", "BusyBox ftpd", ""}, Case{"pureftpd_banner", "Pure-FTPd", ""}}) {
    FtpReply r = parse_ftp_reply(seed("fuzz_scan_ftp/" + c.seed_name));
    ASSERT_TRUE(r.complete && r.valid);
    std::string line = "220 " + r.text.substr(0, r.text.find('\n'));
    auto p = products().match("ftp", line);
    ASSERT_TRUE(p) << line;
    EXPECT_EQ(p->name, c.product);
    EXPECT_EQ(p->version, c.version);
  }
  auto p = products().match("ftp", "220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.1]");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "1.3.8");
}

// ---------------------------------------------------------------------------------------------
// MQTT

TEST(Mqtt, ConnectBytesMatchWhatMosquittoAnswered) {
  EXPECT_EQ(mqtt_connect("sekisho", std::nullopt, std::nullopt), seed("fuzz_scan_mqtt/lab_mosquitto_anon_ok_req"));
  EXPECT_EQ(mqtt_connect("sekisho", std::string_view("admin"), std::string_view("wrong")),
            seed("fuzz_scan_mqtt/lab_mosquitto_badpw_req"));
  // A password alone is not allowed in 3.1.1: it is left out.
  EXPECT_EQ(mqtt_connect("sekisho", std::nullopt, std::string_view("pw")), mqtt_connect("sekisho", {}, {}));
  std::string big = mqtt_connect(std::string(200, 'c'), std::nullopt, std::nullopt, 60);
  EXPECT_EQ(uint8_t(big[1]), 0x80 | ((big.size() - 3) % 128));  // two-byte remaining length
  EXPECT_EQ(uint8_t(big[2]), (big.size() - 3) / 128);
  EXPECT_EQ(mqtt_disconnect(), std::string("\xe0\x00", 2));
}

TEST(Mqtt, Connack) {
  MqttConnack c = parse_connack(bytes(seed("fuzz_scan_mqtt/lab_mosquitto_anon_ok")));
  EXPECT_TRUE(c.complete && c.valid);
  EXPECT_EQ(c.return_code, kMqttAccepted);
  c = parse_connack(bytes(seed("fuzz_scan_mqtt/lab_mosquitto_anon_refused")));
  EXPECT_EQ(c.return_code, kMqttNotAuthorized);
  c = parse_connack(bytes(seed("fuzz_scan_mqtt/lab_mosquitto_badpw")));
  EXPECT_EQ(c.return_code, kMqttNotAuthorized);  // mosquitto 2.0 answers 5, not 4
  c = parse_connack(bytes(seed("fuzz_scan_mqtt/connack_session_present")));
  EXPECT_TRUE(c.valid && c.session_present);
  EXPECT_FALSE(parse_connack(bytes(seed("fuzz_scan_mqtt/connack_bad_flags"))).valid);
  EXPECT_FALSE(parse_connack(bytes(std::string("\x20\x02\x00", 3))).complete);
  EXPECT_FALSE(parse_connack({}).complete);
  c = parse_connack(bytes(std::string("HTTP/1.1 400")));
  EXPECT_TRUE(c.complete);
  EXPECT_FALSE(c.valid);
  EXPECT_FALSE(parse_connack(bytes(std::string("\x20\x03\x00\x00", 4))).valid);
  EXPECT_FALSE(parse_connack(bytes(std::string("\x20\x02\x00\x06", 4))).valid);
}

// ---------------------------------------------------------------------------------------------
// SNMP

TEST(Snmp, RequestsMatchTheOnesNetSnmpAnswered) {
  EXPECT_EQ(snmp_get_request("public", kSnmpV2c, 0x1234abcd), seed("fuzz_scan_snmp/lab_netsnmp_v2c_req"));
  EXPECT_EQ(snmp_get_request("public", kSnmpV1, 7), seed("fuzz_scan_snmp/lab_netsnmp_v1_req"));
  EXPECT_EQ(snmp_get_request("public", kSnmpV1, 8, true), seed("fuzz_scan_snmp/lab_netsnmp_v1_one_req"));
}

TEST(Snmp, NetSnmpResponses) {
  SnmpResponse r = parse_snmp_response(bytes(seed("fuzz_scan_snmp/lab_netsnmp_v2c_resp")));
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.version, kSnmpV2c);
  EXPECT_EQ(r.community, "public");
  EXPECT_EQ(r.request_id, 0x1234abcd);
  EXPECT_EQ(r.error_status, 0);
  EXPECT_EQ(r.sys_descr, "Linux vm 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0 x86_64");
  EXPECT_EQ(r.sys_name, "printer-lab");
  EXPECT_EQ(r.sys_object_id, "1.3.6.1.4.1.8072.3.2.10");
  EXPECT_EQ(products().match("snmp-oid", r.sys_object_id)->cpe, "net-snmp:net-snmp");
  auto linux_kernel = products().match("snmp", r.sys_descr);
  ASSERT_TRUE(linux_kernel);
  EXPECT_EQ(linux_kernel->version, "6.18.44");

  r = parse_snmp_response(bytes(seed("fuzz_scan_snmp/lab_netsnmp_v1_resp")));
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.version, kSnmpV1);
  EXPECT_EQ(r.request_id, 7);
  // v1, one object missing: noSuchName for the whole request, the agent echoes NULLs.
  r = parse_snmp_response(bytes(seed("fuzz_scan_snmp/lab_netsnmp_v1_nosuch_resp")));
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.error_status, 2);
  EXPECT_EQ(r.sys_descr, "");
  // v2c: noSuchObject for the missing one only.
  r = parse_snmp_response(bytes(seed("fuzz_scan_snmp/lab_netsnmp_v2c_nosuch_resp")));
  EXPECT_EQ(r.error_status, 0);
  EXPECT_FALSE(r.sys_descr.empty());
}

TEST(Snmp, TruncatedAndHostile) {
  std::string full = seed("fuzz_scan_snmp/lab_netsnmp_v2c_resp");
  for (size_t n = 0; n < full.size(); ++n) EXPECT_FALSE(parse_snmp_response(bytes(full.substr(0, n))).valid) << n;
  EXPECT_FALSE(parse_snmp_response(bytes(seed("fuzz_scan_snmp/indefinite_length"))).valid);
  EXPECT_FALSE(parse_snmp_response(bytes(seed("fuzz_scan_snmp/nested_sequences"))).valid);
  EXPECT_FALSE(parse_snmp_response(bytes(seed("fuzz_scan_snmp/lab_netsnmp_v2c_req"))).valid);  // a request
  std::string v3 = full;
  v3[4] = 3;  // version 3 (a different message shape)
  EXPECT_FALSE(parse_snmp_response(bytes(v3)).valid);
  // Round trip through the builder with the PDU tag turned into a response, odd ids included.
  for (int32_t id : {0, -1, -5, 127, 128, -129, INT32_MIN, INT32_MAX}) {
    std::string req = snmp_get_request(std::string(300, 'c'), kSnmpV2c, id);
    size_t tag = req.find('\xa0');
    ASSERT_NE(tag, std::string::npos);
    req[tag] = char(0xa2);
    SnmpResponse r = parse_snmp_response(bytes(req));
    ASSERT_TRUE(r.valid) << id;
    EXPECT_EQ(r.request_id, id);
    EXPECT_EQ(r.community, std::string(255, 'c'));
  }
}

// ---------------------------------------------------------------------------------------------
// CoAP

TEST(Coap, WellKnownCoreFromLibcoap) {
  EXPECT_EQ(coap_get_well_known_core(0x1234, 0xdeadbeef), seed("fuzz_scan_coap/lab_libcoap_req"));
  CoapResponse r = parse_coap(bytes(seed("fuzz_scan_coap/lab_libcoap_wkc")));
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.type, kCoapTypeAck);
  EXPECT_EQ(r.code, kCoapContent);
  EXPECT_EQ(r.message_id, 0x1234);
  EXPECT_EQ(r.token, 0xdeadbeefu);
  EXPECT_EQ(r.content_format, 40);
  EXPECT_EQ(r.resources, (std::vector<std::string>{"/", "/time", "/async", "/example_data"}));

  r = parse_coap(bytes(seed("fuzz_scan_coap/lab_libcoap_404")));
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.code, 0x84);  // 4.04
  EXPECT_EQ(r.payload, "Not Found");
  EXPECT_TRUE(r.resources.empty());

  r = parse_coap(bytes(seed("fuzz_scan_coap/lab_libcoap_root")));
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.token, 0u);
  EXPECT_EQ(products().match("coap", r.payload)->cpe, "libcoap:libcoap");
}

TEST(Coap, BuilderOptionsAndHostileMessages) {
  // Long segments use the extended length forms and parse back.
  std::string get = coap_get(1, 2, "/" + std::string(20, 'a') + "/" + std::string(300, 'b') + "//c/");
  CoapResponse r = parse_coap(bytes(get));
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(get.size(), 4u + 4 + (2 + 20) + (2 + 255) + (1 + 1));
  r = parse_coap(bytes(seed("fuzz_scan_coap/extended_option_deltas")));
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.content_format, 40);
  EXPECT_EQ(r.resources, (std::vector<std::string>{"/x", "/y"}));
  EXPECT_TRUE(parse_coap(bytes(seed("fuzz_scan_coap/reset"))).valid);

  for (std::string bad : {std::string("\x80\x45\x00\x01", 4),          // version 2
                          std::string("\x49\x45\x00\x01\x00", 5),      // token length 9
                          std::string("\x44\x45\x00\x01\x01\x02", 6),  // token cut short
                          std::string("\x40\x45\x00\x01\xff", 5),      // marker with no payload
                          std::string("\x40\x45\x00\x01\xf1\x00", 6),  // delta 15 (reserved)
                          std::string("\x40\x45\x00\x01\x1f", 5),      // length 15 (reserved)
                          std::string("\x40\x45\x00\x01\x15\x00", 6),  // option value cut short
                          std::string("\x40\x45\x00\x01\xe0\x01", 6),  // 2-byte delta cut short
                          std::string("\x40\x45\x00", 3)})
    EXPECT_FALSE(parse_coap(bytes(bad)).valid);
  EXPECT_EQ(parse_link_format("</a>;title=\"x,<b>\",</c>;rt=\"t\",<d>").size(), 3u);
  EXPECT_EQ(parse_link_format("garbage, </ok>").size(), 1u);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "</r" + std::to_string(i) + ">,";
  EXPECT_EQ(parse_link_format(many).size(), kCoapMaxResources);
}

// ---------------------------------------------------------------------------------------------
// SSDP and URLs

TEST(Ssdp, MsearchAndMiniupnpdAnswer) {
  EXPECT_EQ(
      ssdp_msearch(),
      "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n");
  EXPECT_NE(ssdp_msearch("upnp:rootdevice\r\nX: y", 9).find("MX: 5\r\nST: upnp:rootdeviceX: y\r\n\r\n"),
            std::string::npos);
  SsdpAnswer a = parse_ssdp_answer(seed("fuzz_scan_ssdp/lab_miniupnpd_rootdevice"));
  ASSERT_TRUE(a.valid);
  EXPECT_EQ(a.server, "Debian/6.18.44-fc-v669 UPnP/1.1 MiniUPnPd/2.3.1");
  EXPECT_EQ(a.location, "http://10.98.0.1:5000/rootDesc.xml");
  EXPECT_EQ(a.st, "upnp:rootdevice");
  EXPECT_EQ(a.usn, "uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b::upnp:rootdevice");
  auto p = products().match("upnp", a.server);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "MiniUPnPd");
  EXPECT_EQ(p->version, "2.3.1");
  EXPECT_EQ(p->cpe, "miniupnp_project:miniupnpd");
  EXPECT_FALSE(parse_ssdp_answer(seed("fuzz_scan_ssdp/notify_ipv6_location")).valid);
  EXPECT_FALSE(parse_ssdp_answer("HTTP/1.1 404 Not Found\r\n\r\n").valid);
  a = parse_ssdp_answer(seed("fuzz_scan_ssdp/rompager_answer"));
  EXPECT_EQ(products().match("upnp", a.server)->cpe, "allegrosoft:rompager");
}

TEST(Ssdp, Urls) {
  auto u = parse_url("http://10.98.0.1:5000/rootDesc.xml");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "10.98.0.1");
  EXPECT_EQ(u->port, 5000);
  EXPECT_EQ(u->path, "/rootDesc.xml");
  EXPECT_FALSE(u->https);
  u = parse_url("HTTPS://cam.local");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/");
  EXPECT_TRUE(u->https);
  u = parse_url("http://[fe80::1]:49152/desc.xml?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "fe80::1");
  EXPECT_EQ(u->path, "/desc.xml?x=1");
  EXPECT_EQ(parse_url("http://h?q")->path, "/?q");
  for (const char* bad : {"", "ftp://h/", "http://", "http://user:pw@10.0.0.1/", "http://h:0/", "http://h:65536/",
                          "http://h:/", "http://h x/", "http://[fe80::1/", "http://[]/", "http://h:80a/", "//h/",
                          "http://h/\x01", "http://[::1]x/", "http://h%2f/"})
    EXPECT_FALSE(parse_url(bad)) << bad;
  EXPECT_FALSE(parse_url("http://h/" + std::string(3000, 'a')));
}

// ---------------------------------------------------------------------------------------------
// UPnP description

TEST(Upnp, MiniupnpdDescription) {
  UpnpDescription d = parse_upnp_description(seed("fuzz_scan_upnp/lab_miniupnpd_rootdesc.xml"));
  ASSERT_TRUE(d.valid) << d.error;
  EXPECT_EQ(d.device_type, "urn:schemas-upnp-org:device:InternetGatewayDevice:2");
  EXPECT_EQ(d.friendly_name, "Debian router");
  EXPECT_EQ(d.manufacturer, "Debian");
  EXPECT_EQ(d.model_name, "Debian router");
  EXPECT_EQ(d.model_number, "1");
  EXPECT_EQ(d.model_description, "Debian router");
  EXPECT_EQ(d.serial_number, "12345678");
  EXPECT_EQ(d.udn, "uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b");  // the root device's, not an embedded one
  ASSERT_GE(d.services.size(), 4u);
  EXPECT_EQ(d.services[0], "urn:schemas-upnp-org:service:Layer3Forwarding:1");
  EXPECT_NE(std::find(d.services.begin(), d.services.end(), "urn:schemas-upnp-org:service:WANIPConnection:2"),
            d.services.end());
  EXPECT_TRUE(d.error.empty());
}

TEST(Upnp, HostileDocumentsAreRejected) {
  for (const char* name : {"billion_laughs.xml", "xxe.xml", "param_entity.xml"}) {
    UpnpDescription d = parse_upnp_description(seed(std::string("fuzz_scan_upnp/") + name));
    EXPECT_FALSE(d.valid) << name;
    EXPECT_NE(d.error.find("DOCTYPE not allowed"), std::string::npos) << name << ": " << d.error;
    EXPECT_TRUE(d.friendly_name.empty());
  }
  UpnpDescription d = parse_upnp_description(seed("fuzz_scan_upnp/deep_nesting.xml"));
  EXPECT_FALSE(d.valid);
  EXPECT_NE(d.error.find("nested too deeply"), std::string::npos) << d.error;
  d = parse_upnp_description(seed("fuzz_scan_upnp/truncated.xml"));
  EXPECT_FALSE(d.valid);
  EXPECT_FALSE(d.error.empty());
  d = parse_upnp_description("<root><device><friendlyName>&undefined;</friendlyName></device></root>");
  EXPECT_FALSE(d.valid);
  d = parse_upnp_description("<html><device/></html>");
  EXPECT_FALSE(d.valid);
  EXPECT_NE(d.error.find("not <root>"), std::string::npos);
  EXPECT_FALSE(parse_upnp_description("<root><specVersion/></root>").valid);
  EXPECT_FALSE(parse_upnp_description("").valid);
  d = parse_upnp_description("<root><device><x>" + std::string(kUpnpMaxInput, 'a') + "</x></device></root>");
  EXPECT_FALSE(d.valid);
  EXPECT_NE(d.error.find("larger than"), std::string::npos);
}

TEST(Upnp, NamespacesCdataEntitiesAndCaps) {
  UpnpDescription d = parse_upnp_description(seed("fuzz_scan_upnp/prefixed_namespace.xml"));
  ASSERT_TRUE(d.valid) << d.error;
  EXPECT_EQ(d.manufacturer, "ACME & Co");
  EXPECT_EQ(d.model_name, "Cam <X1>");
  EXPECT_EQ(d.services, (std::vector<std::string>{"urn:schemas-upnp-org:service:WANIPConnection:1"}));
  std::string many = "<root><device><friendlyName>  " + std::string(1000, 'n') + "\n</friendlyName><serviceList>";
  for (int i = 0; i < 50; ++i) many += "<service><serviceType>t" + std::to_string(i) + "</serviceType></service>";
  many += "</serviceList></device></root>";
  d = parse_upnp_description(many);
  ASSERT_TRUE(d.valid);
  EXPECT_EQ(d.friendly_name, std::string(kUpnpMaxField, 'n'));
  EXPECT_EQ(d.services.size(), kUpnpMaxServices);
}

// ---------------------------------------------------------------------------------------------
// SSH

TEST(Ssh, Banners) {
  SshBanner b = parse_ssh_banner("SSH-2.0-dropbear_2022.83");
  ASSERT_TRUE(b.valid);
  EXPECT_EQ(b.proto_version, "2.0");
  EXPECT_EQ(b.software, "dropbear_2022.83");
  EXPECT_EQ(b.comments, "");
  b = parse_ssh_banner("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r");
  ASSERT_TRUE(b.valid);
  EXPECT_EQ(b.software, "OpenSSH_9.2p1");
  EXPECT_EQ(b.comments, "Debian-2+deb12u3");
  EXPECT_EQ(parse_ssh_banner("SSH-1.99-Cisco-1.25").software, "Cisco-1.25");
  for (std::string bad : {std::string(""), std::string("SSH-2.0-"), std::string("SSH-2.0"), std::string("SSH--x"),
                          std::string("ssh-2.0-x"), std::string("HTTP/1.1 400"), std::string("SSH-2.0-a\x01"),
                          "SSH-2.0-" + std::string(250, 'a')})
    EXPECT_FALSE(parse_ssh_banner(bad).valid) << bad;
  EXPECT_TRUE(parse_ssh_banner("SSH-2.0-" + std::string(247, 'a')).valid);  // 255 bytes
  auto p = products().match("ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "9.2p1");
  EXPECT_EQ(p->cpe, "openbsd:openssh");
}

TEST(Ssh, DropbearKexInitHasStrictKex) {
  std::string raw = seed("fuzz_scan_ssh/lab_dropbear_2022.83");
  size_t nl = raw.find('\n');
  std::string line = raw.substr(0, nl);
  ASSERT_TRUE(parse_ssh_banner(line).valid);
  auto p = products().match("ssh", line);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "Dropbear sshd");
  EXPECT_EQ(p->version, "2022.83");
  EXPECT_EQ(p->cpe, "dropbear_ssh_project:dropbear_ssh");

  std::string rest = raw.substr(nl + 1);
  SshKexInit k = parse_ssh_kexinit(bytes(rest));
  ASSERT_TRUE(k.complete && k.valid);
  EXPECT_EQ(k.consumed, 512u);
  EXPECT_EQ(k.kex.front(), "curve25519-sha256");
  EXPECT_TRUE(k.strict_kex);  // Debian's dropbear carries the Terrapin fix
  EXPECT_FALSE(k.terrapin_exposed);
  EXPECT_NE(std::find(k.ciphers.begin(), k.ciphers.end(), "chacha20-poly1305@openssh.com"), k.ciphers.end());
  EXPECT_FALSE(k.host_key.empty());
  EXPECT_FALSE(k.macs.empty());
  for (size_t n = 0; n < k.consumed; ++n) EXPECT_FALSE(parse_ssh_kexinit(bytes(rest).subspan(0, n)).complete) << n;
}

TEST(Ssh, TerrapinExposure) {
  auto kex_of = [](const std::string& name) {
    std::string raw = seed("fuzz_scan_ssh/" + name);
    return parse_ssh_kexinit(bytes(raw).subspan(raw.find('\n') + 1));
  };
  SshKexInit k = kex_of("openssh_8.4_terrapin_exposed");
  ASSERT_TRUE(k.valid);
  EXPECT_FALSE(k.strict_kex);
  EXPECT_TRUE(k.terrapin_exposed);
  k = kex_of("openssh_9.6_strict_kex");
  ASSERT_TRUE(k.valid);
  EXPECT_TRUE(k.strict_kex);
  EXPECT_FALSE(k.terrapin_exposed);
  k = kex_of("cbc_etm_exposed");
  ASSERT_TRUE(k.valid);
  EXPECT_TRUE(k.terrapin_exposed);
  k = kex_of("huge_packet_length");
  EXPECT_TRUE(k.complete);
  EXPECT_FALSE(k.valid);
  // A complete packet of another type is no KEXINIT.
  std::string other = seed("fuzz_scan_ssh/lab_dropbear_2022.83");
  other = other.substr(other.find('\n') + 1);
  other[5] = 21;
  k = parse_ssh_kexinit(bytes(other));
  EXPECT_TRUE(k.complete);
  EXPECT_FALSE(k.valid);
}

// ---------------------------------------------------------------------------------------------
// Product rules

TEST(Products, DataFileCoversTheListedServers) {
  ASSERT_GE(products().size(), 30u);
  struct Case {
    const char* service;
    const char* text;
    const char* name;
    const char* version;
    const char* cpe;
  };
  const Case cases[] = {
      {"ssh", "SSH-2.0-dropbear", "Dropbear sshd", "", "dropbear_ssh_project:dropbear_ssh"},
      {"http", "lighttpd/1.4.69", "lighttpd", "1.4.69", "lighttpd:lighttpd"},
      {"http", "mini_httpd/1.30 26Oct2018", "mini_httpd", "1.30", "acme:mini_httpd"},
      {"http", "micro_httpd", "micro_httpd", "", "acme:micro_httpd"},
      {"http", "thttpd/2.29 23May2018", "thttpd", "2.29", "acme:thttpd"},
      {"http", "GoAhead-Webs/2.5.0 PeerSec-MatrixSSL/3.4.2-OPEN", "GoAhead WebServer", "2.5.0", "embedthis:goahead"},
      {"http", "GoAhead-http", "GoAhead WebServer", "", "embedthis:goahead"},
      {"http", "Boa/0.94.14rc21", "Boa", "0.94.14rc21", "boa:boa"},
      {"http", "RomPager/4.07 UPnP/1.0", "Allegro RomPager", "4.07", "allegrosoft:rompager"},
      {"http", "Allegro-Software-RomPager/4.34", "Allegro RomPager", "4.34", "allegrosoft:rompager"},
      {"http", "ZyXEL-RomPager/3.02", "ZyXEL RomPager", "3.02", "allegrosoft:rompager"},
      {"http", "nginx/1.22.1", "nginx", "1.22.1", "f5:nginx"},
      {"http", "Apache/2.4.57 (Debian)", "Apache httpd", "2.4.57", "apache:http_server"},
      {"http", "uc-httpd 1.0.0", "XiongMai uc-httpd", "1.0.0", "xiongmai_technologies:uc-httpd"},
      {"http", "App-webs/", "Hikvision camera/NVR web server", "", ""},
      {"upnp", "Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.18", "Portable SDK for UPnP devices (libupnp)",
       "1.6.18", "libupnp_project:libupnp"},
      {"rtsp", "LIVE555 Streaming Media v2013.02.11", "LIVE555 Streaming Media", "2013.02.11",
       "live555:streaming_media"},
      {"rtsp", "Dahua Rtsp Server", "Dahua RTSP server", "", ""},
      {"rtsp", "Hipcam RealServer/V1.0", "Hipcam RealServer", "1.0", ""},
      {"ftp", "220 vsFTPd 2.3.4 ready...", "vsftpd", "2.3.4", "beasts:vsftpd"},
      {"ftp", "220 ProFTPD Server (ProFTPD Default Installation)", "ProFTPD", "", "proftpd:proftpd"},
      {"telnet", "\r\nBusyBox v1.19.4 (2015-06-01) built-in shell\r\n", "BusyBox", "1.19.4", "busybox:busybox"},
  };
  for (const Case& c : cases) {
    auto p = products().match(c.service, c.text);
    ASSERT_TRUE(p) << c.service << " " << c.text;
    EXPECT_EQ(p->name, c.name) << c.text;
    EXPECT_EQ(p->version, c.version) << c.text;
    EXPECT_EQ(p->cpe, c.cpe) << c.text;
  }
  EXPECT_FALSE(products().match("http", "Apache-Coyote/1.1"));  // Tomcat
  EXPECT_FALSE(products().match("ssh", "lighttpd/1.4.69"));     // wrong service
  EXPECT_FALSE(products().match("http", ""));
  EXPECT_FALSE(products().match("http", std::string(600, ' ') + "lighttpd/1.4.69"));  // beyond 512 bytes
  EXPECT_TRUE(products().match("HTTP", "lighttpd"));
}

TEST(Products, ErrorsNameTheFileAndRule) {
  auto err = [](std::string_view text) {
    auto r = ProductMatcher::load_text(text, "p.toml");
    return r.ok() ? std::string("ok") : r.error().message();
  };
  const std::string ok = "[[rule]]\nservice = \"ssh\"\npattern = 'x'\nproduct = \"X\"\n";
  EXPECT_EQ(err(ok), "ok");
  EXPECT_EQ(err(ok + "[[rule]]\nservice = \"ssh\"\npattern = '(('\nproduct = \"Y\"\n").substr(0, 24),
            "p.toml: rule 2 (line 5):");
  EXPECT_NE(err(ok + "[[rule]]\nservice = \"ssh\"\npattern = '(('\nproduct = \"Y\"\n").find("regular expression"),
            std::string::npos);
  EXPECT_NE(err("[[rule]]\nservice = \"ssh\"\nproduct = \"X\"\n").find("rule 1 (line 1): field 'pattern' is missing"),
            std::string::npos);
  EXPECT_NE(err(ok + "cpe = \"Vendor:Product\"\n").find("not a lower-case"), std::string::npos);
  EXPECT_NE(err(ok + "cpe = \"a:b:c\"\n").find("not a lower-case"), std::string::npos);
  EXPECT_NE(err(ok + "version = 2\n").find("capture group number 0..0"), std::string::npos);
  EXPECT_NE(err(ok + "colour = 1\n").find("unknown key 'colour'"), std::string::npos);
  EXPECT_NE(err("[[rule]]\nservice = []\npattern = 'x'\nproduct = \"X\"\n").find("'service'"), std::string::npos);
  EXPECT_NE(err("[[rule]]\nservice = \"SSH x\"\npattern = 'x'\nproduct = \"X\"\n").find("not a service name"),
            std::string::npos);
  EXPECT_NE(err("format = 2\n").find("unsupported format"), std::string::npos);
  EXPECT_NE(err("rules = 1\n").find("unknown top-level key 'rules'"), std::string::npos);
  EXPECT_NE(err("[http_admin]\nbody_min = 0\n").find("http_admin.body_min"), std::string::npos);
  EXPECT_NE(err("[http_admin]\ntitle = [1]\n").find("http_admin.title"), std::string::npos);
  EXPECT_EQ(err("x = \n").substr(0, 9), "p.toml:1:");
  auto missing = ProductMatcher::load("/nonexistent/products.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().where, "/nonexistent/products.toml");
}

TEST(Products, VersionGroupsAndAdminSection) {
  auto m = ProductMatcher::load_text(
      "[http_admin]\ntitle = [\"Kamera\"]\nbody = [\"x\"]\nbody_min = 1\n"
      "[[rule]]\nservice = [\"http\", \"rtsp\"]\npattern = '^(Foo)/([0-9.]+)'\nproduct = \"Foo\"\nversion = 2\n"
      "[[rule]]\nservice = \"http\"\npattern = '^(Bar)'\nproduct = \"Bar\"\nversion = 0\ncpe = \"bar:bar\"\n",
      "t.toml");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->match("rtsp", "Foo/1.2 x")->version, "1.2");
  EXPECT_EQ(m->match("http", "Bar/9")->version, "");
  EXPECT_EQ(m->match("http", "Bar/9")->cpe, "bar:bar");
  EXPECT_EQ(m->admin_page_hint("Meine kamera", ""), "title:kamera");
  EXPECT_EQ(m->admin_page_hint("", "xyz"), "body:x");
  EXPECT_EQ(ProductMatcher().size(), 0u);
  EXPECT_EQ(ProductMatcher().admin_page_hint("Router", ""), "title:router");
}

TEST(Products, DefaultPathFollowsTheEnvironment) {
  const char* old = std::getenv("SEKISHO_DATA_DIR");
  std::string saved = old ? old : "";
  setenv("SEKISHO_DATA_DIR", "/tmp/sekisho-data", 1);
  EXPECT_EQ(default_products_path(), "/tmp/sekisho-data/fingerprints/products.toml");
  unsetenv("SEKISHO_DATA_DIR");
  EXPECT_TRUE(default_products_path().ends_with("/fingerprints/products.toml"));
  EXPECT_TRUE(ProductMatcher::load(default_products_path()).ok());
  if (old) setenv("SEKISHO_DATA_DIR", saved.c_str(), 1);
}

}  // namespace
}  // namespace sekisho::scan::proto
