#include "policy/mud_command.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/mud.h"

namespace sekisho::policy {

namespace {

constexpr int kExitOk = 0, kExitInvalid = 1, kExitUsage = 2;

void print_usage(FILE* out) {
  std::fprintf(out,
               "Usage: sekisho mud COMMAND [options]\n"
               "\n"
               "RFC 8520 Manufacturer Usage Description (MUD) files.\n"
               "\n"
               "Commands:\n"
               "  validate FILE...  parse and check MUD files (and their signatures)\n"
               "  learn             write a MUD file per device from its traffic\n"
               "                    ('sekisho mud learn --help')\n"
               "\n"
               "'sekisho mud COMMAND --help' for a command's options.\n");
}

void print_validate_usage(FILE* out) {
  std::fprintf(out,
               "Usage: sekisho mud validate FILE... [--signature P7S | --signed]\n"
               "                            [--ca-file F] [--ca-path DIR] [--signer-only] [--json]\n"
               "\n"
               "Checks each FILE against RFC 8520 / RFC 8519: types, ranges, abstractions, ACL\n"
               "references, https MUD URL. Draft-era spellings (ietf-access-control-list:access-lists,\n"
               "acl-name, ipv4-acl, ...) are accepted with a warning.\n"
               "\n"
               "  --signature P7S  verify the one FILE against this detached DER CMS signature\n"
               "  --signed         verify each FILE against FILE with its extension replaced by .p7s\n"
               "  --ca-file F      trust anchors for the signer (PEM; a pinned signer certificate works)\n"
               "  --ca-path DIR    trust anchors, an OpenSSL hashed directory\n"
               "  --signer-only    check the signature with the embedded signer certificate only and\n"
               "                   report who signed; no chain of trust (for testing)\n"
               "  --json           one JSON report on standard output\n"
               "\n"
               "Output: 'FILE: /json/path: message' per error, 'FILE: warning: ...' per warning,\n"
               "'FILE: OK: ...' per valid file. Exit status: 0 all valid, 1 some invalid, 2 usage.\n");
}

struct ValidateOptions {
  std::vector<std::string> files;
  std::string signature;
  bool signed_siblings = false;
  SignatureTrust trust;
  bool trust_given = false;
  bool json = false;
};

// FILE with its extension replaced by .p7s (RFC 8520 section 13.2).
std::string sibling_p7s(const std::string& file) {
  const size_t slash = file.rfind('/');
  const size_t dot = file.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return file + ".p7s";
  return file.substr(0, dot) + ".p7s";
}

// "/json/path: message" -> ("/json/path", "message"); a message without a path stays whole.
std::pair<std::string, std::string> split_path(const std::string& what) {
  if (!what.starts_with('/')) return {std::string(), what};
  const size_t sep = what.find(": ");
  if (sep == std::string::npos) return {std::string(), what};
  return {what.substr(0, sep), what.substr(sep + 2)};
}

struct FileReport {
  std::string file;
  MudDiagnostics diag;
  size_t acls = 0, aces = 0;
  std::array<size_t, kAbstractionCount> abstractions{};
  std::optional<std::string> p7s;
  std::optional<core::Result<SignerInfo>> signature;
  bool valid() const { return diag.errors.empty() && (!signature || signature->ok()); }
};

FileReport validate_one(const std::string& file, const ValidateOptions& opt) {
  FileReport rep;
  rep.file = file;
  auto text = read_file_bounded(file, kMaxMudBytes);
  if (!text) {
    rep.diag.errors.push_back(text.error());
    return rep;
  }
  const MudFile mud = check_mud(*text, file, rep.diag);
  if (rep.diag.errors.empty()) {
    rep.acls = mud.acls.size();
    rep.aces = mud.ace_count();
    for (const auto& acl : mud.acls)
      for (const auto& ace : acl.aces)
        if (ace.matches.mud) ++rep.abstractions[size_t(ace.matches.mud->kind)];
  }
  if (!opt.signature.empty() || opt.signed_siblings) {
    rep.p7s = opt.signature.empty() ? sibling_p7s(file) : opt.signature;
    auto sig = read_file_bounded(*rep.p7s, size_t{1} << 20);
    if (!sig) {
      rep.signature.emplace(sig.error());
    } else {
      rep.signature.emplace(verify_mud_signature(*text, *sig, opt.trust, *rep.p7s));
    }
  }
  return rep;
}

std::string summary(const FileReport& rep) {
  std::string s = std::to_string(rep.acls) + (rep.acls == 1 ? " ACL, " : " ACLs, ") + std::to_string(rep.aces) +
                  (rep.aces == 1 ? " ACE" : " ACEs");
  std::string used;
  for (size_t i = 0; i < kAbstractionCount; ++i) {
    if (rep.abstractions[i] == 0) continue;
    if (!used.empty()) used += ", ";
    used += std::string(abstraction_name(Abstraction(i))) + " " + std::to_string(rep.abstractions[i]);
  }
  s += "; abstractions: " + (used.empty() ? std::string("none") : used);
  if (rep.signature && rep.signature->ok()) {
    const auto& info = rep.signature->value();
    s += "; signed by " + (info.subject.empty() ? std::string("?") : info.subject) +
         (info.chain_verified ? " (chain verified)" : " (signature only, signer not trusted)");
  }
  return s;
}

void print_text(const FileReport& rep) {
  for (const auto& e : rep.diag.errors) std::printf("%s\n", e.message().c_str());
  if (rep.signature && !rep.signature->ok()) std::printf("%s\n", rep.signature->error().message().c_str());
  for (const auto& w : rep.diag.warnings) std::printf("%s: warning: %s\n", w.where.c_str(), w.what.c_str());
  if (rep.valid()) std::printf("%s: OK: %s\n", rep.file.c_str(), summary(rep).c_str());
}

nlohmann::ordered_json diag_json(const std::vector<core::Error>& list) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& e : list) {
    auto [path, message] = split_path(e.what);
    out.push_back({{"path", path}, {"message", message}});
  }
  return out;
}

nlohmann::ordered_json report_json(const FileReport& rep) {
  nlohmann::ordered_json j;
  j["file"] = rep.file;
  j["valid"] = rep.valid();
  j["acls"] = rep.acls;
  j["aces"] = rep.aces;
  auto abs = nlohmann::ordered_json::object();
  for (size_t i = 0; i < kAbstractionCount; ++i)
    if (rep.abstractions[i]) abs[abstraction_name(Abstraction(i))] = rep.abstractions[i];
  j["abstractions"] = abs;
  j["errors"] = diag_json(rep.diag.errors);
  j["warnings"] = diag_json(rep.diag.warnings);
  if (rep.signature) {
    nlohmann::ordered_json s;
    s["file"] = *rep.p7s;
    s["valid"] = rep.signature->ok();
    if (rep.signature->ok()) {
      s["signer"] = rep.signature->value().subject;
      s["issuer"] = rep.signature->value().issuer;
      s["chain_verified"] = rep.signature->value().chain_verified;
    } else {
      s["error"] = rep.signature->error().what;
    }
    j["signature"] = s;
  }
  return j;
}

int usage_error(const char* fmt, const char* arg) {
  std::fprintf(stderr, "sekisho mud validate: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\nTry 'sekisho mud validate --help'.\n");
  return kExitUsage;
}

int validate_main(int argc, char** argv) {
  ValidateOptions opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-h" || a == "--help") {
      print_validate_usage(stdout);
      return kExitOk;
    } else if (a == "--signature" || a == "--ca-file" || a == "--ca-path") {
      const char* v = value();
      if (!v || !*v) return usage_error("%s needs a value", std::string(a).c_str());
      if (a == "--signature") {
        opt.signature = v;
      } else {
        (a == "--ca-file" ? opt.trust.ca_file : opt.trust.ca_path) = v;
        opt.trust_given = true;
      }
    } else if (a == "--signed") {
      opt.signed_siblings = true;
    } else if (a == "--signer-only") {
      opt.trust.mode = SignatureTrust::Mode::kSignatureOnly;
      opt.trust_given = true;
    } else if (a == "--json") {
      opt.json = true;
    } else if (a.starts_with("-") && a.size() > 1) {
      return usage_error("unknown option '%s'", argv[i]);
    } else {
      opt.files.emplace_back(a);
    }
  }
  if (opt.files.empty()) return usage_error("%s", "no FILE given");
  if (!opt.signature.empty() && opt.signed_siblings)
    return usage_error("%s", "--signature and --signed exclude each other");
  if (!opt.signature.empty() && opt.files.size() != 1)
    return usage_error("%s", "--signature takes exactly one FILE (use --signed for several)");
  const bool signing = !opt.signature.empty() || opt.signed_siblings;
  if (signing && !opt.trust_given) return usage_error("%s", "a signature needs --ca-file, --ca-path or --signer-only");
  if (!signing && opt.trust_given)
    return usage_error("%s", "--ca-file, --ca-path and --signer-only need --signature or --signed");
  if (opt.trust.mode == SignatureTrust::Mode::kSignatureOnly &&
      (!opt.trust.ca_file.empty() || !opt.trust.ca_path.empty()))
    return usage_error("%s", "--signer-only excludes --ca-file and --ca-path");

  bool all_valid = true;
  auto reports = nlohmann::ordered_json::array();
  for (const auto& f : opt.files) {
    const FileReport rep = validate_one(f, opt);
    all_valid &= rep.valid();
    if (opt.json) {
      reports.push_back(report_json(rep));
    } else {
      print_text(rep);
    }
  }
  if (opt.json) {
    nlohmann::ordered_json doc;
    doc["valid"] = all_valid;
    doc["files"] = std::move(reports);
    std::printf("%s\n", doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  }
  return all_valid ? kExitOk : kExitInvalid;
}

}  // namespace

int mud_main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return kExitUsage;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    print_usage(stdout);
    return kExitOk;
  }
  try {
    if (cmd == "validate") return validate_main(argc - 1, argv + 1);
  } catch (const std::exception& e) {  // allocation failure; nothing else throws here
    std::fprintf(stderr, "sekisho mud: %s\n", e.what());
    return 3;
  }
  if (cmd == "learn") {
    // apps/sekisho/main.cpp sends `mud learn` to watch's learner (policy does not depend
    // on watch); this answer is for callers of mud_main alone.
    std::fprintf(stderr, "sekisho mud learn: handled by the sekisho binary (watch's learner)\n");
    return kExitUsage;
  }
  std::fprintf(stderr, "sekisho mud: unknown command '%s'\nTry 'sekisho mud --help'.\n", argv[1]);
  return kExitUsage;
}

}  // namespace sekisho::policy
