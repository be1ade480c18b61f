#include "watch/dns_binding.h"

#include <algorithm>
#include <cstring>

namespace sekisho::watch {

std::string normalize_dns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

size_t DnsBindings::AddrHash::operator()(const core::IpAddr& a) const {
  uint64_t lo, hi;
  std::memcpy(&lo, a.b.data(), 8);
  std::memcpy(&hi, a.b.data() + 8, 8);
  return size_t((lo * 0x9E3779B97F4A7C15ULL) ^ (hi + 0x632BE59BD9B4E019ULL + a.family));
}

uint32_t DnsBindings::intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  if (names_.size() >= kMaxNames) return UINT32_MAX;
  auto [it, fresh] = ids_.emplace(std::string(name), uint32_t(names_.size()));
  names_.push_back(&it->first);
  return it->second;
}

void DnsBindings::add(PerDevice& d, const core::IpAddr& addr, uint32_t name, core::TimeNs expires, core::TimeNs now,
                      bool asked) {
  auto& entries = d.addrs[addr];
  for (auto& e : entries) {
    if (e.name == name) {
      e.expires = std::max(e.expires, expires);
      e.asked |= asked;
      return;
    }
  }
  if (d.count >= cfg_.max_per_device) {
    // Full: first forget what has expired; if nothing has, the binding closest to expiry.
    size_t removed = 0;
    for (auto& [a, v] : d.addrs) removed += std::erase_if(v, [now](const Entry& e) { return e.expires < now; });
    if (removed == 0) {
      std::vector<Entry>* in = nullptr;
      size_t at = 0;
      for (auto& [a, v] : d.addrs)
        for (size_t i = 0; i < v.size(); ++i)
          if (!in || v[i].expires < (*in)[at].expires) {
            in = &v;
            at = i;
          }
      if (in) {
        in->erase(in->begin() + ptrdiff_t(at));
        removed = 1;
      }
    }
    d.count -= removed;
    std::erase_if(d.addrs, [](const auto& kv) { return kv.second.empty(); });
  }
  d.addrs[addr].push_back(Entry{name, asked, expires});
  ++d.count;
}

namespace {
// A name in normal form, on the stack.
struct NormName {
  char buf[sizeof(decode::DnsName::buf)];
  uint16_t len = 0;
  explicit NormName(std::string_view n) {
    if (!n.empty() && n.back() == '.') n.remove_suffix(1);
    len = uint16_t(std::min(n.size(), sizeof buf));
    for (size_t i = 0; i < len; ++i) {
      const char c = n[i];
      buf[i] = c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
    }
  }
  NormName() = default;
  std::string_view view() const { return {buf, len}; }
};
}  // namespace

void for_each_answer_name(const decode::DnsMessage& m, const DnsAnswerNameFn& fn) {
  if (!m.is_response || m.rcode != 0) return;
  // Names in play: the questions and both ends of every CNAME.
  NormName from[decode::DnsMessage::kMaxRecords], to[decode::DnsMessage::kMaxRecords];
  size_t cnames = 0;
  for (size_t i = 0; i < m.record_count; ++i) {
    const auto& r = m.records[i];
    if (r.type == 5 && r.target.len != 0) {
      from[cnames] = NormName(r.name.view());
      to[cnames] = NormName(r.target.view());
      ++cnames;
    }
  }
  NormName questions[decode::DnsMessage::kMaxQuestions];
  for (size_t q = 0; q < m.question_count; ++q) questions[q] = NormName(m.questions[q].name.view());
  for (size_t i = 0; i < m.record_count; ++i) {
    const auto& r = m.records[i];
    if ((r.type != 1 && r.type != 28) || r.addr.empty()) continue;
    // Walk the CNAME chain backwards from the owner: each alias on the way names this address.
    NormName owner(r.name.view());
    std::string_view name = owner.view();
    for (size_t hops = 0; hops <= cnames; ++hops) {
      fn(r.addr, name, r.ttl, false);
      size_t k = 0;
      while (k < cnames && to[k].view() != name) ++k;
      if (k == cnames) break;
      name = from[k].view();
    }
    for (size_t q = 0; q < m.question_count; ++q) fn(r.addr, questions[q].view(), r.ttl, true);
  }
}

void DnsBindings::learn(const core::MacAddr& device, const decode::DnsMessage& m, core::TimeNs ts) {
  PerDevice* d = nullptr;
  for_each_answer_name(m, [&](const core::IpAddr& addr, std::string_view name, uint32_t ttl, bool asked) {
    const uint32_t id = intern(name);
    if (id == UINT32_MAX) return;
    if (!d) d = &devices_[device.as_u64()];
    add(*d, addr, id, ts + core::TimeNs(ttl) * core::kNsPerSec + cfg_.grace, ts, asked);
  });
}

bool DnsBindings::bound(const core::MacAddr& device, const core::IpAddr& addr, std::string_view name,
                        core::TimeNs now) const {
  return bound_normalized(device, addr, normalize_dns_name(name), now);
}

bool DnsBindings::bound_normalized(const core::MacAddr& device, const core::IpAddr& addr, std::string_view want,
                                   core::TimeNs now) const {
  auto dit = devices_.find(device.as_u64());
  if (dit == devices_.end()) return false;
  auto ait = dit->second.addrs.find(addr);
  if (ait == dit->second.addrs.end()) return false;
  auto id = ids_.find(want);
  if (id == ids_.end()) return false;
  for (const auto& e : ait->second)
    if (e.expires >= now && e.name == id->second) return true;
  return false;
}

std::vector<std::string> DnsBindings::names(const core::MacAddr& device, const core::IpAddr& addr,
                                            core::TimeNs now) const {
  std::vector<std::string> out;
  auto dit = devices_.find(device.as_u64());
  if (dit == devices_.end()) return out;
  auto ait = dit->second.addrs.find(addr);
  if (ait == dit->second.addrs.end()) return out;
  std::vector<std::string> aliases;
  for (const auto& e : ait->second)
    if (e.expires >= now) (e.asked ? out : aliases).push_back(*names_[e.name]);
  std::sort(out.begin(), out.end());
  std::sort(aliases.begin(), aliases.end());
  out.insert(out.end(), aliases.begin(), aliases.end());
  return out;
}

size_t DnsBindings::size() const {
  size_t n = 0;
  for (const auto& [mac, d] : devices_) n += d.count;
  return n;
}

}  // namespace sekisho::watch
