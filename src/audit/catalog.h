#pragma once
// Requirement catalogs: one TOML file per scheme under data/catalogs/ (the IoT Security
// Guidelines, the terminal equipment rules, ETSI EN 303 645, NISTIR 8259A/B, OWASP IoT Top 10,
// JC-STAR star 1, UK PSTI), bilingual, checked at load against the schema below, plus the
// cross-walk between them (data/catalogs/crosswalk.toml).
//
//   schema = 1
//   id = "etsi-en-303-645"            # = the file name
//   short = "ETSI EN 303 645"   version = "V2.1.1 (2020-06)"   publisher = "ETSI"
//   kind = "product"                  # product | organisation | mixed
//   title = { ja = "...", en = "..." }
//   sources = ["..."]
//   [[group]]        id = "5.1"   title = { ja, en }
//   [[requirement]]  id = "5.1-1"  group = "5.1"  title = {ja,en}  summary = {ja,en}
//                    status = "mandatory"          # mandatory | recommended | guidance | unknown
//                    condition = { ja, en }        # optional: conditional provisions
//                    checks = ["scan", ...]        # scan traffic firmware declaration organisational
//                                                  # device-test hardware
//                    scope = "device"              # device | organisation
//                    confidence = "verified"       # verified | recalled | unknown
//                    aliases = ["..."]  ixit = "1-AuthMech"   # optional
//
// Every error names the file, the line and the field.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sekisho::audit {

// A text in both languages. `in("ja")` is the Japanese one, anything else the English one.
struct Text {
  std::string ja, en;
  const std::string& in(std::string_view lang) const { return lang == "ja" ? ja : en; }
};

enum class Status : uint8_t { kMandatory, kRecommended, kGuidance, kUnknown };
enum class Scope : uint8_t { kDevice, kOrganisation };
enum class Confidence : uint8_t { kVerified, kRecalled, kUnknown };

// How a requirement can be checked: a bit set.
enum Check : uint32_t {
  kCheckScan = 1,
  kCheckTraffic = 2,
  kCheckFirmware = 4,
  kCheckDeclaration = 8,
  kCheckOrganisational = 16,
  kCheckDeviceTest = 32,
  kCheckHardware = 64,
};

const char* status_name(Status s);  // "mandatory", ...
std::vector<std::string> check_names(uint32_t checks);
const Text& status_text(Status s);  // "必須" / "mandatory", ...

struct Group {
  std::string id;
  Text title;
};

struct Requirement {
  std::string id;
  std::string group;
  Text title, summary;
  Status status = Status::kUnknown;
  std::optional<Text> condition;
  uint32_t checks = 0;
  Scope scope = Scope::kDevice;
  Confidence confidence = Confidence::kVerified;
  std::vector<std::string> aliases;
  std::string ixit;
  int line = 0;  // in the catalog file
};

struct Catalog {
  std::string id, short_name, version, publisher, kind;
  Text title;
  std::vector<std::string> sources;
  std::vector<Group> groups;
  std::vector<Requirement> requirements;
  std::string path;

  const Requirement* find(std::string_view id) const;  // by id or alias
  const Group* group(std::string_view id) const;
};

// The ids `sekisho audit --catalog` accepts, in display order.
const std::vector<std::string>& catalog_ids();

// `name` stands for the file in errors.
core::Result<Catalog> parse_catalog(std::string_view text, const std::string& name);
core::Result<Catalog> load_catalog(const std::string& path);

struct Link {
  std::string from;
  std::vector<std::string> to;
  bool equivalent = false;
  std::string note;
  int line = 0;
};

class CatalogSet {
 public:
  // Every catalog of catalog_ids() from `dir`, then `dir`/crosswalk.toml, every id in it resolved.
  static core::Result<CatalogSet> load(const std::string& dir);
  // For tests: catalogs given, cross-walk text parsed and resolved against them.
  static core::Result<CatalogSet> from(std::vector<Catalog> catalogs, std::string_view crosswalk_text,
                                       const std::string& crosswalk_name);

  const std::vector<Catalog>& catalogs() const { return catalogs_; }
  const Catalog* find(std::string_view id) const;
  // "catalog:requirement" (requirement id or alias) -> the requirement, or null.
  const Requirement* resolve(std::string_view qualified, const Catalog** catalog = nullptr) const;
  // "catalog:group" names a whole group: true when it exists.
  bool is_group(std::string_view qualified) const;
  const std::vector<Link>& links() const { return links_; }
  // The qualified ids linked to `qualified` (either direction), each once, sorted.
  std::vector<std::string> related(std::string_view qualified) const;

 private:
  std::vector<Catalog> catalogs_;
  std::vector<Link> links_;
};

// data/catalogs: $SEKISHO_DATA_DIR/catalogs or the built-in default.
std::string default_catalog_dir();
std::string default_data_dir();

}  // namespace sekisho::audit
