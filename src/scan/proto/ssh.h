#pragma once
// SSH transport (RFC 4253): the identification line and the server's first binary packet,
// SSH_MSG_KEXINIT, which travels in clear text and shows the algorithms the server offers.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::scan::proto {

// "SSH-2.0-dropbear_2022.83" -> "2.0", "dropbear_2022.83"; "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
// -> "2.0", "OpenSSH_9.2p1", "Debian-2+deb12u3".
struct SshBanner {
  bool valid = false;
  std::string proto_version, software, comments;
};
// line without CRLF (a trailing CR is tolerated); rejects > 255 bytes, control bytes, and
// anything not "SSH-<proto>-<software>[ <comments>]".
SshBanner parse_ssh_banner(std::string_view line);

inline constexpr std::string_view kSshStrictKexServer = "kex-strict-s-v00@openssh.com";
inline constexpr size_t kSshMaxPacket = 35000;  // RFC 4253 6.1: what every implementation must take
inline constexpr size_t kSshMaxNames = 64;      // names kept per list

// The server's first binary packet (SSH_MSG_KEXINIT, cleartext): name-lists. Used for the Terrapin check
// (CVE-2023-48795: vulnerable iff chacha20-poly1305@openssh.com or an -etm MAC with CBC is offered AND the server does
// not offer "kex-strict-s-v00@openssh.com"). ciphers and macs are the union of both directions (client-to-server order
// first). complete: the whole packet is there (or a verdict that it never will be: complete && !valid). consumed: 4 +
// packet_length once complete.
struct SshKexInit {
  bool complete = false;
  bool valid = false;
  std::vector<std::string> kex, host_key, ciphers, macs;
  bool strict_kex = false;
  bool terrapin_exposed = false;
  size_t consumed = 0;
};
SshKexInit parse_ssh_kexinit(std::span<const uint8_t> bytes_after_banner);

}  // namespace sekisho::scan::proto
