#pragma once
// The versioned default-credential list, data/credentials/default.toml (format described at
// the top of that file). The engine tries entries in file order, most likely first, stops at
// the first success and prints the entry's id, never its password.
//
//   version = "2026.11.1"
//   [sources.mirai]                  # every credential names one of these
//   title = "..."  url = "..."  commit = "..."  date = "YYYY-MM-DD"  note = "..."
//   [[credential]]
//   id = "mirai-01"                  # stable, [a-z0-9-], printed in results instead of the password
//   user = "root"
//   password = "xc3511"              # "" = empty password
//   source = "mirai"                 # key of [sources]
//   weight = 10                      # 1..1000, as in Mirai's table (informational; order is file order)
//   services = ["telnet", "ssh"]     # optional; absent or [] = every login service
//   also = ["seclists"]              # optional; other [sources] that publish the same pair
//   vendor = "Axis network cameras"  # optional; whose default it is
//
// A pair (user, password) may appear once per service: a second entry whose services overlap
// an earlier one is an error, so no attempt is ever spent twice.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sekisho::scan {

// The login services a credential can be tried on.
const std::vector<std::string_view>& credential_services();  // telnet, ssh, http, ftp, mqtt, rtsp

struct CredentialSource {
  std::string key, title, url, commit, date, note;
};

struct Credential {
  std::string id;
  std::string user;
  std::string password;
  std::vector<std::string> services;  // empty = every login service
  std::string source;                 // key of CredentialSet::sources
  int weight = 1;
  std::vector<std::string> also;  // further source keys for the same pair
  std::string vendor;

  bool applies_to(std::string_view service) const;
};

struct CredentialSet {
  std::string version, path;
  std::vector<Credential> entries;  // file order = try order
  std::vector<CredentialSource> sources;

  // Entries usable on `service`, in try order.
  std::vector<const Credential*> for_service(std::string_view service) const;
  const Credential* find(std::string_view id) const;
  const CredentialSource* source(std::string_view key) const;
};

// Errors name the file, the record and the field:
//   "default.toml: credential 12 (id 'x'): field 'user' must be a string".
core::Result<CredentialSet> load_credentials(const std::string& path);
core::Result<CredentialSet> load_credentials_text(std::string_view toml, std::string_view name);

// $SEKISHO_DATA_DIR/credentials/default.toml, else the build's data directory.
std::string default_credentials_path();

}  // namespace sekisho::scan
