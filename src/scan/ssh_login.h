#pragma once
// SSH password checks through libssh (blocking; the engine runs them on worker threads).
// One session per attempt, like a user typing a password once; nothing runs after a
// successful authentication: the session is closed at once.
#include <cstdint>
#include <string>

namespace sekisho::scan {

class SshLogin {
 public:
  SshLogin(std::string host, uint16_t port, uint64_t timeout_ms)
      : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}

  enum class Result { kAccepted, kDenied, kError };
  struct Outcome {
    bool connected = false;
    bool password_offered = false;  // "password" or "keyboard-interactive" among the methods
    std::string methods;            // "publickey,password"
  };
  // Connects, asks with the "none" method which methods the server offers, disconnects.
  Outcome probe_methods();
  Result try_password(const std::string& user, const std::string& password);
  bool reachable() const { return reachable_; }

 private:
  std::string host_;
  uint16_t port_;
  uint64_t timeout_ms_;
  bool reachable_ = true;
};

}  // namespace sekisho::scan
