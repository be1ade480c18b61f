// Fuzzes the HTTP/RTSP response parser and what the probes do with a response: title, password
// form, admin hints, auth challenges, Digest answers, the Location URL and product rules.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/proto/http.h"
#include "scan/proto/products.h"
#include "scan/proto/ssdp.h"

namespace proto = sekisho::scan::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const proto::ProductMatcher products = [] {
    auto m = proto::ProductMatcher::load(proto::default_products_path());
    return m ? *m : proto::ProductMatcher();
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  proto::HttpResponse r = proto::parse_http_response(in);
  auto b = reinterpret_cast<uintptr_t>(data);
  auto p = reinterpret_cast<uintptr_t>(r.protocol.data());
  if (!r.protocol.empty() && (p < b || p + r.protocol.size() > b + size)) __builtin_trap();
  if (r.head_len > size || r.www_authenticate_all.size() > proto::kHttpMaxChallenges) __builtin_trap();
  for (const std::string* s : {&r.server, &r.www_authenticate, &r.location, &r.content_type})
    if (s->size() > proto::kHttpMaxHeaderValue) __builtin_trap();

  std::string_view body = r.complete_head ? in.substr(r.head_len) : in;
  std::string title = proto::html_title(body);
  if (title.size() > 200) __builtin_trap();
  (void)proto::has_password_form(body);
  (void)proto::admin_page_hint(title, body);

  for (const auto& v : r.www_authenticate_all) {
    proto::AuthChallenge c = proto::parse_auth_challenge(v);
    std::string d = proto::digest_credentials(c, "GET", "/", "admin", "admin", "0a4f113b", 1);
    if (d.find('\r') != std::string::npos || d.find('\n') != std::string::npos) __builtin_trap();
  }
  proto::AuthChallenge any = proto::parse_auth_challenge(in);
  any.scheme = proto::AuthChallenge::Scheme::kDigest;
  std::string d = proto::digest_credentials(any, "DESCRIBE", "rtsp://10.0.0.1/", "u", "p", "c", 2);
  if (d.find('\n') != std::string::npos) __builtin_trap();
  (void)proto::pick_auth_challenge(r.www_authenticate_all);

  if (auto u = proto::parse_url(r.location)) {
    if (u->host.empty() || u->port == 0 || u->path.empty() || u->path[0] != '/') __builtin_trap();
  }
  (void)products.match_http(r, title, r.rtsp());
  (void)products.match("http", in);
  return 0;
}
