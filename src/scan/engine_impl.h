#pragma once
// Engine internals shared by engine.cpp (scheduling) and probes.cpp (one coroutine per
// service). Not part of the library's interface.
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "scan/credentials.h"
#include "scan/engine.h"
#include "scan/loop.h"

namespace sekisho::scan {

// Resumes one awaiter when `count` falls to zero.
class WaitGroup {
 public:
  void add(size_t n = 1) { count_ += n; }
  void done(Loop& loop) {
    if (--count_ == 0 && waiter_) loop.post(std::exchange(waiter_, {}));
  }
  struct Awaiter {
    WaitGroup* g;
    bool await_ready() const { return g->count_ == 0; }
    void await_suspend(std::coroutine_handle<> h) { g->waiter_ = h; }
    void await_resume() const {}
  };
  Awaiter wait() { return Awaiter{this}; }

 private:
  size_t count_ = 0;
  std::coroutine_handle<> waiter_;
};

// The credentials of one service, shared by its login workers: each takes the next one;
// the first success ends the list for all.
struct LoginPool {
  std::vector<const Credential*> list;
  size_t next = 0;
  size_t limit = 0;  // 0: the whole list
  const Credential* winner = nullptr;
  WaitGroup wg;
};

// Per-address state while it is scanned.
struct Host {
  core::IpAddr ip;
  uint64_t index = 0;
  Gate gate;  // per-device connection cap
  bool down = false;
  bool any_answer = false;
  int timeouts_in_row = 0;
  HostSummary summary;
  std::string ip_text;
  Host(const core::IpAddr& a, uint64_t i, size_t per_device)
      : ip(a), index(i), gate(per_device), ip_text(a.to_string()) {
    summary.ip = a;
    summary.index = i;
  }
};

struct Engine::Impl {
  Impl(ScanOptions o, const CredentialSet* c, const VulnDb* v, const proto::ProductMatcher* p, ResultSink& s);
  ~Impl();

  ScanOptions opts;
  const CredentialSet* creds;
  const VulnDb* vulns;
  const proto::ProductMatcher* products;
  ResultSink& sink;
  Loop loop;
  Pacer pacer;
  Gate fds;
  Gate hosts;
  SSL_CTX* tls_ctx = nullptr;
  ScanStats stats;

  Task<> feed(const TargetSet& targets, const std::function<bool(uint64_t)>& skip);
  Task<> scan_host(core::IpAddr ip, uint64_t index);
  Task<> tcp_port(Host& h, uint16_t port, WaitGroup& wg);
  Task<> udp_port(Host& h, uint16_t port, WaitGroup& wg);

  // A paced connect with the descriptor pool and retries; 0 or an errno. The caller holds
  // the host's gate.
  Task<int> open(Host& h, Conn& c, uint16_t port, bool udp);
  void release(Conn& c);  // closes and gives the descriptor back

  // Service handlers (probes.cpp). `c` is connected (and in TLS when s.tls).
  Task<> identify(Host& h, Conn& c, ServiceRecord& s);
  Task<> telnet(Host& h, Conn& c, ServiceRecord& s);
  Task<> ssh(Host& h, Conn& c, ServiceRecord& s);
  Task<> ftp(Host& h, Conn& c, ServiceRecord& s);
  Task<> http(Host& h, Conn& c, ServiceRecord& s);
  Task<> rtsp(Host& h, Conn& c, ServiceRecord& s);
  Task<> mqtt(Host& h, Conn& c, ServiceRecord& s);
  Task<> snmp(Host& h, uint16_t port);
  Task<> coap(Host& h, uint16_t port);
  Task<> ssdp(Host& h, uint16_t port);

  // Reconnects for another attempt on the same service (TLS again when s.tls).
  Task<bool> reopen(Host& h, Conn& c, const ServiceRecord& s);
  // One HTTP(S) request on a fresh connection: the response head and up to 64 KiB of body.
  struct HttpResult {
    bool ok = false;
    int status = 0;
    std::string raw;  // head + body as read
    size_t head_len = 0;
  };
  Task<HttpResult> http_request(Host& h, uint16_t port, bool tls, std::string request);

  void emit_service(Host& h, ServiceRecord& s);
  void emit_finding(Host& h, const ServiceRecord& s, FindingRecord f);
  void match_vulns(Host& h, const ServiceRecord& s);
  bool want_logins() const { return opts.credentials && creds != nullptr; }

  // Login pools: up to `per_device` workers, each on its own connection (the host's gate
  // counts them), all drawing from one list.
  void start_pool(LoginPool& pool, std::string_view service) const;
  size_t pool_workers(const LoginPool& pool) const;
  const Credential* take(LoginPool& pool);  // nullptr: stop (found, list done, stopping)
  bool pool_done(const LoginPool& pool) const;
  // An extra worker's slot on the device: polls the gate (never blocks on it, so workers
  // waiting for slots cannot hold up the probes that own them); false when the list ran out.
  Task<bool> join_pool(Host& h, const LoginPool& pool);
  void count_attempt(Host& h);
  // Records the first success as a default-credentials finding; later ones are ignored.
  void login_succeeded(Host& h, const ServiceRecord& s, LoginPool& pool, const Credential* cred, std::string evidence);
  uint64_t probe_errors = 0;
  std::string_view info(const ServiceRecord& s, std::string_view key) const;
};

// Printable form of untrusted text for records: control bytes as '.', at most `max` chars.
std::string printable(std::string_view s, size_t max = 160);

}  // namespace sekisho::scan
