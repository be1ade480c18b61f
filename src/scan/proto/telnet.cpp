#include "scan/proto/telnet.h"

#include <array>

#include "scan/proto/text.h"

namespace sekisho::scan::proto {

void TelnetFilter::negotiate(uint8_t verb, uint8_t option, std::string& reply) {
  if (++negotiations_ > kMaxNegotiations) malformed_ = true;
  auto send = [&](uint8_t answer) {
    reply.push_back(char(kTelnetIac));
    reply.push_back(char(answer));
    reply.push_back(char(option));
  };
  switch (verb) {
    case kTelnetDo:  // the server asks us to enable an option: we enable none
      if (answered_do_[option]) return;
      answered_do_[option] = true;
      send(kTelnetWont);
      return;
    case kTelnetWill:  // the server offers an option: echo and suppress-go-ahead make a plain terminal
      if (answered_will_[option]) return;
      answered_will_[option] = true;
      if (option == kTelnetOptEcho || option == kTelnetOptSuppressGoAhead) {
        accepted_[option] = true;
        send(kTelnetDo);
      } else {
        send(kTelnetDont);
      }
      return;
    case kTelnetWont:  // it withdraws an option we accepted: acknowledge once
      if (!accepted_[option] || answered_wont_[option]) return;
      answered_wont_[option] = true;
      accepted_[option] = false;
      send(kTelnetDont);
      return;
    default:  // DONT: we never enable anything on our side, so there is nothing to acknowledge
      return;
  }
}

void TelnetFilter::feed(std::span<const uint8_t> in, std::string& text, std::string& reply) {
  for (uint8_t b : in) {
    switch (state_) {
      case State::kData:
        if (b == kTelnetIac) {
          state_ = State::kIac;
        } else if (b >= 0x20 ? b != 0x7f : (b == '\t' || b == '\r' || b == '\n')) {
          text.push_back(char(b));  // NUL (of CR NUL) and other control bytes are dropped
        }
        break;
      case State::kIac:
        if (b == kTelnetIac) {
          text.push_back(char(0xff));
          state_ = State::kData;
        } else if (b >= kTelnetWill) {  // WILL, WONT, DO, DONT
          verb_ = b;
          state_ = State::kOption;
        } else if (b == kTelnetSb) {
          sb_len_ = 0;
          state_ = State::kSb;
        } else {
          // SE outside a subnegotiation, NOP, DM, BRK, IP, AO, AYT, EC, EL, GA: nothing to do.
          // Below 240 is no command at all.
          if (b < kTelnetSe) malformed_ = true;
          state_ = State::kData;
        }
        break;
      case State::kOption:
        negotiate(verb_, b, reply);
        state_ = State::kData;
        break;
      case State::kSb:
        if (b == kTelnetIac) {
          state_ = State::kSbIac;
        } else if (++sb_len_ > kMaxSubnegotiation) {
          // Never terminated: give up on it and read what follows as text again.
          malformed_ = true;
          state_ = State::kData;
        }
        break;
      case State::kSbIac:
        if (b == kTelnetSe) {
          state_ = State::kData;
        } else {
          // IAC IAC is an escaped 0xff inside the subnegotiation; anything else is an error
          // that we skip over the same way.
          if (b != kTelnetIac) malformed_ = true;
          state_ = ++sb_len_ > kMaxSubnegotiation ? State::kData : State::kSb;
        }
        break;
    }
  }
}

const char* prompt_name(Prompt p) {
  switch (p) {
    case Prompt::kLogin: return "login";
    case Prompt::kPassword: return "password";
    case Prompt::kShell: return "shell";
    case Prompt::kFailed: return "failed";
    case Prompt::kNone: break;
  }
  return "none";
}

namespace {

constexpr size_t kTail = 256;
constexpr size_t kMaxFailureLine = 80;  // "Login incorrect"; long lines are banners, not verdicts

// Post-login banners that mention failures without being one (pam_lastlog, sshd-style MOTDs).
bool benign_failure_line(std::string_view lower_line) {
  return lower_line.find("last failed login") != std::string_view::npos ||
         lower_line.find("failed login attempt") != std::string_view::npos ||
         lower_line.find("last login") != std::string_view::npos;
}

bool has_failure(std::string_view lower_tail) {
  static constexpr std::array<std::string_view, 7> kWords = {
      "incorrect", "failed", "denied", "invalid", "bad password", "login failed", "authentication failure"};
  text::LineReader lines(lower_tail);
  std::string_view line;
  while (lines.next(line)) {
    if (line.size() > kMaxFailureLine || benign_failure_line(line)) continue;
    for (auto w : kWords)
      if (line.find(w) != std::string_view::npos) return true;
  }
  return false;
}

// "Password:", "Enter password :  " -> true when the line asks for input (ends in ':').
bool asks_for(std::string_view lower_line, std::initializer_list<std::string_view> words) {
  std::string_view l = text::trim(lower_line);
  if (l.empty() || l.back() != ':') return false;
  for (auto w : words)
    if (l.find(w) != std::string_view::npos) return true;
  return false;
}

}  // namespace

Prompt classify_prompt(std::string_view text, bool credentials_sent) {
  if (text.size() > kTail) text = text.substr(text.size() - kTail);
  std::string lower = text::to_lower(text);
  std::string_view tail = lower;

  if (credentials_sent && has_failure(tail)) return Prompt::kFailed;

  // The last non-empty line, and the very last line (empty when the text ends in a newline).
  std::string_view last, last_non_empty;
  {
    text::LineReader lines(tail);
    std::string_view line;
    while (lines.next(line)) {
      last = lines.complete ? std::string_view() : line;
      if (!text::trim(line).empty()) last_non_empty = line;
    }
  }
  if (asks_for(last_non_empty, {"password", "passcode", "passwd"})) return Prompt::kPassword;
  if (asks_for(last_non_empty, {"login", "username", "user name", "user", "account"})) return Prompt::kLogin;

  std::string_view prompt = text::trim(last);
  if (!prompt.empty()) {
    char c = prompt.back();
    if (c == '#' || c == '$' || c == '>' || c == '%') return Prompt::kShell;
  }
  if (tail.find("built-in shell") != std::string_view::npos) return Prompt::kShell;
  return Prompt::kNone;
}

}  // namespace sekisho::scan::proto
