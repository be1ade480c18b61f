// The coroutine loop and the scan engine against servers on loopback (this process's own
// threads), so no namespace and no root are needed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "scan/loop.h"

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

}  // namespace
}  // namespace sekisho::scan
