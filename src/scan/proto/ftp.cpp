#include "scan/proto/ftp.h"

#include "scan/proto/text.h"

namespace sekisho::scan::proto {

namespace {

bool code_at(std::string_view line, int& code) {
  if (line.size() < 3) return false;
  for (int i = 0; i < 3; ++i)
    if (line[i] < '0' || line[i] > '9') return false;
  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  return code >= 100 && code < 600;
}

void append_text(std::string& out, std::string_view piece) {
  if (out.size() >= kFtpMaxText) return;
  if (!out.empty()) out.push_back('\n');
  out += text::printable(piece, kFtpMaxText - out.size());
}

}  // namespace

FtpReply parse_ftp_reply(std::string_view bytes) {
  FtpReply r;
  text::LineReader lines(bytes);
  std::string_view line;
  if (!lines.next(line)) return r;
  int code = 0;
  // Enough bytes to judge the first line: three characters, or a complete line.
  if (line.size() < 4 && !lines.complete) {
    bool digits_so_far = true;
    for (char c : line) digits_so_far = digits_so_far && c >= '0' && c <= '9';
    if (digits_so_far) return r;  // wait for more
  }
  bool multi = line.size() > 3 && line[3] == '-';
  if (!code_at(line, code) || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    r.complete = true;  // not an FTP reply
    r.consumed = lines.pos;
    return r;
  }
  r.valid = true;
  r.code = code;
  append_text(r.text, line.size() > 4 ? line.substr(4) : std::string_view());
  if (!multi) {
    if (!lines.complete) return r;  // the line may still grow
    r.complete = true;
    r.consumed = lines.pos;
    return r;
  }
  // Multi-line: runs until a line that starts with the same code and a space (or is the code).
  for (size_t n = 1; lines.next(line); ++n) {
    if (!lines.complete) return r;
    if (n > kFtpMaxReplyLines) {
      r.complete = true;
      r.valid = false;
      r.consumed = lines.pos;
      return r;
    }
    int last = 0;
    if (code_at(line, last) && last == code && (line.size() == 3 || line[3] == ' ')) {
      append_text(r.text, line.size() > 4 ? line.substr(4) : std::string_view());
      r.complete = true;
      r.consumed = lines.pos;
      return r;
    }
    append_text(r.text, text::trim(line));
  }
  return r;
}

}  // namespace sekisho::scan::proto
