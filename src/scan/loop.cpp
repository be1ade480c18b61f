#include "scan/loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sekisho::scan {

namespace {

uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec);
}

// Fire-and-forget wrapper: starts at once, frees itself at the end.
struct Detached {
  struct promise_type {
    Detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

}  // namespace

// Defined as a member-like free function with access through friend-free public counters.
struct LoopAccess {
  static Detached run(Loop* loop, Task<> t, size_t* live, uint64_t* errors, std::string* last) {
    try {
      co_await std::move(t);
    } catch (const std::exception& e) {
      ++*errors;
      *last = e.what();
    } catch (...) {
      ++*errors;
      *last = "unknown exception";
    }
    (void)loop;
    --*live;
  }
};

Loop::Loop() {
  t0_ns_ = mono_ns();
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  done_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  stop_watch_.fd = stop_fd_;
  done_watch_.fd = done_fd_;
  add_fd(stop_watch_);
  add_fd(done_watch_);
}

Loop::~Loop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  if (epfd_ >= 0) ::close(epfd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  if (done_fd_ >= 0) ::close(done_fd_);
}

uint64_t Loop::now_ms() const { return (mono_ns() - t0_ns_) / 1000000ULL; }

void Loop::request_stop() {
  uint64_t one = 1;
  ssize_t n = ::write(stop_fd_, &one, sizeof one);
  (void)n;
}

void Loop::poll_stop() {
  uint64_t v;
  bool asked = false;
  while (::read(stop_fd_, &v, sizeof v) > 0) asked = true;
  if (!asked || stopping_) return;
  stopping_ = true;
  // Draining: every wait in progress ends within kDrainMs, so a stopped scan is done
  // within about a second instead of at its longest login timeout.
  drain_deadline_ = now_ms() + kDrainMs;
  for (HeapEntry& e : heap_) e.deadline = std::min(e.deadline, drain_deadline_);
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void Loop::spawn(Task<> t) {
  ++live_;
  LoopAccess::run(this, std::move(t), &live_, &task_errors_, &last_error_);
}

bool Loop::add_fd(FdWatch& w) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &w;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, w.fd, &ev) == 0;
}

void Loop::remove_fd(FdWatch& w) {
  if (w.fd >= 0) epoll_ctl(epfd_, EPOLL_CTL_DEL, w.fd, nullptr);
}

uint32_t Loop::arm_timer(Wait* w, uint64_t deadline_ms) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = uint32_t(slots_.size());
    slots_.push_back({});
  }
  slots_[slot].wait = w;
  if (stopping_) deadline_ms = std::min(deadline_ms, drain_deadline_);
  heap_.push_back({deadline_ms, slot, slots_[slot].gen});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  return slot;
}

void Loop::cancel_timer(uint32_t slot) {
  if (slot == UINT32_MAX) return;
  slots_[slot].wait = nullptr;
  ++slots_[slot].gen;
  free_slots_.push_back(slot);
}

void Loop::fire_timers() {
  const uint64_t now = now_ms();
  while (!heap_.empty() && heap_.front().deadline <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    HeapEntry e = heap_.back();
    heap_.pop_back();
    TimerSlot& s = slots_[e.slot];
    if (s.gen != e.gen || s.wait == nullptr) continue;  // cancelled
    Wait* w = s.wait;
    cancel_timer(e.slot);
    w->timer_slot = UINT32_MAX;
    w->timed_out = true;
    if (w->owner) *w->owner = nullptr;
    w->handle.resume();
  }
}

void Loop::SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  wait.handle = h;
  wait.timer_slot = loop->arm_timer(&wait, until_ms);
}

void Loop::FdAwaiter::await_suspend(std::coroutine_handle<> h) {
  wait.handle = h;
  Wait** slot = for_write ? &w->writer : &w->reader;
  *slot = &wait;
  wait.owner = slot;
  wait.timer_slot = loop->arm_timer(&wait, deadline_ms);
}

void Loop::BlockingAwaiter::await_suspend(std::coroutine_handle<> h) {
  handle = h;
  {
    std::lock_guard<std::mutex> lock(loop->mu_);
    if (loop->workers_.empty())
      for (size_t i = 0; i < std::max<size_t>(1, loop->worker_count_); ++i)
        loop->workers_.emplace_back([l = loop] { l->worker_main(); });
    loop->jobs_.push_back(this);
  }
  loop->cv_.notify_one();
  ++loop->live_blocking_;
}

void Loop::worker_main() {
  for (;;) {
    BlockingAwaiter* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return shutting_down_ || !jobs_.empty(); });
      if (shutting_down_ && jobs_.empty()) return;
      job = jobs_.front();
      jobs_.pop_front();
    }
    try {
      job->job();
    } catch (...) {  // the job reports its own errors; nothing may escape a worker
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      completed_.push_back(job->handle);
    }
    uint64_t one = 1;
    ssize_t n = ::write(done_fd_, &one, sizeof one);
    (void)n;
  }
}

void Loop::drain_completions() {
  uint64_t v;
  while (::read(done_fd_, &v, sizeof v) > 0) {
  }
  std::vector<std::coroutine_handle<>> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(completed_);
  }
  for (auto h : done) {
    --live_blocking_;
    h.resume();
  }
}

void Loop::post(std::coroutine_handle<> h) { ready_.push_back(h); }

void Loop::run() {
  epoll_event evs[256];
  while (live_ > 0) {
    while (!ready_.empty()) {
      auto h = ready_.front();
      ready_.pop_front();
      h.resume();
    }
    fire_timers();
    if (live_ == 0) break;
    if (!ready_.empty()) continue;
    int timeout = -1;
    if (!heap_.empty()) {
      const uint64_t now = now_ms();
      timeout = heap_.front().deadline <= now ? 0 : int(std::min<uint64_t>(heap_.front().deadline - now, 1000));
    }
    int n = epoll_wait(epfd_, evs, 256, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      auto* w = static_cast<FdWatch*>(evs[i].data.ptr);
      if (w == &stop_watch_) {
        poll_stop();  // (it is always writable too: only a read value counts)
        continue;
      }
      if (w == &done_watch_) {
        drain_completions();
        continue;
      }
      const uint32_t e = evs[i].events;
      const bool err = (e & (EPOLLERR | EPOLLHUP)) != 0;
      // Detach both waits before resuming either: a resumed coroutine may close the socket
      // and free `w`.
      Wait* r = ((e & (EPOLLIN | EPOLLRDHUP)) || err) ? w->reader : nullptr;
      Wait* wr = ((e & EPOLLOUT) || err) ? w->writer : nullptr;
      if (r) w->reader = nullptr;
      if (wr) w->writer = nullptr;
      for (Wait* x : {r, wr}) {
        if (!x) continue;
        cancel_timer(x->timer_slot);
        x->timer_slot = UINT32_MAX;
      }
      if (r) r->handle.resume();
      if (wr) wr->handle.resume();
    }
  }
}

// ---------------------------------------------------------------------------------------
void Gate::leave(Loop& loop) {
  if (!waiters_.empty()) {
    auto h = waiters_.front();
    waiters_.pop_front();
    loop.post(h);  // the slot passes straight to the waiter
  } else {
    ++free_;
  }
}

Loop::SleepAwaiter Pacer::next(Loop& loop) {
  if (interval_us_ == 0) return loop.sleep_until(0);
  const uint64_t now_us = loop.now_ms() * 1000;
  const uint64_t t = std::max(now_us, next_us_);
  next_us_ = t + interval_us_;
  return loop.sleep_until(t / 1000);
}

// ---------------------------------------------------------------------------------------
Socket::~Socket() { close(); }

void Socket::close() {
  if (ssl_) {
    SSL_free(ssl_);  // no close_notify: we leave without another byte
    ssl_ = nullptr;
  }
  if (w_.fd >= 0) {
    loop_->remove_fd(w_);
    ::close(w_.fd);
    w_.fd = -1;
  }
}

Task<int> Socket::connect(const core::IpAddr& ip, uint16_t port, bool udp, uint64_t timeout_ms) {
  close();
  const int family = ip.is_v4() ? AF_INET : AF_INET6;
  int fd = ::socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) co_return errno;
  if (!udp) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  sockaddr_storage ss{};
  socklen_t len;
  if (ip.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    std::memcpy(&sa->sin_addr, ip.b.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(port);
    std::memcpy(&sa->sin6_addr, ip.b.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  w_.fd = fd;
  if (!loop_->add_fd(w_)) {
    int e = errno;
    ::close(fd);
    w_.fd = -1;
    co_return e;
  }
  const uint64_t deadline = loop_->now_ms() + timeout_ms;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) co_return 0;
  if (errno != EINPROGRESS) {
    int e = errno;
    close();
    co_return e;
  }
  if (!co_await loop_->writable(w_, deadline)) {
    close();
    co_return ETIMEDOUT;
  }
  int err = 0;
  socklen_t el = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
  if (err != 0) close();
  co_return err;
}

Task<long> Socket::read_some(uint8_t* buf, size_t cap, uint64_t deadline_ms) {
  if (w_.fd < 0) co_return -EBADF;
  for (;;) {
    long n;
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_read(ssl_, buf, int(std::min<size_t>(cap, 1 << 30)));
      if (r > 0) {
        received_ += uint64_t(r);
        co_return r;
      }
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_ZERO_RETURN) co_return 0;
      if (e == SSL_ERROR_WANT_READ) {
        if (!co_await loop_->readable(w_, deadline_ms)) co_return -ETIMEDOUT;
        continue;
      }
      if (e == SSL_ERROR_WANT_WRITE) {
        if (!co_await loop_->writable(w_, deadline_ms)) co_return -ETIMEDOUT;
        continue;
      }
      co_return e == SSL_ERROR_SYSCALL&& errno == 0 ? 0 : -EPROTO;
    }
    n = ::recv(w_.fd, buf, cap, 0);
    if (n >= 0) {
      received_ += uint64_t(n);
      co_return n;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return -errno;
    if (!co_await loop_->readable(w_, deadline_ms)) co_return -ETIMEDOUT;
  }
}

Task<bool> Socket::write_all(std::string_view data, uint64_t deadline_ms) {
  if (w_.fd < 0) co_return false;
  size_t off = 0;
  while (off < data.size()) {
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_write(ssl_, data.data() + off, int(std::min<size_t>(data.size() - off, 1 << 30)));
      if (r > 0) {
        off += size_t(r);
        sent_ += uint64_t(r);
        continue;
      }
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_WRITE) {
        if (!co_await loop_->writable(w_, deadline_ms)) co_return false;
        continue;
      }
      if (e == SSL_ERROR_WANT_READ) {
        if (!co_await loop_->readable(w_, deadline_ms)) co_return false;
        continue;
      }
      co_return false;
    }
    long n = ::send(w_.fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += size_t(n);
      sent_ += uint64_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!co_await loop_->writable(w_, deadline_ms)) co_return false;
      continue;
    }
    co_return false;
  }
  co_return true;
}

Task<bool> Socket::start_tls(SSL_CTX* ctx, uint64_t deadline_ms) {
  if (w_.fd < 0 || ctx == nullptr) co_return false;
  ssl_ = SSL_new(ctx);
  if (!ssl_) co_return false;
  SSL_set_fd(ssl_, w_.fd);
  SSL_set_connect_state(ssl_);
  for (;;) {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    if (r == 1) co_return true;
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ) {
      if (!co_await loop_->readable(w_, deadline_ms)) co_return false;
    } else if (e == SSL_ERROR_WANT_WRITE) {
      if (!co_await loop_->writable(w_, deadline_ms)) co_return false;
    } else {
      SSL_free(ssl_);
      ssl_ = nullptr;
      co_return false;
    }
  }
}

std::string Socket::tls_version() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

// ---------------------------------------------------------------------------------------
Task<bool> Conn::read_more(uint64_t deadline_ms) {
  if (eof || overflow) co_return false;
  uint8_t buf[4096];
  const size_t room = max_bytes_ > in.size() ? max_bytes_ - in.size() : 0;
  if (room == 0) {
    overflow = true;
    co_return false;
  }
  long n = co_await sock.read_some(buf, std::min(room, sizeof buf), deadline_ms);
  if (n > 0) {
    in.append(reinterpret_cast<const char*>(buf), size_t(n));
    co_return true;
  }
  if (n == 0 || n != -ETIMEDOUT) eof = true;
  co_return false;
}

Task<bool> Conn::read_until(std::function<bool(std::string_view)> done, uint64_t deadline_ms) {
  for (;;) {
    if (done(in)) co_return true;
    if (loop_->now_ms() >= deadline_ms) co_return false;
    const bool more = co_await read_more(deadline_ms);
    if (!more) break;
  }
  co_return done(in);
}

}  // namespace sekisho::scan
