#pragma once
// RFC 8520 MUD files: parse and validate, write back, verify the detached CMS signature,
// and compile to the DevicePolicy that `watch` and `enforce` evaluate.
//
// Errors are core::Error{where = the file, what = "/json/path: message"}, so
// Error::message() reads "FILE: /ietf-access-control-list:acls/acl/0/...: expected ...".
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.h"
#include "core/result.h"
#include "policy/compiled.h"
#include "policy/mud/model.h"

namespace sekisho::policy {

// Hostile-input bounds. Counts of ACLs and ACEs are not limited.
inline constexpr size_t kMaxMudBytes = size_t{16} << 20;
inline constexpr size_t kMaxMudDepth = 64;  // nested arrays/objects; a MUD file needs about 12

// Everything found in one file. The model is only meaningful when errors is empty.
struct MudDiagnostics {
  std::vector<core::Error> errors;
  std::vector<core::Error> warnings;  // accepted, but worth a look (draft spellings, direction mismatches)
};

// Parses and validates; collects every error and warning. `where` names the source.
MudFile check_mud(std::string_view json, const std::string& where, MudDiagnostics& diag);

// Parses and validates; the first error, or the model. Warnings are appended if asked for.
core::Result<MudFile> parse_mud(std::string_view json, const std::string& where,
                                std::vector<core::Error>* warnings = nullptr);

// Reads a file (at most kMaxMudBytes) and parses it; `where` is the path.
core::Result<MudFile> load_mud_file(const std::string& path, std::vector<core::Error>* warnings = nullptr);

// Reads a whole file of at most max_bytes.
core::Result<std::string> read_file_bounded(const std::string& path, size_t max_bytes);

// RFC 8520 JSON (canonical `ietf-access-control-list:acls` key, RFC spellings), 2-space
// indented, ending in a newline. parse_mud(write_mud(m)) gives back m.
std::string write_mud(const MudFile& mud);

// Who signs, and against what the signature is checked.
struct SignatureTrust {
  enum class Mode : uint8_t {
    kTrustStore,     // the signer's chain must end in ca_file / ca_path (both may be set)
    kSignatureOnly,  // check the signature math with the embedded signer certificate only
  };
  Mode mode = Mode::kTrustStore;
  std::string ca_file;  // PEM bundle; a pinned signer or intermediate counts as an anchor
  std::string ca_path;  // OpenSSL hashed directory (c_rehash)
};

struct SignerInfo {
  std::string subject;  // the signer certificate's subject, one line (RFC 2253)
  std::string issuer;
  bool chain_verified = false;  // false in kSignatureOnly mode
};

// Verifies a detached DER CMS SignedData over `content` (CMS_BINARY | CMS_DETACHED, any
// certificate purpose, as osMUD and the Cisco MUD manager do).
core::Result<SignerInfo> verify_mud_signature(std::string_view content, std::string_view p7s_der,
                                              const SignatureTrust& trust, const std::string& where);
core::Result<SignerInfo> verify_mud_signature_files(const std::string& json_path, const std::string& p7s_path,
                                                    const SignatureTrust& trust);

// One Rule per ACE and policy direction (an ACL named by both policies gives rules in
// both; `neq` ports give two rules each). ACLs no policy names give none.
DevicePolicy compile(const MudFile& mud, const core::MacAddr& mac, std::string source);

// load_mud_file + compile, source = path: what `enforce` and `watch` call.
core::Result<DevicePolicy> load_policy(const std::string& path, const core::MacAddr& mac);

// The authority (host) of an https URL, lower-cased, without port or userinfo; empty if
// it has none.
std::string url_authority(std::string_view url);

}  // namespace sekisho::policy
