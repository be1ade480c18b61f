#pragma once
// FTP control-connection replies (RFC 959 section 4.2): "220 text" or a multi-line
// "230-first\r\n...\r\n230 last\r\n".
#include <cstddef>
#include <string>
#include <string_view>

namespace sekisho::scan::proto {

inline constexpr size_t kFtpMaxText = 512;        // reply text kept
inline constexpr size_t kFtpMaxReplyLines = 256;  // a multi-line reply longer than this is invalid

// complete: a whole reply (or a verdict that the bytes are no FTP reply: complete && !valid).
// text: the lines' text after the code, joined with '\n', control bytes as spaces, truncated.
// consumed: bytes of this reply including its last line's LF (drop them, parse the rest again).
struct FtpReply {
  bool complete = false;
  int code = 0;
  std::string text;
  size_t consumed = 0;
  bool valid = false;  // the first line starts with a 3-digit code 100..599
};
FtpReply parse_ftp_reply(std::string_view bytes);

}  // namespace sekisho::scan::proto
