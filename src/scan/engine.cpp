#include "scan/engine.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

#include "scan/credentials.h"
#include "scan/engine_impl.h"
#include "scan/proto/products.h"
#include "scan/vulns.h"

namespace sekisho::scan {

namespace {

size_t descriptor_budget(size_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {  // take what the hard limit allows
      rlimit up = rl;
      up.rlim_cur = rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &up) == 0) rl = up;
    }
    const size_t avail = rl.rlim_cur > 128 ? size_t(rl.rlim_cur) - 64 : 32;
    return wanted ? std::min(wanted, avail) : std::min<size_t>(avail, 8192);
  }
  return wanted ? wanted : 960;
}

// Addresses in progress at once: silent addresses hold their slots for a connect timeout
// (twice with the retry), so keeping `rate` new connections a second flowing takes about
// rate x 2 x timeout of them; never more than the descriptors allow.
size_t host_budget(const ScanOptions& o, size_t fds) {
  if (o.max_hosts) return o.max_hosts;
  const double want = o.rate * 2.0 * double(o.connect_timeout_ms) / 1000.0;
  const size_t cap = std::max<size_t>(1, fds / std::max<size_t>(1, o.per_device));
  return std::clamp<size_t>(size_t(want), std::min<size_t>(256, cap), cap);
}

}  // namespace

std::string printable(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char ch : s) {
    if (out.size() >= max) break;
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\r' || c == '\n' || c == '\t')
      out += ' ';
    else
      out += (c >= 0x20 && c < 0x7f) ? ch : '.';
  }
  // Collapse runs of blanks so banners read on one line.
  std::string tidy;
  for (char ch : out)
    if (!(ch == ' ' && !tidy.empty() && tidy.back() == ' ')) tidy += ch;
  while (!tidy.empty() && tidy.back() == ' ') tidy.pop_back();
  return tidy;
}

Engine::Impl::Impl(ScanOptions o, const CredentialSet* c, const VulnDb* v, const proto::ProductMatcher* p,
                   ResultSink& s)
    : opts(std::move(o)),
      creds(c),
      vulns(v),
      products(p),
      sink(s),
      pacer(opts.rate),
      fds(descriptor_budget(opts.max_fds)),
      hosts(host_budget(opts, fds.free())) {
  loop.set_worker_threads(std::clamp<size_t>(std::max(opts.ssh_threads, opts.per_device), 1, 32));
  tls_ctx = SSL_CTX_new(TLS_client_method());
  if (tls_ctx) {
    SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, nullptr);  // devices' certificates are self-signed
    SSL_CTX_set_min_proto_version(tls_ctx, TLS1_VERSION);
  }
}

Engine::Impl::~Impl() {
  if (tls_ctx) SSL_CTX_free(tls_ctx);
}

Engine::Engine(ScanOptions opts, const CredentialSet* creds, const VulnDb* vulns, const proto::ProductMatcher* products,
               ResultSink& sink)
    : impl_(std::make_unique<Impl>(std::move(opts), creds, vulns, products, sink)) {}

Engine::~Engine() = default;

void Engine::request_stop() { impl_->loop.request_stop(); }
int Engine::stop_fd() const { return impl_->loop.stop_fd(); }

ScanStats Engine::run(const TargetSet& targets, const std::function<bool(uint64_t)>& skip) {
  impl_->loop.poll_stop();
  impl_->loop.spawn(impl_->feed(targets, skip));
  impl_->loop.run();
  impl_->stats.task_errors = impl_->loop.task_errors() + impl_->probe_errors;
  impl_->stats.interrupted = impl_->loop.stopping();
  return impl_->stats;
}

Task<> Engine::Impl::feed(const TargetSet& targets, const std::function<bool(uint64_t)>& skip) {
  for (uint64_t i = 0; i < targets.size(); ++i) {
    if (loop.stopping()) break;
    if (skip && skip(i)) continue;
    co_await hosts.enter();
    if (loop.stopping()) {
      hosts.leave(loop);
      break;
    }
    loop.spawn(scan_host(targets.at(i), i));
  }
}

Task<> Engine::Impl::scan_host(core::IpAddr ip, uint64_t index) {
  Host h(ip, index, std::max<size_t>(1, opts.per_device));
  WaitGroup wg;
  // Likely-open ports first, so a dead address is noticed after a few probes.
  std::vector<uint16_t> tcp = opts.ports.tcp;
  static constexpr uint16_t kFirst[] = {80, 23, 22, 443, 8080, 21, 554, 1883};
  std::stable_sort(tcp.begin(), tcp.end(), [](uint16_t a, uint16_t b) {
    auto rank = [](uint16_t p) {
      for (size_t i = 0; i < std::size(kFirst); ++i)
        if (kFirst[i] == p) return int(i);
      return int(std::size(kFirst));
    };
    return rank(a) < rank(b);
  });
  for (uint16_t p : tcp) {
    wg.add();
    loop.spawn(tcp_port(h, p, wg));
  }
  for (uint16_t p : opts.ports.udp) {
    wg.add();
    loop.spawn(udp_port(h, p, wg));
  }
  co_await wg.wait();
  h.summary.up = h.any_answer;
  h.summary.interrupted = loop.stopping();
  ++stats.hosts_done;
  if (h.summary.up) ++stats.hosts_up;
  sink.host_done(h.summary);
  hosts.leave(loop);
}

Task<int> Engine::Impl::open(Host& h, Conn& c, uint16_t port, bool udp) {
  int rc = ETIMEDOUT;
  for (int attempt = 0; attempt <= (udp ? 0 : opts.connect_retries); ++attempt) {
    if (loop.stopping() || h.down) co_return ECANCELED;
    co_await pacer.next(loop);
    if (loop.stopping()) co_return ECANCELED;
    co_await fds.enter();
    if (udp)
      ++stats.datagrams;
    else
      ++stats.connects;
    rc = co_await c.sock.connect(h.ip, port, udp, opts.connect_timeout_ms);
    if (rc == 0) co_return 0;  // the caller releases the descriptor
    fds.leave(loop);
    if (rc != ETIMEDOUT) break;
  }
  co_return rc;
}

void Engine::Impl::release(Conn& c) {
  if (c.sock.open()) {
    c.sock.close();
    fds.leave(loop);
  }
  c.in.clear();
  c.eof = false;
  c.overflow = false;
}

Task<> Engine::Impl::tcp_port(Host& h, uint16_t port, WaitGroup& wg) {
  co_await h.gate.enter();
  Conn c(loop);
  try {
    int rc = ECANCELED;
    if (!h.down) rc = co_await open(h, c, port, false);
    if (rc == 0) {
      h.any_answer = true;
      h.timeouts_in_row = 0;
      ++h.summary.open_ports;
      ++stats.open_tcp;
      ServiceRecord s;
      s.ip = h.ip;
      s.port = port;
      s.proto = Proto::kTcp;
      co_await identify(h, c, s);
    } else if (rc == ECONNREFUSED) {
      h.any_answer = true;
      h.timeouts_in_row = 0;
    } else if (rc == EHOSTUNREACH || rc == ENETUNREACH || rc == EHOSTDOWN) {
      h.down = true;  // nobody answers ARP/NDP: the other ports need not wait
    } else if (rc == ETIMEDOUT && !h.any_answer && ++h.timeouts_in_row >= 4) {
      h.down = true;  // four silent ports and no sign of life: treat the address as down
    }
  } catch (...) {
    release(c);
    h.gate.leave(loop);
    wg.done(loop);
    throw;
  }
  release(c);
  h.gate.leave(loop);
  wg.done(loop);
}

Task<> Engine::Impl::udp_port(Host& h, uint16_t port, WaitGroup& wg) {
  co_await h.gate.enter();
  try {
    if (!h.down) {
      if (port == 161)
        co_await snmp(h, port);
      else if (port == 5683)
        co_await coap(h, port);
      else if (port == 1900)
        co_await ssdp(h, port);
      // Other UDP ports have no probe: a silent UDP port says nothing about the device.
    }
  } catch (...) {
    h.gate.leave(loop);
    wg.done(loop);
    throw;
  }
  h.gate.leave(loop);
  wg.done(loop);
}

void Engine::Impl::start_pool(LoginPool& pool, std::string_view service) const {
  pool.list = creds ? creds->for_service(service) : std::vector<const Credential*>{};
  pool.limit = opts.max_logins_per_service;
}

size_t Engine::Impl::pool_workers(const LoginPool& pool) const {
  const size_t n = pool.limit ? std::min(pool.limit, pool.list.size()) : pool.list.size();
  return std::max<size_t>(1, std::min(opts.per_device, n));
}

const Credential* Engine::Impl::take(LoginPool& pool) {
  if (pool.winner || loop.stopping() || pool.next >= pool.list.size()) return nullptr;
  if (pool.limit && pool.next >= pool.limit) return nullptr;
  return pool.list[pool.next++];
}

bool Engine::Impl::pool_done(const LoginPool& pool) const {
  return pool.winner || loop.stopping() || pool.next >= pool.list.size() || (pool.limit && pool.next >= pool.limit);
}

Task<bool> Engine::Impl::join_pool(Host& h, const LoginPool& pool) {
  for (;;) {
    if (pool_done(pool)) co_return false;
    if (h.gate.try_enter()) co_return true;
    co_await loop.sleep_ms(25);
  }
}

void Engine::Impl::count_attempt(Host& h) {
  ++h.summary.logins_tried;
  ++stats.logins;
}

void Engine::Impl::login_succeeded(Host& h, const ServiceRecord& s, LoginPool& pool, const Credential* cred,
                                   std::string evidence) {
  if (pool.winner) return;
  pool.winner = cred;
  FindingRecord f;
  f.id = "default-credentials";
  f.credential_id = cred->id;
  f.evidence = {{"login", std::move(evidence)}};
  emit_finding(h, s, std::move(f));
}

std::string_view Engine::Impl::info(const ServiceRecord& s, std::string_view key) const {
  for (const auto& [k, v] : s.info)
    if (k == key) return v;
  return {};
}

void Engine::Impl::emit_service(Host& h, ServiceRecord& s) {
  if (products && s.product.empty()) {
    // The banner or server header names the product more often than not.
    const std::string_view text = !s.banner.empty() ? std::string_view(s.banner) : info(s, "server");
    if (!text.empty())
      if (auto p = products->match(s.service, text)) {
        s.product = p->name;
        s.version = p->version;
        s.cpe = p->cpe;
      }
  }
  s.time_ms = loop.now_ms();
  ++stats.services;
  sink.service(s);
  (void)h;
  match_vulns(h, s);
}

void Engine::Impl::emit_finding(Host& h, const ServiceRecord& s, FindingRecord f) {
  f.ip = h.ip;
  f.port = s.port;
  f.proto = s.proto;
  f.service = s.service;
  if (f.confidence.empty()) f.confidence = "confirmed";
  f.time_ms = loop.now_ms();
  ++h.summary.findings;
  ++stats.findings;
  sink.finding(f);
}

void Engine::Impl::match_vulns(Host& h, const ServiceRecord& s) {
  if (!vulns || s.cpe.empty() || s.version.empty()) return;
  for (const VulnMatch& m : vulns->match(s.cpe, s.version)) {
    // An active check can clear a version-only match: Terrapin needs a server without
    // strict key exchange, which the KEXINIT we read shows.
    if (m.rule->check == "ssh-strict-kex" && info(s, "strict_kex") == "yes") continue;
    FindingRecord f;
    f.id = "vulnerable-version";
    f.advisory = m.rule->id;
    f.severity = m.rule->severity;
    f.confidence = m.confidence.empty() ? "version" : m.confidence;
    f.evidence = {{"product", s.product}, {"version", s.version}, {"advisory", m.rule->id}};
    if (!m.rule->summary.empty()) f.evidence.emplace_back("summary", printable(m.rule->summary, 240));
    emit_finding(h, s, std::move(f));
  }
}

}  // namespace sekisho::scan
