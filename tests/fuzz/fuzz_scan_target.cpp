// Fuzzes the scope, port and target parsers and build_targets with a fake resolver (no DNS).
// Input lines: 1 the scope, 2 a --ports spec, the rest an -iL file; lines starting "x:" are
// exclusions, and the word "--confirm-large" anywhere sets the confirmation.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/ports.h"
#include "scan/target.h"

namespace {

using sekisho::core::IpAddr;
namespace scan = sekisho::scan;

// Deterministic answers: "*.fail" does not resolve, others get 1-3 addresses from the name's hash,
// some of them outside any plausible scope.
class FakeResolver : public scan::Resolver {
 public:
  sekisho::core::Result<std::vector<IpAddr>> resolve(std::string_view host) override {
    if (host.ends_with(".fail"))
      return sekisho::core::make_error(sekisho::core::ErrorCode::kNotFound, std::string(host), "no such name");
    uint32_t h = 2166136261u;
    for (char c : host) h = (h ^ uint8_t(c)) * 16777619u;
    std::vector<IpAddr> out;
    for (uint32_t i = 0; i <= h % 3; ++i) {
      const uint32_t x = h >> (i * 8);
      if (x & 0x100) {
        uint8_t b[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(x)};
        out.push_back(IpAddr::v6(b));
      } else {
        out.push_back(IpAddr::v4((x & 0x200) ? 0x08080800u | (x & 0xff) : 0x0a000000u | (x & 0xffff)));
      }
    }
    return out;
  }
};

void check_ports(std::string_view spec) {
  auto p = scan::parse_ports(spec);
  if (!p.ok()) return;
  for (const auto* v : {&p->tcp, &p->udp}) {
    if (!std::is_sorted(v->begin(), v->end()) || std::adjacent_find(v->begin(), v->end()) != v->end()) __builtin_trap();
    if (!v->empty() && v->front() == 0) __builtin_trap();
  }
  auto back = scan::parse_ports(p->to_string());
  if (p->empty()) return;
  if (!back.ok() || back->tcp != p->tcp || back->udp != p->udp) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl1 = in.find('\n');
  const std::string_view scope_line = in.substr(0, nl1);
  std::string_view rest = nl1 == std::string_view::npos ? std::string_view{} : in.substr(nl1 + 1);
  const size_t nl2 = rest.find('\n');
  check_ports(rest.substr(0, nl2));
  rest = nl2 == std::string_view::npos ? std::string_view{} : rest.substr(nl2 + 1);

  scan::TargetOptions opt;
  opt.max_ranges = 4096;
  opt.confirmed = in.find("--confirm-large") != std::string_view::npos;
  auto scope = scan::Scope::parse(scope_line);
  if (scope.ok()) {
    auto again = scan::Scope::parse(scope->to_string());
    if (!again.ok() || again->allowed != scope->allowed) __builtin_trap();
    opt.scope = *scope;
  }
  // The file splitter on its own, then as the targets: re-splitting a spec must give it back.
  std::string targets_text, excludes;
  for (size_t pos = 0; pos < rest.size();) {
    size_t e = rest.find('\n', pos);
    if (e == std::string_view::npos) e = rest.size();
    const std::string_view line = rest.substr(pos, e - pos);
    if (line.starts_with("x:")) {
      opt.exclude_specs.emplace_back(line.substr(2));
    } else {
      targets_text.append(line);
      targets_text += '\n';
    }
    pos = e + 1;
  }
  for (auto& entry : scan::split_spec_file(targets_text, "fuzz")) {
    auto again = scan::split_target_specs(entry.spec);
    if (again.size() != 1 || again[0] != entry.spec) __builtin_trap();
    opt.specs.push_back(std::move(entry.spec));
  }

  FakeResolver resolver;
  scan::TargetReport report;
  auto set = scan::build_targets(opt, resolver, &report);
  if (!set.ok()) return 0;
  const uint64_t n = set->size();
  if (n == 0 || (!opt.confirmed && n > opt.confirm_threshold)) __builtin_trap();
  uint64_t sum = 0;
  for (size_t i = 0; i < set->range_count(); ++i) sum += set->range(i).count;
  if (sum != n) __builtin_trap();
  // Sampled addresses: ascending, in the set, in scope, never blocked.
  const uint64_t step = n / 256 + 1;
  IpAddr prev;
  for (uint64_t i = 0; i < n; i += step) {
    const IpAddr a = set->at(i);
    if (a.empty() || !set->contains(a) || !opt.scope.contains(a) || scan::blocked_reason(a, opt.scope))
      __builtin_trap();
    if (!prev.empty() && (prev.family > a.family || (prev.family == a.family && !(prev.b < a.b)))) __builtin_trap();
    prev = a;
  }
  const IpAddr last = set->at(n - 1);
  if (!opt.scope.contains(last) || scan::blocked_reason(last, opt.scope) || !set->at(n).empty()) __builtin_trap();
  return 0;
}
