#pragma once
// Banner/header -> product, version and CPE "vendor:product", from rules in
// data/fingerprints/products.toml (first matching rule wins, in file order):
//
//   format = 1
//   [http_admin]                         # words that mark an admin/settings page (see AdminHints)
//   title = ["router", "settings", ...]  # a title containing one of these (case-insensitive)
//   body = ["apply.cgi", "firmware", ...]
//   body_min = 2                         # ... or a body containing at least this many of these
//
//   [[rule]]
//   service = "ssh"                      # or a list: ["http", "rtsp"]
//   pattern = '^SSH-[\d.]+-dropbear_([\d.]+)'   # std::regex ECMAScript, case-insensitive, searched
//   product = "Dropbear sshd"
//   cpe = "dropbear_ssh_project:dropbear_ssh"   # "" when no CPE is known (a hint only)
//   version = 1                          # capture group holding the version (default 1 when the
//                                        # pattern has a group, else 0 = no version)
//   note = "free text"                   # optional
//
// What text each service is matched against (the caller passes it; at most 512 bytes are used):
//   ssh      the identification line  "SSH-2.0-dropbear_2022.83"
//   http     the Server header value  "lighttpd/1.4.69"
//   http-auth the WWW-Authenticate value (busybox httpd sends no Server header, but its realm)
//   http-title the page title          (device web UIs)
//   rtsp     the RTSP Server header   "GStreamer RTSP server"
//   ftp      the greeting reply line   "220 (vsFTPd 3.0.3)"
//   telnet   the text before the login prompt
//   snmp     sysDescr                 "Linux printer 6.1.0-13-amd64 #1 SMP ..."
//   snmp-oid sysObjectID              "1.3.6.1.4.1.8072.3.2.10"
//   upnp     the SSDP / description-server SERVER header "Debian/12 UPnP/1.1 MiniUPnPd/2.3.1"
//   coap     the payload of GET /     (libcoap's example server names itself there)
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "scan/proto/http.h"

namespace sekisho::scan::proto {

inline constexpr size_t kProductMaxText = 512;

struct Product {
  std::string name, version, cpe;  // e.g. {"Dropbear sshd", "2022.83", "dropbear_ssh_project:dropbear_ssh"}
};

class ProductMatcher {
 public:
  ProductMatcher();                                                   // no rules, built-in admin hints
  static core::Result<ProductMatcher> load(const std::string& path);  // errors name file and rule
  static core::Result<ProductMatcher> load_text(std::string_view toml, std::string_view name);

  // service: "ssh", "http", "ftp", "telnet", "rtsp", "snmp", "upnp", ... (see above); text capped
  // at 512 bytes before matching. The version is trimmed, control bytes as spaces, max 64 bytes.
  std::optional<Product> match(std::string_view service, std::string_view text) const;
  // The HTTP chain: Server header, then the auth realm header, then the title.
  std::optional<Product> match_http(const HttpResponse& head, std::string_view title, bool rtsp = false) const;

  const AdminHints& admin_hints() const;
  std::string admin_page_hint(std::string_view title, std::string_view body) const {
    return admin_hints().match(title, body);
  }
  size_t size() const;  // rules

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

std::string default_products_path();  // $SEKISHO_DATA_DIR/fingerprints/products.toml or SEKISHO_DATA_DIR_DEFAULT

}  // namespace sekisho::scan::proto
