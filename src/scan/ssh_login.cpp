#include "scan/ssh_login.h"

#include <libssh/libssh.h>
#include <sys/socket.h>

#include <memory>

namespace sekisho::scan {

namespace {

// Polite close (SSH_MSG_DISCONNECT) for sessions that did not get in.
struct SessionCloser {
  void operator()(ssh_session s) const {
    if (ssh_is_connected(s)) ssh_disconnect(s);
    ssh_free(s);
  }
};
using Session = std::unique_ptr<ssh_session_struct, SessionCloser>;

// After a successful login not one byte more: the socket is shut down before libssh could
// send its DISCONNECT, then the session is freed.
void close_silently(Session& s) {
  const socket_t fd = ssh_get_fd(s.get());
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  ssh_free(s.release());
}

Session connect(const std::string& host, uint16_t port, uint64_t timeout_ms, const char* user) {
  Session s(ssh_new());
  if (!s) return nullptr;
  const long timeout_s = long((timeout_ms + 999) / 1000);
  const long timeout_us = long(timeout_ms % 1000) * 1000;
  unsigned int p = port;
  int verbosity = SSH_LOG_NOLOG;
  int no = 0;
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &p);
  ssh_options_set(s.get(), SSH_OPTIONS_USER, user);
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout_s);
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT_USEC, &timeout_us);
  ssh_options_set(s.get(), SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);  // never read the operator's ~/.ssh/config
  ssh_options_set(s.get(), SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
  ssh_options_set(s.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  if (ssh_connect(s.get()) != SSH_OK) return nullptr;
  return s;
}

}  // namespace

SshLogin::Outcome SshLogin::probe_methods() {
  Outcome o;
  Session s = connect(host_, port_, timeout_ms_, "root");
  if (!s) {
    reachable_ = false;
    return o;
  }
  o.connected = true;
  const int rc = ssh_userauth_none(s.get(), nullptr);
  if (rc == SSH_AUTH_SUCCESS) {  // no authentication at all
    close_silently(s);
    o.methods = "none";
    return o;
  }
  const int m = ssh_userauth_list(s.get(), nullptr);
  auto add = [&](const char* name) { o.methods += (o.methods.empty() ? "" : ",") + std::string(name); };
  if (m & SSH_AUTH_METHOD_PUBLICKEY) add("publickey");
  if (m & SSH_AUTH_METHOD_PASSWORD) add("password");
  if (m & SSH_AUTH_METHOD_INTERACTIVE) add("keyboard-interactive");
  o.password_offered = (m & (SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE)) != 0;
  return o;
}

SshLogin::Result SshLogin::try_password(const std::string& user, const std::string& password) {
  Session s = connect(host_, port_, timeout_ms_, user.c_str());
  if (!s) {
    reachable_ = false;
    return Result::kError;
  }
  reachable_ = true;
  int rc = ssh_userauth_password(s.get(), nullptr, password.c_str());
  if (rc == SSH_AUTH_SUCCESS) {
    close_silently(s);
    return Result::kAccepted;
  }
  if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL) {
    // Some servers take passwords only through keyboard-interactive.
    rc = ssh_userauth_kbdint(s.get(), nullptr, nullptr);
    for (int rounds = 0; rc == SSH_AUTH_INFO && rounds < 4; ++rounds) {
      const int n = ssh_userauth_kbdint_getnprompts(s.get());
      for (int i = 0; i < n; ++i) ssh_userauth_kbdint_setanswer(s.get(), unsigned(i), password.c_str());
      rc = ssh_userauth_kbdint(s.get(), nullptr, nullptr);
    }
    if (rc == SSH_AUTH_SUCCESS) {
      close_silently(s);
      return Result::kAccepted;
    }
    if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL) return Result::kDenied;
  }
  return rc == SSH_AUTH_ERROR ? Result::kError : Result::kDenied;
}

}  // namespace sekisho::scan
