#include "audit/audit_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/catalog.h"
#include "audit/declaration.h"
#include "audit/evaluate.h"
#include "audit/evidence.h"
#include "audit/history.h"
#include "audit/report.h"
#include "core/files.h"
#include "core/time.h"

namespace sekisho::audit {

namespace {

constexpr int kExitOk = 0, kExitFailOn = 1, kExitUsage = 2, kExitOutput = 3;

void print_usage(FILE* out) {
  std::fprintf(out,
               "Usage: sekisho audit --catalog ID [--catalog ID...] [--evidence FILE...]\n"
               "                     [--declaration FILE] [--device ADDRESS]\n"
               "                     [--format json|html|csv|pdf] [--lang ja|en] [-o FILE]\n"
               "       sekisho audit --list-catalogs [--lang ja|en]\n"
               "\n"
               "Judges one device (or, with an organisation's declaration, one organisation)\n"
               "against requirement catalogs: per requirement PASS, FAIL, INCONCLUSIVE or\n"
               "NOT_APPLICABLE, with the evidence ids behind it and a reason.\n"
               "\n"
               "  --catalog ID        a catalog id (repeat, or comma-separated; 'all' = every one);\n"
               "                      see --list-catalogs. Default: all\n"
               "  --evidence FILE...  'sekisho scan -oJ' output and 'sekisho watch' EVE output\n"
               "                      (JSON lines); several files may follow one --evidence\n"
               "  --declaration FILE  the maker's or operator's declaration (YAML; docs/AUDIT.md)\n"
               "  --device ADDRESS    the device to judge when the evidence covers several (an IP\n"
               "                      address or a MAC); default: the declaration's subject.address\n"
               "  --format F          json (default), html (self-contained, printable) or csv\n"
               "                      (UTF-8 with BOM) or pdf (the HTML printed by headless\n"
               "                      Chromium; needs -o); default from -o's extension\n"
               "  --lang L            ja or en (default: ja when LANG starts with ja, else en)\n"
               "  -o FILE             write the report there (default: standard output)\n"
               "  --today YYYY-MM-DD  the audit date (support periods are judged against it)\n"
               "  --fail-on V         exit 1 when any verdict is V (fail or inconclusive)\n"
               "  --previous FILE     an earlier JSON report of the same subject: the report\n"
               "                      lists every verdict that moved since then\n"
               "  --list-catalogs     the catalogs, their versions and sizes\n"
               "\n"
               "Example:\n"
               "  sekisho scan --scope 192.168.1.0/24 192.168.1.20 -oJ cam.json\n"
               "  sekisho audit --catalog etsi-en-303-645 --catalog jp-iot-sg-2016 \\\n"
               "      --evidence cam.json --declaration cam.yaml --format html --lang ja -o cam.html\n"
               "\n"
               "Exit status: 0 report written, 1 --fail-on matched, 2 usage or bad input,\n"
               "3 the report could not be written.\n");
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sekisho audit: %s\n(see 'sekisho audit --help')\n", msg.c_str());
  return kExitUsage;
}

int input_error(const core::Error& e) {
  std::fprintf(stderr, "sekisho audit: %s\n", e.message().c_str());
  return kExitUsage;
}

void split_commas(std::string_view s, std::vector<std::string>& out) {
  while (!s.empty()) {
    const size_t comma = s.find(',');
    const std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
}

void list_catalogs(const CatalogSet& set, std::string_view lang) {
  std::printf("%-16s %-24s %-30s %5s  %s\n", "ID", "NAME", "VERSION", "ITEMS", lang == "ja" ? "名称" : "TITLE");
  for (const auto& c : set.catalogs())
    std::printf("%-16s %-24s %-30s %5zu  %s\n", c.id.c_str(), c.short_name.c_str(), c.version.c_str(),
                c.requirements.size(), c.title.in(lang).c_str());
}

core::Status write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) == text.size()) return {};
    return core::make_error(core::ErrorCode::kIo, "standard output", "cannot write the report");
  }
  return core::write_file_atomic(path, text);
}

extern "C" char** environ;  // NOLINT(readability-redundant-declaration)

// The headless browser that prints HTML to PDF: $SEKISHO_CHROMIUM, else the first of the
// usual names on PATH.
std::string find_chromium() {
  if (const char* c = std::getenv("SEKISHO_CHROMIUM"); c && *c) return c;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string_view rest = dirs;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      const std::string candidate = std::string(rest.substr(0, colon)) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return {};
}

// Writes `html` next to `pdf_path` and has headless Chromium print it. Empty on success.
std::string print_pdf(const std::string& html, const std::string& pdf_path) {
  const std::string browser = find_chromium();
  if (browser.empty()) return "no chromium found (install it, or set SEKISHO_CHROMIUM) to print a PDF";
  char dir_template[] = "/tmp/sekisho-audit-XXXXXX";
  if (!::mkdtemp(dir_template)) return "cannot create a temporary directory";
  const std::string dir = dir_template;
  const std::string page = dir + "/report.html";
  FILE* f = std::fopen(page.c_str(), "wb");
  std::string error;
  if (!f || std::fwrite(html.data(), 1, html.size(), f) != html.size()) error = "cannot write " + page;
  if (f) std::fclose(f);
  if (error.empty()) {
    std::string target = pdf_path;
    if (!target.empty() && target[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd)) target = std::string(cwd) + "/" + target;
    }
    std::vector<std::string> args = {browser,
                                     "--headless=new",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-dev-shm-usage",
                                     "--no-first-run",
                                     "--user-data-dir=" + dir + "/profile",
                                     "--no-pdf-header-footer",
                                     "--print-to-pdf=" + target,
                                     "file://" + page};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, browser.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    if (rc != 0) {
      error = "cannot run " + browser;
    } else if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      error = browser + " failed to print the PDF";
    } else if (::access(target.c_str(), R_OK) != 0) {
      error = browser + " wrote no PDF";
    }
  }
  std::filesystem::remove_all(dir);
  return error;
}

}  // namespace

int audit_main(int argc, char** argv) {
  std::vector<std::string> catalog_args, evidence_files;
  std::string declaration_path, device, format, out_path, today, fail_on, previous_path;
  std::string lang;
  if (const char* l = std::getenv("LANG"); l && std::strncmp(l, "ja", 2) == 0) lang = "ja";
  bool list = false;

  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      print_usage(stdout);
      return kExitOk;
    } else if (a == "--list-catalogs") {
      list = true;
    } else if (a == "--catalog") {
      if (!value(v)) return usage_error("--catalog needs an id");
      split_commas(v, catalog_args);
    } else if (a == "--evidence") {
      if (!value(v)) return usage_error("--evidence needs a file");
      evidence_files.push_back(v);
      while (i + 1 < argc && argv[i + 1][0] != '-') evidence_files.emplace_back(argv[++i]);
    } else if (a == "--declaration") {
      if (!value(declaration_path)) return usage_error("--declaration needs a file");
    } else if (a == "--previous") {
      if (!value(previous_path)) return usage_error("--previous needs an earlier JSON report");
    } else if (a == "--device") {
      if (!value(device)) return usage_error("--device needs an address");
    } else if (a == "--format") {
      if (!value(format)) return usage_error("--format needs json, html, csv or pdf");
      if (format != "json" && format != "html" && format != "csv" && format != "pdf")
        return usage_error("--format must be json, html, csv or pdf, not '" + format + "'");
    } else if (a == "--lang") {
      if (!value(lang)) return usage_error("--lang needs ja or en");
      if (lang != "ja" && lang != "en") return usage_error("--lang must be ja or en, not '" + lang + "'");
    } else if (a == "-o" || a == "--output") {
      if (!value(out_path)) return usage_error("-o needs a file");
    } else if (a == "--today") {
      if (!value(today) || !core::is_iso_date(today)) return usage_error("--today needs a date YYYY-MM-DD");
    } else if (a == "--fail-on") {
      if (!value(fail_on) || (fail_on != "fail" && fail_on != "inconclusive"))
        return usage_error("--fail-on must be fail or inconclusive");
    } else {
      return usage_error("unknown argument '" + std::string(a) + "'");
    }
  }
  if (lang.empty()) lang = "en";
  if (format.empty())
    format = ends_with(out_path, ".html")  ? "html"
             : ends_with(out_path, ".csv") ? "csv"
             : ends_with(out_path, ".pdf") ? "pdf"
                                           : "json";
  if (format == "pdf" && (out_path.empty() || out_path == "-")) return usage_error("--format pdf needs -o FILE");

  const std::string data = default_data_dir();
  auto catalogs = CatalogSet::load(data + "/catalogs");
  if (!catalogs) return input_error(catalogs.error());
  if (list) {
    list_catalogs(*catalogs, lang);
    return kExitOk;
  }
  auto facts = FactSchema::load(data + "/audit/facts.toml");
  if (!facts) return input_error(facts.error());
  auto rules = RuleSet::load(data + "/audit/rules.toml", *catalogs, *facts);
  if (!rules) return input_error(rules.error());

  AuditInput in;
  for (const auto& c : catalog_args)
    if (c != "all") in.catalogs.push_back(c);
  in.evidence_files = evidence_files;
  in.device = device;
  in.today = today;
  for (const auto& path : evidence_files) {
    auto ev = load_evidence(path);
    if (!ev) return input_error(ev.error());
    if (ev->records.empty())
      std::fprintf(stderr,
                   "sekisho audit: %s: warning: no evidence record in it (%zu lines, %zu of kinds no rule reads); "
                   "expected 'sekisho scan -oJ' or 'sekisho watch' EVE output\n",
                   path.c_str(), ev->lines, ev->skipped);
    for (auto& e : ev->records) in.evidence.push_back(std::move(e));
  }
  std::optional<Declaration> declaration;
  if (!declaration_path.empty()) {
    auto d = load_declaration(declaration_path, *catalogs, *facts);
    if (!d) return input_error(d.error());
    declaration = std::move(d.value());
    in.declaration = &*declaration;
  }
  if (evidence_files.empty() && !declaration)
    return usage_error("nothing to judge: give --evidence files, a --declaration, or both");

  auto report = evaluate(*catalogs, *rules, in);
  if (!report) return input_error(report.error());
  if (!previous_path.empty()) {
    auto previous = load_previous(previous_path);
    if (!previous) return input_error(previous.error());
    compare_with(*previous, *report);
  }

  const std::string text = format == "html" || format == "pdf" ? report_html(*report, lang)
                           : format == "csv"                   ? report_csv(*report, lang)
                                                               : report_json(*report, lang);
  if (format == "pdf") {
    if (std::string err = print_pdf(text, out_path); !err.empty()) {
      std::fprintf(stderr, "sekisho audit: %s: %s\n", out_path.c_str(), err.c_str());
      return kExitOutput;
    }
  } else if (auto written = write_output(out_path, text); !written) {
    std::fprintf(stderr, "sekisho audit: %s\n", written.error().message().c_str());
    return kExitOutput;
  }
  size_t pass = 0, fail = 0, inconclusive = 0, na = 0;
  for (const auto& s : report->summaries) {
    pass += s.pass;
    fail += s.fail;
    inconclusive += s.inconclusive;
    na += s.not_applicable;
  }
  if (!out_path.empty() && out_path != "-")
    std::fprintf(stderr,
                 "sekisho audit: %s: %zu requirements: %zu PASS, %zu FAIL, %zu INCONCLUSIVE, %zu NOT_APPLICABLE\n",
                 out_path.c_str(), report->results.size(), pass, fail, inconclusive, na);
  if ((fail_on == "fail" && fail) || (fail_on == "inconclusive" && (fail || inconclusive))) return kExitFailOn;
  return kExitOk;
}

}  // namespace sekisho::audit
