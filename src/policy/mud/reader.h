#pragma once
// Internal to policy/mud: typed, non-throwing reads of nlohmann::json values that report
// mistakes as "/json/pointer: message" errors and warnings of one file.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/result.h"
#include "policy/mud.h"

namespace sekisho::policy::detail {

using Json = nlohmann::json;

// JSON Pointer (RFC 6901) children: keys escape '~' and '/'.
std::string child(const std::string& path, std::string_view key);
std::string child(const std::string& path, size_t index);

// A short rendering of a value for "got ..." in messages.
std::string describe(const Json& v);
// A name from the file, in quotes, cut short: messages must not grow with hostile input.
std::string short_quote(std::string_view s);

// At most this many errors and warnings are kept per file; one more entry counts the rest.
inline constexpr size_t kMaxReports = 1000;

class Reader {
 public:
  Reader(const std::string& where, MudDiagnostics& diag) : where_(where), diag_(diag) {}

  void error(const std::string& path, std::string_view msg, core::ErrorCode code = core::ErrorCode::kFormat);
  void unsupported(const std::string& path, std::string_view what);
  void warn(const std::string& path, std::string_view msg);
  // One warning per distinct `tag` per file: draft spellings repeat on every ACE.
  void warn_once(const std::string& tag, const std::string& path, std::string_view msg);
  size_t errors() const { return errors_; }  // all of them, kept or not
  // Appends the counts of what was not kept; call once at the end.
  void finish();

  bool object(const Json& v, const std::string& path);
  bool array(const Json& v, const std::string& path);
  std::optional<std::string> string(const Json& v, const std::string& path);
  std::optional<bool> boolean(const Json& v, const std::string& path);
  // An integer in [lo, hi]; YANG JSON integers are numbers, never strings.
  std::optional<uint64_t> integer(const Json& v, const std::string& path, uint64_t lo, uint64_t hi);
  // The YANG `empty` type: [null].
  bool empty_leaf(const Json& v, const std::string& path);

 private:
  const std::string& where_;
  MudDiagnostics& diag_;
  std::set<std::string> warned_;
  size_t errors_ = 0, warnings_ = 0;
};

// Syntax checks for strings whose YANG type is narrower than `string`.
bool is_dns_name(std::string_view s);       // inet:domain-name / inet:host (names only)
bool is_date_and_time(std::string_view s);  // yang:date-and-time
bool is_uri(std::string_view s);            // scheme ":" something (inet:uri, loosely)
std::optional<IpPrefix> parse_prefix(std::string_view s, uint8_t family);

// What an ACE's checks need to know about its ACL (matches.cpp).
struct AceContext {
  std::optional<AclType> type;
  bool from_device = false;  // the ACL is named by from-device-policy
  bool to_device = false;
};
void parse_matches(Reader& r, const Json& v, const std::string& path, const AceContext& ctx, Matches& out);

}  // namespace sekisho::policy::detail
