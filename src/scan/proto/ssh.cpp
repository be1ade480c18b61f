#include "scan/proto/ssh.h"

#include <algorithm>
#include <optional>

#include "core/bytes.h"

namespace sekisho::scan::proto {

namespace {

constexpr size_t kMaxBannerLine = 255;
constexpr uint8_t kMsgKexInit = 20;

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// One name-list: uint32 length, comma-separated names. Names past kSshMaxNames are dropped.
std::optional<std::vector<std::string>> name_list(core::ByteReader& r) {
  uint32_t len = r.u32();
  std::string_view s = r.take_view(len);
  if (!r.ok) return std::nullopt;
  std::vector<std::string> out;
  while (!s.empty() && out.size() < kSshMaxNames) {
    size_t comma = s.find(',');
    std::string_view name = s.substr(0, comma);
    if (!name.empty() && name.size() <= 64 && printable_ascii(name)) out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

void merge(std::vector<std::string>& into, const std::vector<std::string>& more) {
  for (const auto& m : more)
    if (std::find(into.begin(), into.end(), m) == into.end() && into.size() < 2 * kSshMaxNames) into.push_back(m);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

SshBanner parse_ssh_banner(std::string_view line) {
  SshBanner b;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxBannerLine || !line.starts_with("SSH-") || !printable_ascii(line)) return b;
  std::string_view rest = line.substr(4);
  size_t dash = rest.find('-');
  if (dash == std::string_view::npos || dash == 0) return b;
  std::string_view proto = rest.substr(0, dash);
  if (proto.find(' ') != std::string_view::npos) return b;
  rest.remove_prefix(dash + 1);
  size_t space = rest.find(' ');
  std::string_view software = rest.substr(0, space);
  if (software.empty()) return b;
  b.valid = true;
  b.proto_version = std::string(proto);
  b.software = std::string(software);
  if (space != std::string_view::npos) b.comments = std::string(rest.substr(space + 1));
  return b;
}

SshKexInit parse_ssh_kexinit(std::span<const uint8_t> bytes) {
  SshKexInit k;
  if (bytes.size() < 5) return k;
  uint32_t packet_length = core::load_be32(bytes.data());
  uint8_t padding = bytes[4];
  // The KEXINIT payload alone is at least 1 + 16 + 10 * 4 + 1 + 4 bytes.
  if (packet_length < 1 + 62 || packet_length > kSshMaxPacket || padding < 4 || padding >= packet_length) {
    k.complete = true;
    return k;
  }
  if (bytes.size() < 4 + size_t{packet_length}) return k;
  k.complete = true;
  k.consumed = 4 + size_t{packet_length};
  core::ByteReader r(bytes.data() + 5, packet_length - 1 - padding);
  if (r.u8() != kMsgKexInit) return k;
  r.skip(16);  // cookie
  std::vector<std::string> lists[10];
  for (auto& l : lists) {
    auto names = name_list(r);
    if (!names) return k;
    l = std::move(*names);
  }
  r.u8();   // first_kex_packet_follows
  r.u32();  // reserved
  if (!r.ok) return k;
  k.valid = true;
  k.kex = std::move(lists[0]);
  k.host_key = std::move(lists[1]);
  k.ciphers = lists[2];
  merge(k.ciphers, lists[3]);
  k.macs = lists[4];
  merge(k.macs, lists[5]);
  k.strict_kex = std::find(k.kex.begin(), k.kex.end(), kSshStrictKexServer) != k.kex.end();
  bool chacha = std::find(k.ciphers.begin(), k.ciphers.end(), "chacha20-poly1305@openssh.com") != k.ciphers.end();
  bool cbc = std::any_of(k.ciphers.begin(), k.ciphers.end(),
                         [](const std::string& c) { return c.find("-cbc") != std::string::npos; });
  bool etm =
      std::any_of(k.macs.begin(), k.macs.end(), [](const std::string& m) { return ends_with(m, "-etm@openssh.com"); });
  k.terrapin_exposed = !k.strict_kex && (chacha || (cbc && etm));
  return k;
}

}  // namespace sekisho::scan::proto
