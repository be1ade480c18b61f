#pragma once
// Telnet (RFC 854/855) as a login-prompt probe sees it: the server's bytes become text, its
// option negotiation gets short, loop-free refusals, and the text's tail is classified as a
// login, password or shell prompt, or a failed login.
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sekisho::scan::proto {

// Telnet command bytes (RFC 854) and the two options we accept (RFC 857, RFC 858).
inline constexpr uint8_t kTelnetIac = 255, kTelnetDont = 254, kTelnetDo = 253, kTelnetWont = 252, kTelnetWill = 251,
                         kTelnetSb = 250, kTelnetSe = 240;
inline constexpr uint8_t kTelnetOptEcho = 1, kTelnetOptSuppressGoAhead = 3;

// Server bytes -> text, plus our replies to its option negotiation.
class TelnetFilter {
 public:
  // Longest subnegotiation (IAC SB .. IAC SE) we follow before calling the stream malformed.
  static constexpr size_t kMaxSubnegotiation = 1024;
  // More negotiation commands than this in one session is also malformed (a negotiation loop).
  static constexpr size_t kMaxNegotiations = 2048;

  // Strips IAC sequences (incl. subnegotiation SB..SE, IAC IAC = 0xff data byte, CR NUL), appends the
  // printable text to `text` (tab, CR, LF and bytes >= 0x20 except DEL; other control bytes dropped)
  // and the negotiation replies to `reply`: we refuse everything (DO x -> WONT x, WILL x -> DONT x)
  // except WILL ECHO and WILL SUPPRESS-GO-AHEAD, which we accept (DO), answering each option once (no
  // loops). State persists across calls (a sequence may be split anywhere). The caller caps how many
  // bytes it feeds; `reply` grows by at most 3 bytes per option and direction (1.5 KiB in all).
  void feed(std::span<const uint8_t> in, std::string& text, std::string& reply);

  // Option negotiation commands (DO, DONT, WILL, WONT) received so far.
  size_t negotiations() const { return negotiations_; }
  // True once the stream broke the protocol: an IAC followed by a byte that is no command, a
  // subnegotiation longer than kMaxSubnegotiation, or more than kMaxNegotiations negotiations.
  bool malformed() const { return malformed_; }

 private:
  enum class State : uint8_t { kData, kIac, kOption, kSb, kSbIac };
  void negotiate(uint8_t verb, uint8_t option, std::string& reply);

  State state_ = State::kData;
  uint8_t verb_ = 0;  // DO/DONT/WILL/WONT awaiting its option byte
  size_t sb_len_ = 0;
  size_t negotiations_ = 0;
  bool malformed_ = false;
  std::bitset<256> answered_do_, answered_will_, answered_wont_;
  std::bitset<256> accepted_;  // options we said DO to
};

enum class Prompt { kNone, kLogin, kPassword, kShell, kFailed };
const char* prompt_name(Prompt p);

// Looks at the tail of the text (the last 256 bytes) and says what the server waits for.
// Feed it the text received since the last line we sent, so that an earlier attempt's
// failure message does not count again. Precedence, first that applies:
//   1. kFailed   only when `credentials_sent`: a failure word ("incorrect", "failed", "denied",
//                "invalid", "bad password", "login failed", "authentication failure") on a line
//                of at most 80 bytes in the tail; post-login banner lines such as "Last failed
//                login: ..." or "N failed login attempts" do not count. A failure followed by a
//                fresh login prompt is still kFailed. Before anything was sent (pre-login legal
//                banners say "access denied" too) pass credentials_sent = false.
//   2. kPassword the last non-empty line ends in ':' (spaces after it allowed) and names a
//                password ("password", "passcode", "passwd").
//   3. kLogin    the same for "login", "username", "user name", "user" or "account".
//   4. kShell    the last line (no newline after it) ends in '#', '$', '>' or '%' (spaces
//                after it allowed; "~ #", "/ # ", "root@x:~$ "), or the tail holds BusyBox's
//                "built-in shell" banner.
//   5. kNone     nothing yet (keep reading until the probe's timeout).
Prompt classify_prompt(std::string_view text, bool credentials_sent = true);

}  // namespace sekisho::scan::proto
