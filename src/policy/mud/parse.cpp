// The document, the ietf-mud:mud container, the policies and the ACL list of a MUD file;
// matches.cpp reads each ACE's matches. Every check reports a JSON path.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <utility>

#include "core/files.h"
#include "policy/mud.h"
#include "policy/mud/reader.h"

namespace sekisho::policy {

const char* abstraction_name(Abstraction a) {
  switch (a) {
    case Abstraction::kManufacturer: return "manufacturer";
    case Abstraction::kSameManufacturer: return "same-manufacturer";
    case Abstraction::kModel: return "model";
    case Abstraction::kLocalNetworks: return "local-networks";
    case Abstraction::kController: return "controller";
    case Abstraction::kMyController: return "my-controller";
  }
  return "?";
}

const char* acl_type_name(AclType t) {
  switch (t) {
    case AclType::kIpv4: return "ipv4-acl-type";
    case AclType::kIpv6: return "ipv6-acl-type";
    case AclType::kEth: return "eth-acl-type";
    case AclType::kMixedEthIpv4: return "mixed-eth-ipv4-acl-type";
    case AclType::kMixedEthIpv6: return "mixed-eth-ipv6-acl-type";
    case AclType::kMixedEthIpv4Ipv6: return "mixed-eth-ipv4-ipv6-acl-type";
  }
  return "?";
}

const char* forwarding_name(Forwarding f) {
  switch (f) {
    case Forwarding::kAccept: return "accept";
    case Forwarding::kDrop: return "drop";
    case Forwarding::kReject: return "reject";
  }
  return "?";
}

const char* port_operator_name(PortOperator op) {
  switch (op) {
    case PortOperator::kEq: return "eq";
    case PortOperator::kLte: return "lte";
    case PortOperator::kGte: return "gte";
    case PortOperator::kNeq: return "neq";
    case PortOperator::kRange: return "range";
  }
  return "?";
}

std::string url_authority(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    rest = close == std::string_view::npos ? std::string_view{} : rest.substr(1, close - 1);
  } else {
    rest = rest.substr(0, rest.find(':'));
  }
  std::string out(rest);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

namespace {

using detail::child;
using detail::describe;
using detail::Json;
using detail::Reader;
using detail::short_quote;

constexpr std::string_view kMudKey = "ietf-mud:mud";
constexpr std::string_view kAclsKey = "ietf-access-control-list:acls";
constexpr std::string_view kDraftAclsKey = "ietf-access-control-list:access-lists";
constexpr std::string_view kAclPrefix = "ietf-access-control-list:";

bool module_qualified(std::string_view key) { return key.find(':') != std::string_view::npos; }

Augmentation keep(const std::string& key, const Json& v) {
  return Augmentation{key, v.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

struct PolicyRef {
  std::string name;
  std::string path;
};

class Parser {
 public:
  Parser(const std::string& where, MudDiagnostics& diag) : r_(where, diag) {}

  MudFile run(const Json& doc) {
    if (!r_.object(doc, "")) return std::move(mud_);
    const auto mud = doc.find(kMudKey);
    if (mud == doc.end()) {
      r_.error("", "missing \"ietf-mud:mud\": not a MUD file");
    } else {
      parse_container(*mud, child("", kMudKey));
    }
    const auto acls = doc.find(kAclsKey), draft = doc.find(kDraftAclsKey);
    if (acls != doc.end() && draft != doc.end()) {
      r_.error(child("", kDraftAclsKey),
               "both \"" + std::string(kAclsKey) + "\" and \"" + std::string(kDraftAclsKey) + "\": give the ACLs once");
    } else if (acls != doc.end()) {
      parse_acls(*acls, child("", kAclsKey));
    } else if (draft != doc.end()) {
      r_.warn_once("access-lists", child("", kDraftAclsKey),
                   "draft spelling \"ietf-access-control-list:access-lists\" (RFC 8520: "
                   "\"ietf-access-control-list:acls\"); accepted");
      parse_acls(*draft, child("", kDraftAclsKey));
    }
    for (const auto& [k, v] : doc.items()) {
      if (k == kMudKey || k == kAclsKey || k == kDraftAclsKey) continue;
      if (!module_qualified(k)) r_.warn(child("", k), "unknown member without a module prefix; kept, not interpreted");
      mud_.top_augmentations.push_back(keep(k, v));
    }
    check_references();
    r_.finish();
    return std::move(mud_);
  }

 private:
  void parse_container(const Json& v, const std::string& p) {
    if (!r_.object(v, p)) return;
    bool version = false, url = false, update = false, supported = false;
    for (const auto& [k, x] : v.items()) {
      const std::string kp = child(p, k);
      if (k == "mud-version") {
        version = true;
        if (auto n = r_.integer(x, kp, 0, 255)) {
          if (*n != 1) r_.error(kp, "mud-version " + std::to_string(*n) + " is not supported (RFC 8520 is version 1)");
          mud_.mud_version = uint8_t(*n);
        }
      } else if (k == "mud-url") {
        url = true;
        if (auto s = r_.string(x, kp)) {
          mud_.mud_url = *s;
          if (!(s->size() > 8 && (s->compare(0, 8, "https://") == 0 || s->compare(0, 8, "HTTPS://") == 0)))
            r_.error(kp, "the MUD URL must use https (RFC 8520 section 3.3), got " + describe(x));
          else if (url_authority(*s).empty())
            r_.error(kp, "the MUD URL has no host, got " + describe(x));
        }
      } else if (k == "last-update") {
        update = true;
        if (auto s = r_.string(x, kp)) {
          if (!detail::is_date_and_time(*s))
            r_.error(kp, "expected a date-and-time such as 2018-06-29T19:50:19+02:00, got " + describe(x));
          mud_.last_update = *s;
        }
      } else if (k == "mud-signature" || k == "documentation") {
        if (auto s = r_.string(x, kp)) {
          if (!detail::is_uri(*s)) r_.error(kp, "expected a URI, got " + describe(x));
          (k == "mud-signature" ? mud_.mud_signature : mud_.documentation) = *s;
        }
      } else if (k == "cache-validity") {
        if (auto n = r_.integer(x, kp, 1, 168)) mud_.cache_validity = uint8_t(*n);
      } else if (k == "is-supported") {
        supported = true;
        if (auto b = r_.boolean(x, kp)) mud_.is_supported = *b;
      } else if (k == "systeminfo" || k == "mfg-name" || k == "model-name" || k == "firmware-rev" ||
                 k == "software-rev") {
        auto s = r_.string(x, kp);
        if (!s) continue;
        if (k == "systeminfo") {
          if (s->size() > 60) r_.warn(kp, "systeminfo is longer than the 60 characters RFC 8520 allows");
          mud_.systeminfo = *s;
        } else if (k == "mfg-name") {
          mud_.mfg_name = *s;
        } else if (k == "model-name") {
          mud_.model_name = *s;
        } else if (k == "firmware-rev") {
          mud_.firmware_rev = *s;
        } else {
          mud_.software_rev = *s;
        }
      } else if (k == "extensions") {
        if (!r_.array(x, kp)) continue;
        for (size_t i = 0; i < x.size(); ++i)
          if (auto s = r_.string(x[i], child(kp, i))) mud_.extensions.push_back(*s);
      } else if (k == "from-device-policy" || k == "to-device-policy") {
        parse_policy(x, kp, k == "from-device-policy" ? from_refs_ : to_refs_);
      } else {
        // RFC 8520 lets other modules augment the container (nist-mud, reporter, ...).
        if (!module_qualified(k)) r_.warn(kp, "unknown member without a module prefix; kept, not interpreted");
        mud_.mud_augmentations.push_back(keep(k, x));
      }
    }
    if (!version) {
      r_.warn(child(p, "mud-version"), "missing; taken as 1");
      mud_.mud_version = 1;
    }
    if (!url) r_.error(child(p, "mud-url"), "missing (mandatory)");
    if (!update) r_.error(child(p, "last-update"), "missing (mandatory)");
    if (!supported) r_.error(child(p, "is-supported"), "missing (mandatory)");
    for (const auto& ref : from_refs_) {
      mud_.from_device_policy.push_back(ref.name);
      from_names_.insert(ref.name);
    }
    for (const auto& ref : to_refs_) {
      mud_.to_device_policy.push_back(ref.name);
      to_names_.insert(ref.name);
    }
  }

  // {"access-lists": {"access-list": [{"name": "..."}]}}
  void parse_policy(const Json& v, const std::string& p, std::vector<PolicyRef>& refs) {
    if (!r_.object(v, p)) return;
    std::set<std::string, std::less<>> listed;
    for (const auto& [k, x] : v.items()) {
      const std::string kp = child(p, k);
      if (k != "access-lists") {
        if (module_qualified(k)) {
          r_.warn(kp, "policy augmentation not interpreted; ignored");
        } else {
          r_.error(kp, "unknown member " + short_quote(k) + " in a policy");
        }
        continue;
      }
      if (!r_.object(x, kp)) continue;
      for (const auto& [k2, list] : x.items()) {
        const std::string lp = child(kp, k2);
        if (k2 != "access-list") {
          r_.error(lp, "unknown member " + short_quote(k2) + " in access-lists");
          continue;
        }
        if (!r_.array(list, lp)) continue;
        for (size_t i = 0; i < list.size(); ++i) {
          const std::string ep = child(lp, i);
          const Json& e = list[i];
          if (!r_.object(e, ep)) continue;
          std::optional<std::string> name;
          for (const auto& [k3, y] : e.items()) {
            const std::string np = child(ep, k3);
            if (k3 == "name" || k3 == "acl-name") {
              if (k3 == "acl-name")
                r_.warn_once("policy-acl-name", np, "draft spelling \"acl-name\" (RFC 8520: \"name\"); accepted");
              if (name) {
                r_.error(np, "the ACL name is given twice");
              } else if ((name = r_.string(y, np))) {
                // The YANG list is keyed by name: a second entry would be a duplicate key.
                if (!listed.insert(*name).second) {
                  r_.error(np, "ACL " + short_quote(*name) + " is listed twice in this policy");
                } else {
                  refs.push_back({*name, np});
                }
              }
            } else if (k3 == "acl-type") {
              r_.warn_once("policy-acl-type", np, "draft member \"acl-type\" in a policy; ignored");
            } else {
              r_.error(np, "unknown member " + short_quote(k3) + " in a policy's access-list entry");
            }
          }
          if (!name && e.is_object()) r_.error(ep, "an access-list entry without \"name\"");
        }
      }
    }
  }

  void parse_acls(const Json& v, const std::string& p) {
    if (!r_.object(v, p)) return;
    bool seen = false;
    for (const auto& [k, x] : v.items()) {
      const std::string kp = child(p, k);
      if (k == "acl" || k == "access-list") {
        if (k == "access-list")
          r_.warn_once("acl-list", kp, "draft spelling \"access-list\" (RFC 8520: \"acl\"); accepted");
        if (seen) {
          r_.error(kp, "both \"acl\" and \"access-list\": give the ACLs once");
          continue;
        }
        seen = true;
        if (!r_.array(x, kp)) continue;
        mud_.acls.reserve(x.size());
        for (size_t i = 0; i < x.size(); ++i) parse_acl(x[i], child(kp, i));
      } else if (module_qualified(k) || k == "attachment-points") {
        r_.warn(kp, "not used by MUD; ignored");
      } else {
        r_.error(kp, "unknown member " + short_quote(k) + " in the ACL container");
      }
    }
  }

  // The value of a member spelled the RFC way or the draft way; warns on the draft one.
  const Json* member(const Json& obj, const std::string& p, std::string_view rfc, std::string_view draft,
                     std::string& path) {
    const auto a = obj.find(rfc), b = obj.find(draft);
    if (a != obj.end() && b != obj.end()) {
      r_.error(child(p, draft), "both \"" + std::string(rfc) + "\" and \"" + std::string(draft) + "\"");
      return nullptr;
    }
    if (a != obj.end()) {
      path = child(p, rfc);
      return &*a;
    }
    if (b != obj.end()) {
      path = child(p, draft);
      r_.warn_once(std::string(draft), path,
                   "draft spelling \"" + std::string(draft) + "\" (RFC 8520: \"" + std::string(rfc) + "\"); accepted");
      return &*b;
    }
    return nullptr;
  }

  std::optional<AclType> parse_acl_type(const Json& v, const std::string& p) {
    auto s = r_.string(v, p);
    if (!s) return std::nullopt;
    std::string_view t = *s;
    if (t.starts_with(kAclPrefix)) t.remove_prefix(kAclPrefix.size());
    static constexpr std::pair<std::string_view, AclType> kTypes[] = {
        {"ipv4-acl-type", AclType::kIpv4},
        {"ipv6-acl-type", AclType::kIpv6},
        {"eth-acl-type", AclType::kEth},
        {"mixed-eth-ipv4-acl-type", AclType::kMixedEthIpv4},
        {"mixed-eth-ipv6-acl-type", AclType::kMixedEthIpv6},
        {"mixed-eth-ipv4-ipv6-acl-type", AclType::kMixedEthIpv4Ipv6},
    };
    for (const auto& [name, type] : kTypes)
      if (t == name) return type;
    // Draft and MUDgee identities.
    static constexpr std::pair<std::string_view, AclType> kDraft[] = {{"ipv4-acl", AclType::kIpv4},
                                                                      {"ipv6-acl", AclType::kIpv6},
                                                                      {"ethernet-acl-type", AclType::kEth},
                                                                      {"eth-acl", AclType::kEth}};
    for (const auto& [name, type] : kDraft) {
      if (t == name) {
        r_.warn_once(
            "acl-type:" + std::string(name), p,
            "draft ACL type \"" + std::string(name) + "\" (RFC 8519: \"" + acl_type_name(type) + "\"); accepted");
        return type;
      }
    }
    r_.error(p, "expected an ACL type (ipv4-acl-type, ipv6-acl-type, eth-acl-type or a mixed-eth-* type), got " +
                    describe(v));
    return std::nullopt;
  }

  void parse_acl(const Json& v, const std::string& p) {
    if (!r_.object(v, p)) return;
    for (const auto& [k, x] : v.items()) {
      if (k == "name" || k == "acl-name" || k == "type" || k == "acl-type" || k == "aces" || k == "access-list-entries")
        continue;
      if (module_qualified(k)) {
        r_.warn(child(p, k), "ACL augmentation not interpreted; ignored");
      } else {
        r_.error(child(p, k), "unknown member " + short_quote(k) + " in an ACL");
      }
    }
    Acl acl;
    std::string path;
    if (const Json* name = member(v, p, "name", "acl-name", path)) {
      if (auto s = r_.string(*name, path)) {
        acl.name = *s;
        if (auto [it, fresh] = acl_paths_.emplace(*s, path); !fresh)
          r_.error(path, "duplicate ACL name " + short_quote(*s) + " (first at " + it->second + ")");
      }
    } else if (!v.contains("name") && !v.contains("acl-name")) {
      r_.error(p, "an ACL without \"name\"");
    }
    if (const Json* type = member(v, p, "type", "acl-type", path)) acl.type = parse_acl_type(*type, path);

    detail::AceContext ctx;
    ctx.type = acl.type;
    ctx.from_device = from_names_.contains(acl.name);
    ctx.to_device = to_names_.contains(acl.name);

    if (const Json* aces = member(v, p, "aces", "access-list-entries", path)) {
      if (r_.object(*aces, path)) {
        for (const auto& [k, x] : aces->items()) {
          const std::string kp = child(path, k);
          if (k != "ace") {
            r_.error(kp, "unknown member " + short_quote(k) + " in aces");
            continue;
          }
          if (!r_.array(x, kp)) continue;
          acl.aces.reserve(x.size());
          std::map<std::string, std::string, std::less<>> names;
          for (size_t i = 0; i < x.size(); ++i) {
            Ace ace;
            const std::string ap = child(kp, i);
            if (parse_ace(x[i], ap, ctx, ace)) {
              if (auto [it, fresh] = names.emplace(ace.name, ap); !fresh)
                r_.error(ap, "duplicate ACE name " + short_quote(ace.name) + " in ACL " + short_quote(acl.name) +
                                 " (first at " + it->second + ")");
              acl.aces.push_back(std::move(ace));
            }
          }
        }
      }
    }
    mud_.acls.push_back(std::move(acl));
  }

  bool parse_ace(const Json& v, const std::string& p, const detail::AceContext& ctx, Ace& ace) {
    if (!r_.object(v, p)) return false;
    for (const auto& [k, x] : v.items()) {
      if (k == "name" || k == "rule-name" || k == "matches" || k == "actions") continue;
      if (module_qualified(k)) {
        r_.warn(child(p, k), "ACE augmentation not interpreted; ignored");
      } else if (k == "statistics") {
        continue;  // RFC 8519 operational state; nothing to enforce
      } else {
        r_.error(child(p, k), "unknown member " + short_quote(k) + " in an ACE");
      }
    }
    std::string path;
    if (const Json* name = member(v, p, "name", "rule-name", path)) {
      if (auto s = r_.string(*name, path)) ace.name = *s;
    } else if (!v.contains("name") && !v.contains("rule-name")) {
      r_.error(p, "an ACE without \"name\"");
    }
    if (const auto m = v.find("matches"); m != v.end())
      detail::parse_matches(r_, *m, child(p, "matches"), ctx, ace.matches);
    const auto actions = v.find("actions");
    if (actions == v.end()) {
      r_.error(p, "an ACE without \"actions\"");
      return true;
    }
    parse_actions(*actions, child(p, "actions"), ace);
    return true;
  }

  void parse_actions(const Json& v, const std::string& p, Ace& ace) {
    if (!r_.object(v, p)) return;
    bool forwarding = false;
    for (const auto& [k, x] : v.items()) {
      const std::string kp = child(p, k);
      if (k == "forwarding") {
        forwarding = true;
        auto s = r_.string(x, kp);
        if (!s) continue;
        std::string_view f = *s;
        if (f.starts_with(kAclPrefix)) f.remove_prefix(kAclPrefix.size());
        if (f == "accept") {
          ace.forwarding = Forwarding::kAccept;
        } else if (f == "drop") {
          ace.forwarding = Forwarding::kDrop;
        } else if (f == "reject") {
          ace.forwarding = Forwarding::kReject;
        } else {
          r_.error(kp, "expected accept, drop or reject, got " + describe(x));
        }
      } else if (k == "logging") {
        if (auto s = r_.string(x, kp)) ace.logging = *s;
      } else {
        r_.error(kp, "unknown member " + short_quote(k) + " in actions");
      }
    }
    if (!forwarding) r_.error(child(p, "forwarding"), "missing (mandatory)");
  }

  void check_references() {
    for (const auto* refs : {&from_refs_, &to_refs_})
      for (const auto& ref : *refs)
        if (!acl_paths_.contains(ref.name)) r_.error(ref.path, "no ACL named " + short_quote(ref.name));
    for (const auto& [name, path] : acl_paths_) {
      if (!from_names_.contains(name) && !to_names_.contains(name))
        r_.warn(path, "ACL " + short_quote(name) + " is named by neither policy; it has no effect");
    }
  }

  Reader r_;
  MudFile mud_;
  std::vector<PolicyRef> from_refs_, to_refs_;
  std::set<std::string, std::less<>> from_names_, to_names_;
  std::map<std::string, std::string, std::less<>> acl_paths_;  // name -> path of its name
};

}  // namespace

MudFile check_mud(std::string_view json, const std::string& where, MudDiagnostics& diag) {
  auto fail = [&](std::string what) {
    diag.errors.push_back(core::make_error(core::ErrorCode::kFormat, where, std::move(what)));
    return MudFile{};
  };
  if (json.size() > kMaxMudBytes)
    return fail("larger than " + std::to_string(kMaxMudBytes >> 20) + " MiB; not a MUD file");
  if (const size_t at = core::json_deeper_than(json, kMaxMudDepth); at != std::string_view::npos)
    return fail("nested deeper than " + std::to_string(kMaxMudDepth) + " levels at byte " + std::to_string(at));
  try {
    const Json doc = Json::parse(json.begin(), json.end());
    return Parser(where, diag).run(doc);
  } catch (const Json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    std::string_view what = e.what();
    if (const size_t at = what.find("] "); at != std::string_view::npos) what.remove_prefix(at + 2);
    return fail("not JSON: " + std::string(what));
  } catch (const std::exception& e) {
    return fail(std::string("cannot parse: ") + e.what());
  }
}

core::Result<MudFile> parse_mud(std::string_view json, const std::string& where, std::vector<core::Error>* warnings) {
  MudDiagnostics diag;
  MudFile mud = check_mud(json, where, diag);
  if (warnings) warnings->insert(warnings->end(), diag.warnings.begin(), diag.warnings.end());
  if (!diag.errors.empty()) return diag.errors.front();
  return mud;
}

core::Result<std::string> read_file_bounded(const std::string& path, size_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    const int err = errno;
    return core::make_error(err == ENOENT ? core::ErrorCode::kNotFound : core::ErrorCode::kIo, path,
                            std::strerror(err));
  }
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (out.size() + n > max_bytes)
      return core::make_error(core::ErrorCode::kFormat, path,
                              "larger than " + std::to_string(max_bytes) + " bytes; refused");
    out.append(buf, n);
  }
  if (std::ferror(f.get())) return core::make_error(core::ErrorCode::kIo, path, "read error");
  return out;
}

core::Result<MudFile> load_mud_file(const std::string& path, std::vector<core::Error>* warnings) {
  auto text = read_file_bounded(path, kMaxMudBytes);
  if (!text) return text.error();
  return parse_mud(*text, path, warnings);
}

}  // namespace sekisho::policy
