#pragma once
// HTTP/1.x and RTSP/1.0 responses as the probes read them: the head, the title of a page,
// WWW-Authenticate challenges and the Basic/Digest answers to them, and hints that a page is
// a device's admin interface. Inputs are untrusted and partial; nothing here throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::scan::proto {

inline constexpr size_t kHttpMaxHeaderValue = 512;  // longer header values are truncated
inline constexpr size_t kHttpMaxChallenges = 8;     // WWW-Authenticate headers kept
inline constexpr size_t kHttpMaxHeaders = 200;      // header lines looked at

struct HttpResponse {
  bool complete_head = false;  // saw CRLFCRLF (or LFLF)
  bool valid = false;          // status line parsed
  std::string_view protocol;   // "HTTP/1.1", "RTSP/1.0" (views into the input)
  int status = 0;
  std::string_view reason;  // "OK", "Unauthorized" (a view into the input, may be empty)
  size_t head_len = 0;      // bytes of the head incl. the blank line (0 until complete_head)
  std::optional<uint64_t> content_length;
  std::string server, www_authenticate, location, content_type;  // first of each, truncated to 512 bytes
  std::vector<std::string> www_authenticate_all;                 // every WWW-Authenticate header (max 8)
  bool rtsp() const { return protocol.starts_with("RTSP/"); }
};
// bytes = what was read so far. Header lines are only read from a complete head (or, before it
// is complete, from the complete lines so far). Control bytes in kept values become spaces.
HttpResponse parse_http_response(std::string_view bytes);

// <title>..</title> of the first 64 KiB of a body: entities &amp; &lt; &gt; &quot; &apos; &nbsp;
// and &#N; / &#xN; (ASCII) decoded, whitespace collapsed, trimmed, at most 200 bytes (cut on a
// UTF-8 boundary). "" when there is none.
std::string html_title(std::string_view body);

struct AuthChallenge {
  enum class Scheme { kNone, kBasic, kDigest, kOther } scheme = Scheme::kNone;
  std::string realm, nonce, opaque, qop, algorithm;
  bool stale = false;
};
// One challenge ("Basic realm=..", "Digest realm=.., nonce=.., qop="auth,auth-int""). When a
// header carries several challenges, the first is returned. Parameter values are capped.
AuthChallenge parse_auth_challenge(std::string_view header_value);
// The most useful challenge of a response: Digest if offered (it keeps the password off the
// wire), else Basic, else the first.
AuthChallenge pick_auth_challenge(const std::vector<std::string>& www_authenticate_all);

std::string basic_credentials(std::string_view user, std::string_view pass);  // "Basic base64(user:pass)"
// "Digest username=..." (RFC 7616 / RFC 2617): algorithms MD5, MD5-sess, SHA-256, SHA-256-sess
// (none given = MD5); qop "auth" when offered, else "auth-int" over an empty body, else the
// RFC 2069 form without qop. Returns "" for an algorithm or qop we cannot answer. `cnonce` must
// be free of '"'; nc is written as 8 hex digits.
std::string digest_credentials(const AuthChallenge&, std::string_view method, std::string_view uri,
                               std::string_view user, std::string_view pass, std::string_view cnonce, uint32_t nc);

// Keywords that mark a device's admin/settings page: a title word (substring, case-insensitive),
// or at least body_min distinct body words. Data: [http_admin] in products.toml.
struct AdminHints {
  std::vector<std::string> title_words, body_words;  // lower case
  size_t body_min = 2;
  // "title:<word>", "body:<word>+<word>", or "" (no hint).
  std::string match(std::string_view title, std::string_view body) const;
  static const AdminHints& builtin();  // the defaults, used when no data file is at hand
};

// Hints that a page is a device's admin/settings UI (no password field), from the [http_admin]
// words of default_products_path(), read once per process (the built-in list if it cannot be
// read; ProductMatcher::admin_page_hint uses a matcher's own file). Only meaningful for a 2xx
// page. Returns "title:<word>" or "body:<word>+<word>", or "".
std::string admin_page_hint(std::string_view title, std::string_view body);
bool has_password_form(std::string_view body);  // <input ... type="password" ...> in the first 64 KiB

}  // namespace sekisho::scan::proto
