// One coroutine per service: identify it, report it, run its checks. The rules every check
// keeps (NOTICE's): log in only where a login prompt appears, stop at the first success,
// send nothing after a successful login (the connection is closed at once), wait between
// attempts, and name a credential by its id, never by its password.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "scan/credentials.h"
#include "scan/engine_impl.h"
#include "scan/proto/coap.h"
#include "scan/proto/ftp.h"
#include "scan/proto/http.h"
#include "scan/proto/mqtt.h"
#include "scan/proto/products.h"
#include "scan/proto/snmp.h"
#include "scan/proto/ssdp.h"
#include "scan/proto/ssh.h"
#include "scan/proto/telnet.h"
#include "scan/proto/upnp.h"
#include "scan/ssh_login.h"

namespace sekisho::scan {

namespace {

bool server_speaks_first(uint16_t port) { return port == 21 || port == 22 || port == 23 || port == 2323; }
bool tls_port(uint16_t port) { return port == 443 || port == 8443 || port == 8883; }

bool has_line(std::string_view s) { return s.find('\n') != std::string_view::npos; }

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// A full HTTP response: the head, then the body up to Content-Length or the cap.
bool http_response_done(std::string_view s) {
  auto r = proto::parse_http_response(s);
  if (!r.complete_head) return false;
  if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) return true;
  if (r.content_length) return s.size() >= r.head_len + *r.content_length;
  return false;  // until the peer closes (Connection: close) or the cap
}

// RTSP keeps the connection open, and a response without Content-Length has no body
// (RFC 2326 12.14): the head is the whole answer.
bool rtsp_response_done(std::string_view s) {
  auto r = proto::parse_http_response(s);
  if (!r.complete_head) return false;
  return !r.content_length || s.size() >= r.head_len + *r.content_length;
}

const char* kHttpAdminPaths[] = {"/"};

}  // namespace

// A login worker: an extra one first waits for a free connection slot on the device (and
// gives up when the list ran out meanwhile), then runs its attempts; the pool's wait group
// hears of it whatever happens.
static Task<> pool_worker(Engine::Impl& e, Host& h, LoginPool& pool, bool extra, Task<> attempts) {
  if (extra) {
    const bool joined = co_await e.join_pool(h, pool);
    if (!joined) {
      pool.wg.done(e.loop);
      co_return;
    }
  }
  try {
    co_await std::move(attempts);
  } catch (...) {
    ++e.probe_errors;
  }
  if (extra) h.gate.leave(e.loop);
  pool.wg.done(e.loop);
}

// Runs up to `per_device` workers over the pool (`make(i)` gives worker i's attempts) and
// waits for all of them.
template <typename MakeAttempts>
static Task<> run_pool(Engine::Impl& e, Host& h, LoginPool& pool, MakeAttempts make) {
  const size_t n = e.pool_workers(pool);
  pool.wg.add(n);
  for (size_t i = 0; i < n; ++i) e.loop.spawn(pool_worker(e, h, pool, i > 0, make(i)));
  co_await pool.wg.wait();
}

Task<bool> Engine::Impl::reopen(Host& h, Conn& c, const ServiceRecord& s) {
  release(c);
  if (loop.stopping()) co_return false;
  const int rc = co_await open(h, c, s.port, false);
  if (rc != 0) co_return false;
  if (!s.tls) co_return true;
  const bool ok = co_await c.sock.start_tls(tls_ctx, loop.now_ms() + opts.read_timeout_ms);
  co_return ok;
}

Task<> Engine::Impl::identify(Host& h, Conn& c, ServiceRecord& s) {
  const uint64_t t0 = loop.now_ms();
  if (tls_port(s.port)) {
    const bool tls_ok = co_await c.sock.start_tls(tls_ctx, t0 + opts.read_timeout_ms);
    if (tls_ok) {
      s.tls = true;
      s.info.emplace_back("tls", c.sock.tls_version());
    } else {
      const bool plain = co_await reopen(h, c, s);  // not TLS after all: speak plain
      if (!plain) co_return;
    }
  }
  // Servers that speak first get time to do so; for the others we speak at once.
  if (server_speaks_first(s.port) || !tls_port(s.port)) {
    const uint64_t wait = server_speaks_first(s.port) ? opts.banner_wait_ms : 300;
    co_await c.read_until(has_line, loop.now_ms() + wait);
  }
  const std::string_view first = c.in;
  if (first.rfind("SSH-", 0) == 0) {
    co_await ssh(h, c, s);
    co_return;
  }
  if (!first.empty() && static_cast<uint8_t>(first[0]) == 0xff) {
    co_await telnet(h, c, s);
    co_return;
  }
  if (first.size() >= 4 && std::isdigit(static_cast<unsigned char>(first[0])) && first.substr(0, 3) == "220") {
    co_await ftp(h, c, s);
    co_return;
  }
  if (!first.empty()) {
    const auto p = proto::classify_prompt(first, false);
    if (p != proto::Prompt::kNone || s.port == 23 || s.port == 2323) {
      co_await telnet(h, c, s);
      co_return;
    }
  }
  if (first.empty() && (s.port == 23 || s.port == 2323)) {
    co_await telnet(h, c, s);
    co_return;
  }
  if (s.port == 554 || s.port == 8554) {
    co_await rtsp(h, c, s);
    co_return;
  }
  if (s.port == 1883 || s.port == 8883) {
    co_await mqtt(h, c, s);
    co_return;
  }
  if (first.empty()) {
    co_await http(h, c, s);
    co_return;
  }
  // Something we do not know: report what it said.
  s.service = "unknown";
  s.banner = printable(first);
  emit_service(h, s);
}

// ---------------------------------------------------------------------------------------
// Telnet: negotiate (refusing every option but echo and go-ahead suppression), wait for a
// prompt, and try the list on the prompts it gives, reconnecting when it hangs up.
namespace {

struct TelnetSession {
  proto::TelnetFilter filter;
  std::string text;   // text since the last thing we sent
  std::string reply;  // negotiation answers to send
  size_t fed = 0;     // bytes of conn.in already through the filter
  bool sent = false;  // a user name or password went out (failure words count from then on)
};

}  // namespace

static Task<proto::Prompt> telnet_wait(Engine::Impl& e, Conn& c, TelnetSession& t, uint64_t deadline) {
  for (;;) {
    if (t.fed < c.in.size()) {
      t.filter.feed(bytes(std::string_view(c.in).substr(t.fed)), t.text, t.reply);
      t.fed = c.in.size();
      if (t.text.size() > 4096) t.text.erase(0, t.text.size() - 4096);
      const auto p = proto::classify_prompt(t.text, t.sent);
      // Logged in: not even a negotiation answer goes out after that.
      if (p == proto::Prompt::kShell) co_return p;
      if (!t.reply.empty()) {
        co_await c.sock.write_all(t.reply, deadline);
        t.reply.clear();
      }
      if (p != proto::Prompt::kNone) co_return p;
    }
    if (e.loop.now_ms() >= deadline || c.eof || c.overflow) co_return proto::Prompt::kNone;
    if (c.in.size() > 32 * 1024) {  // keep memory bounded on chatty devices
      c.in.clear();
      t.fed = 0;
    }
    co_await c.read_more(deadline);
  }
}

// One telnet login worker: its own connection (the first one reuses the probe's), the
// next credential from the shared pool until one works or the list ends.
static Task<> telnet_attempts(Engine::Impl& e, Host& h, ServiceRecord& s, LoginPool& pool, Conn* given,
                              TelnetSession* given_t, proto::Prompt prompt) {
  Conn own(e.loop);
  TelnetSession own_t;
  Conn& c = given ? *given : own;
  TelnetSession& t = given_t ? *given_t : own_t;
  struct Release {
    Engine::Impl& e;
    Conn& c;
    ~Release() { e.release(c); }
  } release_own{e, own};
  bool first = true;
  while (const Credential* cred = e.take(pool)) {
    if (!first) co_await e.loop.sleep_ms(e.opts.attempt_gap_ms);
    first = false;
    // The device hung up or sits elsewhere than at a prompt: start again.
    if (!c.sock.open() || c.eof || (prompt != proto::Prompt::kLogin && prompt != proto::Prompt::kPassword)) {
      const bool again = co_await e.reopen(h, c, s);
      if (!again) co_return;
      t = TelnetSession{};
      prompt = co_await telnet_wait(e, c, t, e.loop.now_ms() + e.opts.read_timeout_ms);
      if (prompt != proto::Prompt::kLogin && prompt != proto::Prompt::kPassword) co_return;
    }
    if (pool.winner) co_return;  // another worker got in while this one connected
    e.count_attempt(h);
    const uint64_t deadline = e.loop.now_ms() + e.opts.login_timeout_ms;
    if (prompt == proto::Prompt::kLogin) {
      t.text.clear();
      const std::string user_line = cred->user + "\r\n";
      t.sent = true;
      const bool sent = co_await c.sock.write_all(user_line, deadline);
      if (!sent) {
        prompt = proto::Prompt::kNone;
        continue;
      }
      prompt = co_await telnet_wait(e, c, t, deadline);
      if (prompt == proto::Prompt::kShell) {  // no password asked: in
        e.release(c);
        e.login_succeeded(h, s, pool, cred, "accepted without a password");
        co_return;
      }
      if (prompt != proto::Prompt::kPassword) continue;
    }
    if (e.loop.stopping()) co_return;  // stopped between the user name and the password
    t.text.clear();
    const std::string pass_line = cred->password + "\r\n";
    t.sent = true;
    const bool sent = co_await c.sock.write_all(pass_line, deadline);
    if (!sent) {
      prompt = proto::Prompt::kNone;
      continue;
    }
    prompt = co_await telnet_wait(e, c, t, deadline);
    if (prompt == proto::Prompt::kShell) {
      e.release(c);  // in: close at once, send nothing more
      e.login_succeeded(h, s, pool, cred, "shell prompt after the login");
      co_return;
    }
    if (prompt == proto::Prompt::kFailed) {
      // "Login incorrect" comes before the next "login:", sometimes in the same read.
      const size_t nl = t.text.find_last_of('\n');
      std::string tail = nl == std::string::npos ? std::string() : t.text.substr(nl + 1);
      const auto again = proto::classify_prompt(tail, true);
      if (again == proto::Prompt::kLogin || again == proto::Prompt::kPassword) {
        prompt = again;
        t.text = std::move(tail);
      } else {
        t.text.clear();
        prompt = co_await telnet_wait(e, c, t, e.loop.now_ms() + e.opts.login_timeout_ms);
      }
    }
  }
}

Task<> Engine::Impl::telnet(Host& h, Conn& c, ServiceRecord& s) {
  s.service = "telnet";
  TelnetSession t;
  auto prompt = co_await telnet_wait(*this, c, t, loop.now_ms() + opts.read_timeout_ms);
  s.banner = printable(t.text);
  s.info.emplace_back("prompt", prompt == proto::Prompt::kLogin      ? "login"
                                : prompt == proto::Prompt::kPassword ? "password"
                                : prompt == proto::Prompt::kShell    ? "shell"
                                                                     : "none");
  emit_service(h, s);
  FindingRecord open_f;
  open_f.id = "telnet-open";
  open_f.evidence = {{"prompt", std::string(info(s, "prompt"))}};
  emit_finding(h, s, open_f);
  if (prompt == proto::Prompt::kShell) {
    FindingRecord f;
    f.id = "unauthenticated-admin";
    f.evidence = {{"what", "a shell prompt without any login"}};
    emit_finding(h, s, f);
    co_return;
  }
  if (prompt != proto::Prompt::kLogin && prompt != proto::Prompt::kPassword) co_return;
  if (!want_logins()) co_return;
  LoginPool pool;
  start_pool(pool, "telnet");
  // The first worker goes on on the probe's connection, at the prompt it already has.
  co_await run_pool(*this, h, pool, [&](size_t i) {
    return i == 0 ? telnet_attempts(*this, h, s, pool, &c, &t, prompt)
                  : telnet_attempts(*this, h, s, pool, nullptr, nullptr, proto::Prompt::kNone);
  });
}

// ---------------------------------------------------------------------------------------
// SSH: libssh on a worker thread, one session per attempt.
constexpr uint64_t kSshRetryPauseMs = 1000;
static Task<> ssh_attempts(Engine::Impl& e, Host& h, ServiceRecord& s, LoginPool& pool) {
  SshLogin login(h.ip_text, s.port, e.opts.login_timeout_ms);
  bool first = true;
  bool retried = false;
  const Credential* cred = e.take(pool);
  while (cred) {
    if (!first) co_await e.loop.sleep_ms(e.opts.attempt_gap_ms);
    first = false;
    co_await e.pacer.next(e.loop);
    co_await e.fds.enter();
    e.count_attempt(h);
    SshLogin::Result r = SshLogin::Result::kError;
    co_await e.loop.run_blocking([&] { r = login.try_password(cred->user, cred->password); });
    e.fds.leave(e.loop);
    if (r == SshLogin::Result::kAccepted) {
      e.login_succeeded(h, s, pool, cred, "password authentication succeeded");
      co_return;
    }
    if (r == SshLogin::Result::kError && !login.reachable()) {
      // A connection that failed once (a busy device slow to finish the key exchange, a
      // start-up rate limit) is tried again with the same credential after a pause;
      // twice in a row and the service counts as gone for this worker.
      if (retried) co_return;
      retried = true;
      co_await e.loop.sleep_ms(kSshRetryPauseMs);
      continue;
    }
    retried = false;
    cred = e.take(pool);
  }
}

Task<> Engine::Impl::ssh(Host& h, Conn& c, ServiceRecord& s) {
  s.service = "ssh";
  co_await c.read_until(has_line, loop.now_ms() + opts.read_timeout_ms);
  const size_t eol = c.in.find('\n');
  std::string line = c.in.substr(0, eol == std::string::npos ? std::min<size_t>(c.in.size(), 255) : eol);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto banner = proto::parse_ssh_banner(line);
  s.banner = printable(line);
  if (banner.valid) s.info.emplace_back("software", printable(banner.software));
  // Our identification, then the server's KEXINIT (cleartext) for the key exchange facts.
  co_await c.sock.write_all("SSH-2.0-sekisho_scan\r\n", loop.now_ms() + opts.read_timeout_ms);
  const size_t after = eol == std::string::npos ? c.in.size() : eol + 1;
  co_await c.read_until(
      [after](std::string_view in) {
        return in.size() > after && proto::parse_ssh_kexinit(bytes(in.substr(after))).complete;
      },
      loop.now_ms() + opts.read_timeout_ms);
  if (c.in.size() > after) {
    const auto kex = proto::parse_ssh_kexinit(bytes(std::string_view(c.in).substr(after)));
    if (kex.valid) {
      s.info.emplace_back("strict_kex", kex.strict_kex ? "yes" : "no");
      s.info.emplace_back("terrapin_exposed", kex.terrapin_exposed ? "yes" : "no");
    }
  }
  release(c);
  if (products && banner.valid)
    if (auto p = products->match("ssh", banner.software)) {
      s.product = p->name;
      s.version = p->version;
      s.cpe = p->cpe;
    }
  emit_service(h, s);
  if (!want_logins()) co_return;
  // Password logins through libssh on a worker thread, one attempt at a time per service.
  SshLogin login(h.ip_text, s.port, opts.login_timeout_ms);
  SshLogin::Outcome methods;
  co_await loop.run_blocking([&] { methods = login.probe_methods(); });
  if (!methods.password_offered) co_return;
  LoginPool pool;
  start_pool(pool, "ssh");
  co_await run_pool(*this, h, pool, [&](size_t) { return ssh_attempts(*this, h, s, pool); });
}

// ---------------------------------------------------------------------------------------
static bool ftp_reply_done(std::string_view in) { return proto::parse_ftp_reply(in).complete; }

static Task<proto::FtpReply> ftp_command(Engine::Impl& e, Conn& c, std::string_view line) {
  c.in.clear();
  const std::string text = std::string(line) + "\r\n";
  const bool sent = co_await c.sock.write_all(text, e.loop.now_ms() + e.opts.read_timeout_ms);
  if (!sent) co_return proto::FtpReply{};
  co_await c.read_until(ftp_reply_done, e.loop.now_ms() + e.opts.login_timeout_ms);
  co_return proto::parse_ftp_reply(c.in);
}

Task<> Engine::Impl::ftp(Host& h, Conn& c, ServiceRecord& s) {
  s.service = "ftp";
  co_await c.read_until(ftp_reply_done, loop.now_ms() + opts.read_timeout_ms);
  const auto greeting = proto::parse_ftp_reply(c.in);
  s.banner = printable(std::string_view(c.in).substr(0, c.in.find('\n')));
  emit_service(h, s);
  if (!greeting.complete || greeting.code != 220) co_return;
  // Anonymous first: a server that lets anyone in needs no password list.
  const std::string anon = "USER anonymous";
  auto r = co_await ftp_command(*this, c, anon);
  if (r.code == 331) {
    const std::string pass = "PASS anonymous@";
    r = co_await ftp_command(*this, c, pass);
  }
  if (r.code == 230) {
    release(c);
    FindingRecord f;
    f.id = "anonymous-ftp";
    f.evidence = {{"login", "anonymous accepted"}};
    emit_finding(h, s, f);
    co_return;
  }
  FindingRecord clear;
  clear.id = "cleartext-login";
  clear.evidence = {{"what", "FTP sends the user name and password unencrypted"}};
  emit_finding(h, s, clear);
  if (!want_logins()) co_return;
  size_t tried = 0;
  for (const Credential* cred : creds->for_service("ftp")) {
    if (loop.stopping()) break;
    if (opts.max_logins_per_service && tried >= opts.max_logins_per_service) break;
    if (tried > 0) co_await loop.sleep_ms(opts.attempt_gap_ms);
    if (!c.sock.open() || c.eof) {
      {
        const bool again = co_await reopen(h, c, s);
        if (!again) break;
      }
      co_await c.read_until(ftp_reply_done, loop.now_ms() + opts.read_timeout_ms);
      if (proto::parse_ftp_reply(c.in).code != 220) break;
    }
    ++tried;
    ++h.summary.logins_tried;
    ++stats.logins;
    const std::string user_cmd = "USER " + cred->user;
    r = co_await ftp_command(*this, c, user_cmd);
    if (r.code == 331) {
      const std::string pass_cmd = "PASS " + cred->password;
      r = co_await ftp_command(*this, c, pass_cmd);
    }
    if (r.code == 230) {
      release(c);
      FindingRecord f;
      f.id = "default-credentials";
      f.credential_id = cred->id;
      f.evidence = {{"login", "230 after USER/PASS"}};
      emit_finding(h, s, f);
      co_return;
    }
    if (r.code == 421 || !r.complete) release(c);
  }
}

// ---------------------------------------------------------------------------------------
Task<Engine::Impl::HttpResult> Engine::Impl::http_request(Host& h, uint16_t port, bool tls, std::string request) {
  HttpResult out;
  Conn c(loop);
  ServiceRecord tmp;
  tmp.port = port;
  tmp.tls = tls;
  const bool opened = co_await reopen(h, c, tmp);
  if (!opened) {
    release(c);
    co_return out;
  }
  const uint64_t deadline = loop.now_ms() + opts.read_timeout_ms;
  const bool sent = co_await c.sock.write_all(request, deadline);
  if (sent) {
    co_await c.read_until(http_response_done, deadline);
    const auto r = proto::parse_http_response(c.in);
    out.ok = r.valid;
    out.status = r.status;
    out.head_len = r.head_len;
    out.raw = std::move(c.in);
  }
  release(c);
  co_return out;
}

// HTTP Basic/Digest: one request per attempt on a fresh connection.
static std::string http_get(const Engine::Impl& e, const Host& h, uint16_t port, std::string_view path,
                            std::string_view auth) {
  const std::string host = h.ip.is_v4() ? h.ip_text : "[" + h.ip_text + "]";
  std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                    "\r\nUser-Agent: " + e.opts.user_agent + "\r\nAccept: */*\r\nConnection: close\r\n";
  if (!auth.empty()) req += "Authorization: " + std::string(auth) + "\r\n";
  return req + "\r\n";
}

static Task<> http_attempts(Engine::Impl& e, Host& h, ServiceRecord& s, LoginPool& pool,
                            proto::AuthChallenge challenge) {
  const bool basic = challenge.scheme == proto::AuthChallenge::Scheme::kBasic;
  bool first = true;
  while (const Credential* cred = e.take(pool)) {
    if (!first) co_await e.loop.sleep_ms(e.opts.attempt_gap_ms);
    first = false;
    e.count_attempt(h);
    std::string auth;
    if (basic) {
      auth = proto::basic_credentials(cred->user, cred->password);
    } else {
      // A fresh challenge for each attempt keeps the nonce valid.
      std::string probe = http_get(e, h, s.port, "/", "");
      const auto fresh = co_await e.http_request(h, s.port, s.tls, std::move(probe));
      const auto fr = proto::parse_http_response(fresh.raw);
      const auto ch = fr.status == 401 ? proto::parse_auth_challenge(fr.www_authenticate) : challenge;
      auth = proto::digest_credentials(ch, "GET", "/", cred->user, cred->password, "0a4f113b", 1);
    }
    if (pool.winner) co_return;
    std::string req = http_get(e, h, s.port, "/", auth);
    const auto res = co_await e.http_request(h, s.port, s.tls, std::move(req));
    if (!res.ok) continue;
    if (res.status >= 200 && res.status < 400) {
      e.login_succeeded(
          h, s, pool, cred,
          "HTTP " + std::to_string(res.status) + " with " + (basic ? "Basic" : "Digest") + " credentials");
      co_return;
    }
  }
}

Task<> Engine::Impl::http(Host& h, Conn& c, ServiceRecord& s) {
  const std::string host_hdr = h.ip.is_v4() ? h.ip_text : "[" + h.ip_text + "]";
  auto make_get = [&](std::string_view path, std::string_view auth) {
    std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + host_hdr + ":" + std::to_string(s.port) +
                      "\r\nUser-Agent: " + opts.user_agent + "\r\nAccept: */*\r\nConnection: close\r\n";
    if (!auth.empty()) req += "Authorization: " + std::string(auth) + "\r\n";
    return req + "\r\n";
  };
  const uint64_t deadline = loop.now_ms() + opts.read_timeout_ms;
  std::string raw;
  const std::string first_get = make_get(kHttpAdminPaths[0], "");
  const bool sent = co_await c.sock.write_all(first_get, deadline);
  if (sent) {
    co_await c.read_until(http_response_done, deadline);
    raw = c.in;
  }
  release(c);
  const auto r = proto::parse_http_response(raw);
  if (!r.valid) {
    s.service = raw.empty() ? "unknown" : "unknown";
    s.banner = printable(raw);
    if (!raw.empty() || s.port == 80 || s.port == 8080) emit_service(h, s);
    co_return;
  }
  s.service = s.tls ? "https" : "http";
  if (s.port == 7547) s.info.emplace_back("role", "TR-069 (CWMP) connection request port");
  if (!r.server.empty()) s.info.emplace_back("server", printable(r.server));
  s.info.emplace_back("status", std::to_string(r.status));
  const std::string_view body = std::string_view(raw).substr(std::min(r.head_len, raw.size()));
  const std::string title = proto::html_title(body);
  if (!title.empty()) s.info.emplace_back("title", printable(title, 120));
  proto::AuthChallenge challenge;
  if (r.status == 401) {
    challenge = proto::parse_auth_challenge(r.www_authenticate);
    s.info.emplace_back("auth", challenge.scheme == proto::AuthChallenge::Scheme::kBasic    ? "basic"
                                : challenge.scheme == proto::AuthChallenge::Scheme::kDigest ? "digest"
                                                                                            : "other");
    if (!challenge.realm.empty()) s.info.emplace_back("realm", printable(challenge.realm, 80));
  }
  s.banner = printable(r.server);
  if (products)
    if (auto p = products->match_http(r, title)) {
      s.product = p->name;
      s.version = p->version;
      s.cpe = p->cpe;
    }
  emit_service(h, s);

  if (r.status == 200) {
    if (!proto::has_password_form(body)) {
      const std::string hint = proto::admin_page_hint(title, body);
      if (!hint.empty()) {
        FindingRecord f;
        f.id = "unauthenticated-admin";
        f.evidence = {{"what", "an administration page answers without any login"}, {"hint", printable(hint, 80)}};
        if (!title.empty()) f.evidence.emplace_back("title", printable(title, 120));
        emit_finding(h, s, f);
      }
    }
    co_return;
  }
  if (r.status != 401) co_return;
  const bool basic = challenge.scheme == proto::AuthChallenge::Scheme::kBasic;
  const bool digest = challenge.scheme == proto::AuthChallenge::Scheme::kDigest;
  if (!basic && !digest) co_return;
  if (basic && !s.tls) {
    FindingRecord f;
    f.id = "cleartext-login";
    f.evidence = {{"what", "HTTP Basic authentication without TLS: the password crosses the network readable"}};
    emit_finding(h, s, f);
  }
  if (!want_logins()) co_return;
  LoginPool pool;
  start_pool(pool, "http");
  co_await run_pool(*this, h, pool, [&](size_t) { return http_attempts(*this, h, s, pool, challenge); });
}

// ---------------------------------------------------------------------------------------
Task<> Engine::Impl::rtsp(Host& h, Conn& c, ServiceRecord& s) {
  const std::string url =
      "rtsp://" + (h.ip.is_v4() ? h.ip_text : "[" + h.ip_text + "]") + ":" + std::to_string(s.port) + "/";
  int cseq = 0;
  auto request = [&](std::string_view method, std::string_view auth) {
    std::string req = std::string(method) + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(++cseq) +
                      "\r\nUser-Agent: " + opts.user_agent + "\r\n";
    if (method == "DESCRIBE") req += "Accept: application/sdp\r\n";
    if (!auth.empty()) req += "Authorization: " + std::string(auth) + "\r\n";
    return req + "\r\n";
  };
  auto exchange = [&](std::string req) -> Task<proto::HttpResponse> {
    c.in.clear();
    const uint64_t deadline = loop.now_ms() + opts.read_timeout_ms;
    const bool sent = co_await c.sock.write_all(req, deadline);
    if (!sent) co_return proto::HttpResponse{};
    co_await c.read_until(rtsp_response_done, deadline);
    co_return proto::parse_http_response(c.in);
  };
  auto r = co_await exchange(request("OPTIONS", ""));
  if (!r.valid) {
    s.service = "unknown";
    s.banner = printable(c.in);
    if (!c.in.empty()) emit_service(h, s);
    co_return;
  }
  s.service = "rtsp";
  s.banner = printable(r.server);
  if (!r.server.empty()) s.info.emplace_back("server", printable(r.server));
  if (products)
    if (auto p = products->match_http(r, "", true)) {
      s.product = p->name;
      s.version = p->version;
      s.cpe = p->cpe;
    }
  r = co_await exchange(request("DESCRIBE", ""));
  emit_service(h, s);
  if (r.status == 200) {
    release(c);
    FindingRecord f;
    f.id = "unauthenticated-admin";
    f.evidence = {{"what", "the video stream description is served without any login"}};
    emit_finding(h, s, f);
    co_return;
  }
  if (r.status != 401) co_return;
  const auto challenge = proto::parse_auth_challenge(r.www_authenticate);
  const bool basic = challenge.scheme == proto::AuthChallenge::Scheme::kBasic;
  const bool digest = challenge.scheme == proto::AuthChallenge::Scheme::kDigest;
  if (basic) {
    FindingRecord f;
    f.id = "cleartext-login";
    f.evidence = {{"what", "RTSP Basic authentication: the password crosses the network readable"}};
    emit_finding(h, s, f);
  }
  if ((!basic && !digest) || !want_logins()) co_return;
  size_t tried = 0;
  auto ch = challenge;
  for (const Credential* cred : creds->for_service("rtsp")) {
    if (loop.stopping()) break;
    if (opts.max_logins_per_service && tried >= opts.max_logins_per_service) break;
    if (tried > 0) co_await loop.sleep_ms(opts.attempt_gap_ms);
    if (!c.sock.open() || c.eof) {
      {
        const bool again = co_await reopen(h, c, s);
        if (!again) break;
      }
      const auto again = co_await exchange(request("DESCRIBE", ""));
      if (again.status != 401) break;
      ch = proto::parse_auth_challenge(again.www_authenticate);
    }
    ++tried;
    ++h.summary.logins_tried;
    ++stats.logins;
    const std::string auth =
        basic ? proto::basic_credentials(cred->user, cred->password)
              : proto::digest_credentials(ch, "DESCRIBE", url, cred->user, cred->password, "5ca1ab1e", uint32_t(tried));
    const auto res = co_await exchange(request("DESCRIBE", auth));
    if (res.status == 200) {
      release(c);
      FindingRecord f;
      f.id = "default-credentials";
      f.credential_id = cred->id;
      f.evidence = {{"login", std::string("RTSP DESCRIBE 200 with ") + (basic ? "Basic" : "Digest") + " credentials"}};
      emit_finding(h, s, f);
      co_return;
    }
    if (res.status == 401) {
      const auto next = proto::parse_auth_challenge(res.www_authenticate);
      if (next.scheme == challenge.scheme) ch = next;
    } else if (!res.valid) {
      release(c);
    }
  }
}

// ---------------------------------------------------------------------------------------
static bool connack_done(std::string_view in) { return proto::parse_connack(bytes(in)).complete; }

// MQTT: a CONNECT with user name and password per attempt, on a fresh connection.
static Task<> mqtt_attempts(Engine::Impl& e, Host& h, ServiceRecord& s, LoginPool& pool) {
  Conn c(e.loop);
  bool first = true;
  while (const Credential* cred = e.take(pool)) {
    if (!first) co_await e.loop.sleep_ms(e.opts.attempt_gap_ms);
    first = false;
    const bool opened = co_await e.reopen(h, c, s);
    if (!opened) break;
    if (pool.winner) break;  // another worker got in while this one connected
    e.count_attempt(h);
    const uint64_t dl = e.loop.now_ms() + e.opts.read_timeout_ms;
    const std::string connect_auth = proto::mqtt_connect("sekisho-scan", cred->user, cred->password);
    const bool sent = co_await c.sock.write_all(connect_auth, dl);
    if (!sent) continue;
    co_await c.read_until(connack_done, dl);
    const auto a = proto::parse_connack(bytes(c.in));
    e.release(c);  // accepted or not: nothing more on this connection
    if (a.valid && a.return_code == 0) {
      e.login_succeeded(h, s, pool, cred, "CONNACK 0 for the user name and password");
      co_return;
    }
  }
  e.release(c);
}

Task<> Engine::Impl::mqtt(Host& h, Conn& c, ServiceRecord& s) {
  const uint64_t deadline = loop.now_ms() + opts.read_timeout_ms;
  c.in.clear();
  const std::string connect = proto::mqtt_connect("sekisho-scan", std::nullopt, std::nullopt);
  const bool sent = co_await c.sock.write_all(connect, deadline);
  if (!sent) co_return;
  co_await c.read_until(connack_done, deadline);
  const auto ack = proto::parse_connack(bytes(c.in));
  if (!ack.valid) {
    s.service = "unknown";
    s.banner = printable(c.in);
    if (!c.in.empty()) emit_service(h, s);
    co_return;
  }
  release(c);  // accepted or not, nothing more goes on this connection
  s.service = s.tls ? "mqtts" : "mqtt";
  s.info.emplace_back("anonymous", ack.return_code == 0 ? "accepted" : "refused");
  emit_service(h, s);
  if (ack.return_code == 0) {
    FindingRecord f;
    f.id = "anonymous-mqtt";
    f.evidence = {{"login", "CONNECT without user name accepted (CONNACK 0)"}};
    emit_finding(h, s, f);
    co_return;
  }
  if (ack.return_code != 4 && ack.return_code != 5) co_return;
  if (!s.tls) {
    FindingRecord f;
    f.id = "cleartext-login";
    f.evidence = {{"what", "the broker asks for a password over plain MQTT (no TLS)"}};
    emit_finding(h, s, f);
  }
  if (!want_logins()) co_return;
  LoginPool pool;
  start_pool(pool, "mqtt");
  co_await run_pool(*this, h, pool, [&](size_t) { return mqtt_attempts(*this, h, s, pool); });
}

// ---------------------------------------------------------------------------------------
// UDP: one request, a retry, and only an answer counts.
static Task<std::string> udp_exchange(Engine::Impl& e, Host& h, uint16_t port, std::string request) {
  Conn c(e.loop, 64 * 1024);
  std::string answer;
  const int rc = co_await e.open(h, c, port, true);
  if (rc != 0) co_return answer;
  for (int attempt = 0; attempt <= e.opts.udp_retries && !e.loop.stopping(); ++attempt) {
    if (attempt > 0) co_await e.pacer.next(e.loop);
    const bool sent = co_await c.sock.write_all(request, e.loop.now_ms() + e.opts.udp_timeout_ms);
    if (!sent) break;
    uint8_t buf[65536];
    const long n = co_await c.sock.read_some(buf, sizeof buf, e.loop.now_ms() + e.opts.udp_timeout_ms);
    if (n > 0) {
      h.any_answer = true;
      answer.assign(reinterpret_cast<const char*>(buf), size_t(n));
      break;
    }
    if (n == -ECONNREFUSED) {  // ICMP port unreachable: closed, and the host is there
      h.any_answer = true;
      break;
    }
  }
  e.release(c);
  co_return answer;
}

Task<> Engine::Impl::snmp(Host& h, uint16_t port) {
  ServiceRecord s;
  s.ip = h.ip;
  s.port = port;
  s.proto = Proto::kUdp;
  s.service = "snmp";
  std::vector<std::string> accepted;
  std::string descr;
  // The communities every agent ships with; each answer is a finding of its own kind.
  for (const char* community : {"public", "private"}) {
    if (loop.stopping()) break;
    const auto answer = co_await udp_exchange(*this, h, port, proto::snmp_get_request(community, 1, 0x5e15));
    if (answer.empty()) continue;
    const auto r = proto::parse_snmp_response(bytes(answer));
    if (!r.valid) continue;
    accepted.emplace_back(community);
    if (descr.empty()) descr = r.sys_descr;
  }
  if (accepted.empty()) co_return;
  s.banner = printable(descr);
  s.info.emplace_back("sysdescr", printable(descr, 200));
  emit_service(h, s);
  std::string list;
  for (const auto& a : accepted) list += (list.empty() ? "" : ",") + a;
  FindingRecord f;
  f.id = "snmp-public";
  f.evidence = {{"communities", list}, {"answer", "GetRequest sysDescr.0 answered"}};
  emit_finding(h, s, f);
}

Task<> Engine::Impl::coap(Host& h, uint16_t port) {
  const auto answer = co_await udp_exchange(*this, h, port, proto::coap_get_well_known_core(0x5e15, 0x5e15c0));
  if (answer.empty()) co_return;
  const auto r = proto::parse_coap(bytes(answer));
  if (!r.valid) co_return;
  ServiceRecord s;
  s.ip = h.ip;
  s.port = port;
  s.proto = Proto::kUdp;
  s.service = "coap";
  std::string list;
  for (size_t i = 0; i < r.resources.size() && i < 16; ++i) list += (i ? "," : "") + printable(r.resources[i], 60);
  s.info.emplace_back("code",
                      std::to_string(r.code >> 5) + "." + (r.code % 32 < 10 ? "0" : "") + std::to_string(r.code % 32));
  if (!list.empty()) s.info.emplace_back("resources", list);
  emit_service(h, s);
  if ((r.code >> 5) == 2) {  // 2.xx: the resource directory answered without any credential
    FindingRecord f;
    f.id = "coap-open";
    f.evidence = {{"resources", list.empty() ? "(none listed)" : list}};
    emit_finding(h, s, f);
  }
}

Task<> Engine::Impl::ssdp(Host& h, uint16_t port) {
  const auto answer = co_await udp_exchange(*this, h, port, proto::ssdp_msearch("ssdp:all", 1));
  if (answer.empty()) co_return;
  const auto a = proto::parse_ssdp_answer(answer);
  if (!a.valid) co_return;
  ServiceRecord s;
  s.ip = h.ip;
  s.port = port;
  s.proto = Proto::kUdp;
  s.service = "upnp";
  s.banner = printable(a.server);
  if (!a.server.empty()) s.info.emplace_back("server", printable(a.server));
  if (!a.location.empty()) s.info.emplace_back("location", printable(a.location, 200));
  // The description only from the device itself: a LOCATION elsewhere is not followed.
  if (auto url = proto::parse_url(a.location); url && !url->https) {
    const auto host = core::IpAddr::parse(url->host);
    if (host && *host == h.ip) {
      std::string req = "GET " + url->path + " HTTP/1.1\r\nHost: " + url->host + ":" + std::to_string(url->port) +
                        "\r\nUser-Agent: " + opts.user_agent + "\r\nConnection: close\r\n\r\n";
      const auto res = co_await http_request(h, url->port, false, std::move(req));
      if (res.ok && res.status == 200) {
        const auto d = proto::parse_upnp_description(std::string_view(res.raw).substr(res.head_len));
        if (d.valid) {
          if (!d.manufacturer.empty()) s.info.emplace_back("manufacturer", printable(d.manufacturer, 80));
          if (!d.model_name.empty()) s.info.emplace_back("model", printable(d.model_name, 80));
          if (!d.model_number.empty()) s.info.emplace_back("model_number", printable(d.model_number, 40));
          if (!d.friendly_name.empty()) s.info.emplace_back("name", printable(d.friendly_name, 80));
          if (!d.device_type.empty()) s.info.emplace_back("device_type", printable(d.device_type, 120));
        } else {
          s.info.emplace_back("description", "unreadable: " + printable(d.error, 80));
        }
      }
    }
  }
  if (products && !a.server.empty())
    if (auto p = products->match("upnp", a.server)) {
      s.product = p->name;
      s.version = p->version;
      s.cpe = p->cpe;
    }
  emit_service(h, s);
  FindingRecord f;
  f.id = "upnp-exposed";
  f.evidence = {{"answer", "M-SEARCH answered"}};
  if (!a.server.empty()) f.evidence.emplace_back("server", printable(a.server));
  emit_finding(h, s, f);
}

}  // namespace sekisho::scan
