// The coroutine loop and the scan engine against servers on loopback (this process's own
// threads), so no namespace and no root are needed.
#include "scan/engine.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "scan/credentials.h"
#include "scan/findings.h"
#include "scan/loop.h"
#include "scan/proto/products.h"
#include "scan/report.h"
#include "scan/vulns.h"

namespace sekisho::scan {
namespace {

// A one-shot TCP server on 127.0.0.1: accepts `n` connections and runs `fn` on each.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(int)> fn, int n = 1) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    ::listen(fd_, 16);
    th_ = std::thread([this, fn, n] {
      for (int i = 0; i < n; ++i) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        fn(c);
        ::close(c);
      }
    });
  }
  ~LoopbackServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    th_.join();
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread th_;
};

core::IpAddr loopback() { return *core::IpAddr::parse("127.0.0.1"); }

TEST(Loop, SleepsRunInDeadlineOrder) {
  Loop loop;
  std::vector<int> order;
  auto sleeper = [&](int id, uint64_t ms) -> Task<> {
    co_await loop.sleep_ms(ms);
    order.push_back(id);
  };
  loop.spawn(sleeper(1, 30));
  loop.spawn(sleeper(2, 10));
  loop.spawn(sleeper(3, 20));
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{2, 3, 1}));
  EXPECT_EQ(loop.live_tasks(), 0u);
}

TEST(Loop, NestedTasksReturnValues) {
  Loop loop;
  int got = 0;
  auto inner = [&](int x) -> Task<int> {
    co_await loop.sleep_ms(1);
    co_return x * 2;
  };
  auto outer = [&]() -> Task<> {
    int sum = 0;
    for (int i = 0; i < 1000; ++i) sum += co_await inner(i);
    got = sum;
  };
  loop.spawn(outer());
  loop.run();
  EXPECT_EQ(got, 999000);
}

TEST(Loop, ExceptionInTaskIsCountedNotFatal) {
  Loop loop;
  auto bad = [&]() -> Task<> {
    co_await loop.sleep_ms(1);
    throw std::runtime_error("boom");
  };
  loop.spawn(bad());
  loop.run();
  EXPECT_EQ(loop.task_errors(), 1u);
  EXPECT_EQ(loop.last_task_error(), "boom");
}

TEST(Loop, GateCapsConcurrency) {
  Loop loop;
  Gate gate(2);
  int inside = 0, peak = 0;
  auto worker = [&]() -> Task<> {
    co_await gate.enter();
    ++inside;
    peak = std::max(peak, inside);
    co_await loop.sleep_ms(5);
    --inside;
    gate.leave(loop);
  };
  for (int i = 0; i < 10; ++i) loop.spawn(worker());
  loop.run();
  EXPECT_EQ(peak, 2);
  EXPECT_EQ(gate.free(), 2u);
}

TEST(Socket, ConnectReadWriteOnLoopback) {
  LoopbackServer srv([](int c) {
    const char hello[] = "SSH-2.0-test\r\n";
    ::send(c, hello, sizeof hello - 1, 0);
    char buf[64];
    ssize_t n = ::recv(c, buf, sizeof buf, 0);
    if (n > 0) ::send(c, buf, size_t(n), 0);
  });
  Loop loop;
  std::string banner, echo;
  int rc = -1;
  auto probe = [&]() -> Task<> {
    Conn c(loop);
    rc = co_await c.sock.connect(loopback(), srv.port(), false, 1000);
    if (rc != 0) co_return;
    co_await c.read_until([](std::string_view s) { return s.find('\n') != std::string_view::npos; },
                          loop.now_ms() + 1000);
    banner = c.in;
    c.in.clear();
    co_await c.sock.write_all("ping", loop.now_ms() + 1000);
    co_await c.read_until([](std::string_view s) { return s.size() >= 4; }, loop.now_ms() + 1000);
    echo = c.in;
  };
  loop.spawn(probe());
  loop.run();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(banner, "SSH-2.0-test\r\n");
  EXPECT_EQ(echo, "ping");
}

TEST(Socket, RefusedAndTimeouts) {
  Loop loop;
  int refused = -1;
  // A port nobody listens on: bind then close to get a free one.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  getsockname(s, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(s);
  auto probe = [&]() -> Task<> { refused = co_await Socket(loop).connect(loopback(), ntohs(sa.sin_port), false, 500); };
  loop.spawn(probe());
  loop.run();
  EXPECT_EQ(refused, ECONNREFUSED);

  // A silent server: the read ends at its deadline.
  std::atomic<bool> release{false};
  LoopbackServer silent([&](int) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  Loop loop2;
  long n = 0;
  uint64_t waited = 0;
  auto reader = [&]() -> Task<> {
    Socket sock(loop2);
    if (co_await sock.connect(loopback(), silent.port(), false, 500) != 0) co_return;
    uint8_t buf[16];
    const uint64_t t0 = loop2.now_ms();
    n = co_await sock.read_some(buf, sizeof buf, t0 + 100);
    waited = loop2.now_ms() - t0;
  };
  loop2.spawn(reader());
  loop2.run();
  release = true;
  EXPECT_EQ(n, -ETIMEDOUT);
  EXPECT_GE(waited, 100u);
  EXPECT_LT(waited, 1000u);
}

TEST(Socket, ByteCapStopsEndlessBanner) {
  LoopbackServer endless([](int c) {
    std::string chunk(4096, 'A');
    for (int i = 0; i < 1000; ++i)
      if (::send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
  });
  Loop loop;
  size_t got = 0;
  bool overflow = false;
  auto probe = [&]() -> Task<> {
    Conn c(loop, 16 * 1024);
    if (co_await c.sock.connect(loopback(), endless.port(), false, 500) != 0) co_return;
    co_await c.read_until([](std::string_view) { return false; }, loop.now_ms() + 2000);
    got = c.in.size();
    overflow = c.overflow;
  };
  loop.spawn(probe());
  loop.run();
  EXPECT_EQ(got, 16u * 1024u);
  EXPECT_TRUE(overflow);
}

TEST(Loop, RunBlockingResumesOnLoopThread) {
  Loop loop;
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id job_thread, after;
  auto t = [&]() -> Task<> {
    co_await loop.run_blocking([&] { job_thread = std::this_thread::get_id(); });
    after = std::this_thread::get_id();
  };
  loop.spawn(t());
  loop.run();
  EXPECT_NE(job_thread, loop_thread);
  EXPECT_EQ(after, loop_thread);
}

// ---------------------------------------------------------------------------------------
// The engine against fake devices on loopback (the command refuses loopback targets; the
// engine takes any TargetSet, which is what lets these tests run without namespaces).

struct Collected : ResultSink {
  std::vector<ServiceRecord> services;
  std::vector<FindingRecord> findings;
  std::vector<HostSummary> hosts;
  void service(const ServiceRecord& s) override { services.push_back(s); }
  void finding(const FindingRecord& f) override { findings.push_back(f); }
  void host_done(const HostSummary& h) override { hosts.push_back(h); }
  const FindingRecord* find(std::string_view id) const {
    for (const auto& f : findings)
      if (f.id == id) return &f;
    return nullptr;
  }
};

CredentialSet test_credentials() {
  auto c = load_credentials_text(R"(
version = "test"
[sources.t]
title = "test"
url = "https://example.invalid/"
date = "2026-11-26"
[[credential]]
id = "t-1"
user = "root"
password = "wrong1"
source = "t"
[[credential]]
id = "t-2"
user = "admin"
password = "wrong2"
source = "t"
[[credential]]
id = "t-3"
user = "root"
password = "vizxv"
source = "t"
[[credential]]
id = "t-4"
user = "admin"
password = "admin"
source = "t"
)",
                                 "test");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  return c.ok() ? std::move(c.value()) : CredentialSet{};
}

std::string read_line(int fd, int timeout_ms = 2000) {
  std::string line;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char ch;
  while (::recv(fd, &ch, 1, 0) == 1) {
    if (ch == '\n') break;
    if (ch != '\r') line += ch;
  }
  return line;
}

// Bytes that arrive within `ms` after a successful login (the test's proof that the engine
// sends nothing more).
size_t bytes_after(int fd, int ms) {
  timeval tv{0, ms * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  size_t total = 0;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    total += size_t(n);
  }
  return total;
}

void send_str(int fd, std::string_view s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

TEST(Engine, TelnetDefaultLoginStopsAtFirstSuccessAndSendsNothingAfter) {
  std::atomic<int> logins{0};
  std::atomic<size_t> after{999};
  // Each connection: negotiation, "login:", up to three tries, like login(1).
  LoopbackServer srv(
      [&](int c) {
        const unsigned char iac[] = {255, 251, 1, 255, 251, 3, 255, 253, 24};  // WILL ECHO, WILL SGA, DO TTYPE
        ::send(c, iac, sizeof iac, MSG_NOSIGNAL);
        for (int tries = 0; tries < 3; ++tries) {
          send_str(c, "\r\nBusyBox v1.35.0 (camera)\r\nlogin: ");
          std::string user = read_line(c);
          // Strip any negotiation answers the client sent before the user name.
          while (!user.empty() && static_cast<unsigned char>(user[0]) == 255) user.erase(0, 3);
          send_str(c, "Password: ");
          const std::string pass = read_line(c);
          ++logins;
          if (user == "root" && pass == "vizxv") {
            send_str(c, "\r\n\r\nBusyBox built-in shell (ash)\r\n~ # ");
            after = bytes_after(c, 300);
            return;
          }
          send_str(c, "\r\nLogin incorrect\r\n");
        }
      },
      3);
  auto creds = test_credentials();
  Collected out;
  ScanOptions opts;
  opts.ports.tcp = {srv.port()};
  opts.ports.udp.clear();
  opts.per_device = 1;
  opts.attempt_gap_ms = 0;
  Engine engine(opts, &creds, nullptr, nullptr, out);
  const auto stats = engine.run(TargetSet::from_addresses({loopback()}));
  ASSERT_EQ(out.services.size(), 1u);
  EXPECT_EQ(out.services[0].service, "telnet");
  const FindingRecord* f = out.find("default-credentials");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->credential_id, "t-3");
  EXPECT_NE(out.find("telnet-open"), nullptr);
  EXPECT_EQ(logins.load(), 3);  // t-1, t-2, t-3 and not t-4
  EXPECT_EQ(after.load(), 0u);
  EXPECT_EQ(stats.logins, 3u);
  EXPECT_EQ(stats.task_errors, 0u);
}

TEST(Engine, HttpBasicOnPlainHttpIsCleartextAndDefaultLogin) {
  std::atomic<int> requests{0};
  LoopbackServer srv(
      [&](int c) {
        std::string head;
        char ch;
        while (head.find("\r\n\r\n") == std::string::npos && ::recv(c, &ch, 1, 0) == 1) head += ch;
        ++requests;
        // admin:admin
        if (head.find("Authorization: Basic YWRtaW46YWRtaW4=") != std::string::npos) {
          send_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        } else {
          send_str(c,
                   "HTTP/1.1 401 Unauthorized\r\nServer: lighttpd/1.4.69\r\nWWW-Authenticate: Basic realm=\"IP Camera\""
                   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
      },
      6);
  auto creds = test_credentials();
  auto products = proto::ProductMatcher::load(proto::default_products_path());
  ASSERT_TRUE(products.ok());
  Collected out;
  ScanOptions opts;
  opts.ports.tcp = {srv.port()};
  opts.ports.udp.clear();
  opts.per_device = 1;
  opts.attempt_gap_ms = 0;
  Engine engine(opts, &creds, nullptr, &products.value(), out);
  engine.run(TargetSet::from_addresses({loopback()}));
  ASSERT_EQ(out.services.size(), 1u);
  EXPECT_EQ(out.services[0].service, "http");
  EXPECT_EQ(out.services[0].product, "lighttpd");
  EXPECT_EQ(out.services[0].version, "1.4.69");
  EXPECT_NE(out.find("cleartext-login"), nullptr);
  const FindingRecord* f = out.find("default-credentials");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->credential_id, "t-4");
  EXPECT_EQ(requests.load(), 5);  // the first GET and t-1..t-4
}

TEST(Engine, StopBeforeRunSendsNothing) {
  std::atomic<int> accepted{0};
  LoopbackServer srv([&](int) { ++accepted; }, 1);
  Collected out;
  ScanOptions opts;
  opts.ports.tcp = {srv.port()};
  opts.ports.udp.clear();
  Engine engine(opts, nullptr, nullptr, nullptr, out);
  engine.request_stop();
  const auto stats = engine.run(TargetSet::from_addresses({loopback()}));
  EXPECT_EQ(stats.connects, 0u);
  EXPECT_TRUE(stats.interrupted);
  EXPECT_EQ(accepted.load(), 0);
  // Unblock the server thread's accept.
  Loop loop;
  auto poke = [&]() -> Task<> { co_await Socket(loop).connect(loopback(), srv.port(), false, 200); };
  loop.spawn(poke());
  loop.run();
}

TEST(Report, FindingJsonCarriesGuidelinesAndAdviceInBothLanguages) {
  auto catalog = FindingCatalog::load(default_findings_path());
  ASSERT_TRUE(catalog.ok()) << catalog.error().message();
  Report report(ReportOptions{}, catalog.value());
  FindingRecord f;
  f.ip = *core::IpAddr::parse("10.0.0.5");
  f.port = 23;
  f.service = "telnet";
  f.id = "default-credentials";
  f.credential_id = "mirai-02";
  f.confidence = "confirmed";
  const auto j = report.finding_json(f);
  EXPECT_NE(j.find("\"severity\":\"critical\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"guidelines\":[\"K"), std::string::npos) << j;
  EXPECT_NE(j.find("\"credential_id\":\"mirai-02\""), std::string::npos);
  EXPECT_NE(j.find("\"advice\":{\"ja\":\""), std::string::npos);
  EXPECT_EQ(j.find("{service}"), std::string::npos);  // placeholders filled
  EXPECT_EQ(cpe_uri("lighttpd:lighttpd", "1.4.69"), "cpe:/a:lighttpd:lighttpd:1.4.69");
}

}  // namespace
}  // namespace sekisho::scan
