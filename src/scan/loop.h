#pragma once
// The scanner's engine room: one thread, one epoll set, C++20 coroutines. A probe is written
// as straight-line code (`co_await sock.connect(...)`, `co_await sock.read(...)`) and thousands
// of them run at once; every wait has a deadline. Nothing here knows about protocols.
#include <openssl/ssl.h>

#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/net.h"

namespace sekisho::scan {

// ---------------------------------------------------------------------------------------
// Task<T>: a lazy coroutine that runs when awaited. A child that finishes without ever
// suspending hands its result back by returning from await_suspend (false: no suspension),
// so a loop of synchronous completions (data already buffered) never deepens the stack;
// one that suspended resumes its awaiter from its final suspension point. GCC does not
// promise that symmetric transfer is a tail call (not at all under ASan), so the usual
// "return the continuation" idiom alone overflowed the stack on a chatty device.
template <typename T>
class Task;

namespace detail {
struct PromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;
  bool done = false;               // reached the final suspension point
  bool awaiter_suspended = false;  // the awaiter's await_suspend returned true
  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto& p = h.promise();
      p.done = true;
      return p.awaiter_suspended && p.continuation ? p.continuation : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() { error = std::current_exception(); }
};

template <typename Promise>
bool start_child(std::coroutine_handle<Promise> child, std::coroutine_handle<> awaiter) {
  auto& p = child.promise();
  p.continuation = awaiter;
  child.resume();
  if (p.done) return false;  // finished inline: go on without suspending
  p.awaiter_suspended = true;
  return true;
}
}  // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
 public:
  struct promise_type : detail::PromiseBase {
    std::optional<T> value;
    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    void return_value(T v) { value = std::move(v); }
  };
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> c) { return detail::start_child(h_, c); }
  T await_resume() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return std::move(*h_.promise().value);
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

template <>
class [[nodiscard]] Task<void> {
 public:
  struct promise_type : detail::PromiseBase {
    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    void return_void() {}
  };
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  Task& operator=(Task&&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> c) { return detail::start_child(h_, c); }
  void await_resume() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

// ---------------------------------------------------------------------------------------
class Loop;

// One suspended coroutine waiting for an fd event, a deadline, or both.
struct Wait {
  std::coroutine_handle<> handle;
  bool timed_out = false;
  uint32_t timer_slot = UINT32_MAX;
  Wait** owner = nullptr;  // the fd slot (reader/writer) that points at this wait
};

// A registered file descriptor: edge-triggered, one reader and one writer at a time.
struct FdWatch {
  int fd = -1;
  Wait* reader = nullptr;
  Wait* writer = nullptr;
};

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Starts `t` now (runs until its first suspension) and owns it until it ends. An exception
  // that escapes a spawned task is counted and reported, never fatal.
  void spawn(Task<> t);
  // Runs until every spawned task has ended.
  void run();
  size_t live_tasks() const { return live_; }
  uint64_t task_errors() const { return task_errors_; }
  std::string last_task_error() const { return last_error_; }

  // Monotonic milliseconds since the loop was made.
  uint64_t now_ms() const;

  // Asks everything to wind down: `stopping()` turns true and every wait, in progress or
  // new, ends within a second (its deadline is cut). Safe from a signal handler (writes an
  // eventfd).
  void request_stop();
  bool stopping() const { return stopping_; }
  // Picks up a stop requested before the loop runs (run() sees later ones itself).
  void poll_stop();
  int stop_fd() const { return stop_fd_; }

  // Awaitables.
  struct SleepAwaiter {
    Loop* loop;
    uint64_t until_ms;
    Wait wait;
    bool await_ready() const { return loop->now_ms() >= until_ms; }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const {}
  };
  SleepAwaiter sleep_ms(uint64_t ms) { return SleepAwaiter{this, now_ms() + ms, {}}; }
  SleepAwaiter sleep_until(uint64_t t) { return SleepAwaiter{this, t, {}}; }

  struct FdAwaiter {
    Loop* loop;
    FdWatch* w;
    bool for_write;
    uint64_t deadline_ms;
    Wait wait;
    bool await_ready() const { return false; }
    void await_suspend(std::coroutine_handle<> h);
    bool await_resume() const { return !wait.timed_out; }  // false: the deadline passed
  };
  // Waits until the fd may be readable/writable again or `deadline_ms` passes.
  FdAwaiter readable(FdWatch& w, uint64_t deadline_ms) { return FdAwaiter{this, &w, false, deadline_ms, {}}; }
  FdAwaiter writable(FdWatch& w, uint64_t deadline_ms) { return FdAwaiter{this, &w, true, deadline_ms, {}}; }

  bool add_fd(FdWatch& w);  // false: epoll_ctl failed (errno set)
  void remove_fd(FdWatch& w);

  // Runs `job` on a worker thread (for blocking libraries such as libssh) and resumes the
  // awaiting coroutine on the loop thread when it returns.
  struct BlockingAwaiter {
    Loop* loop;
    std::function<void()> job;
    std::coroutine_handle<> handle;
    bool await_ready() const { return false; }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const {}
  };
  BlockingAwaiter run_blocking(std::function<void()> job) { return BlockingAwaiter{this, std::move(job), {}}; }
  void set_worker_threads(size_t n) { worker_count_ = n; }

  // Resumes `h` from the loop on its next turn (not inside the caller).
  void post(std::coroutine_handle<> h);

 private:
  friend struct SleepAwaiter;
  friend struct FdAwaiter;
  uint32_t arm_timer(Wait* w, uint64_t deadline_ms);
  void cancel_timer(uint32_t slot);
  void fire_timers();
  void worker_main();
  void drain_completions();

  struct TimerSlot {
    Wait* wait = nullptr;
    uint32_t gen = 0;
  };
  struct HeapEntry {
    uint64_t deadline;
    uint32_t slot;
    uint32_t gen;
    bool operator>(const HeapEntry& o) const { return deadline > o.deadline; }
  };

  int epfd_ = -1;
  int stop_fd_ = -1;
  int done_fd_ = -1;
  uint64_t t0_ns_ = 0;
  bool stopping_ = false;
  static constexpr uint64_t kDrainMs = 1000;
  uint64_t drain_deadline_ = 0;
  size_t live_ = 0;
  uint64_t task_errors_ = 0;
  std::string last_error_;
  std::vector<TimerSlot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<HeapEntry> heap_;
  FdWatch stop_watch_, done_watch_;

  // Worker pool for run_blocking.
  size_t worker_count_ = 4;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BlockingAwaiter*> jobs_;
  std::vector<std::coroutine_handle<>> completed_;
  bool shutting_down_ = false;
  size_t live_blocking_ = 0;
  std::deque<std::coroutine_handle<>> ready_;
};

// ---------------------------------------------------------------------------------------
// Counting semaphore for coroutines (per-device connection cap, descriptor pool).
class Gate {
 public:
  explicit Gate(size_t capacity) : free_(capacity) {}
  struct Awaiter {
    Gate* g;
    bool await_ready() {
      if (g->free_ > 0) {
        --g->free_;
        return true;
      }
      return false;
    }
    void await_suspend(std::coroutine_handle<> h) { g->waiters_.push_back(h); }
    void await_resume() const {}
  };
  Awaiter enter() { return Awaiter{this}; }
  // Takes a slot only if one is free now (never waits).
  bool try_enter() {
    if (free_ == 0 || !waiters_.empty()) return false;
    --free_;
    return true;
  }
  // Hands the slot to the next waiter (resumed later from the loop, not inside this call).
  void leave(Loop& loop);
  size_t free() const { return free_; }

 private:
  size_t free_;
  std::deque<std::coroutine_handle<>> waiters_;
};

// Paces new connections and datagrams: at most `per_second` starts per second overall.
class Pacer {
 public:
  explicit Pacer(double per_second) : interval_us_(per_second > 0 ? uint64_t(1e6 / per_second) : 0) {}
  Loop::SleepAwaiter next(Loop& loop);

 private:
  uint64_t interval_us_;
  uint64_t next_us_ = 0;
};

// ---------------------------------------------------------------------------------------
// A non-blocking TCP or UDP socket with deadlines on every operation, and optional TLS.
class Socket {
 public:
  Socket(Loop& loop) : loop_(&loop) {}  // NOLINT(google-explicit-constructor)
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // 0 on success, else an errno value (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, EMFILE, ...).
  Task<int> connect(const core::IpAddr& ip, uint16_t port, bool udp, uint64_t timeout_ms);
  // > 0 bytes read, 0 end of stream, -ETIMEDOUT at the deadline, -errno on error.
  Task<long> read_some(uint8_t* buf, size_t cap, uint64_t deadline_ms);
  // true when every byte went out before the deadline.
  Task<bool> write_all(std::string_view data, uint64_t deadline_ms);
  // TLS client handshake over the connected socket (no certificate verification: devices use
  // self-signed certificates; we only look, never trust). true on success.
  Task<bool> start_tls(SSL_CTX* ctx, uint64_t deadline_ms);
  bool tls() const { return ssl_ != nullptr; }
  std::string tls_version() const;
  void close();
  bool open() const { return w_.fd >= 0; }

  uint64_t bytes_sent() const { return sent_; }
  uint64_t bytes_received() const { return received_; }

 private:
  Loop* loop_;
  FdWatch w_;
  SSL* ssl_ = nullptr;
  uint64_t sent_ = 0, received_ = 0;
};

// A socket plus the bytes read so far, with byte and time limits: what probes use.
class Conn {
 public:
  explicit Conn(Loop& loop, size_t max_bytes = 64 * 1024) : sock(loop), loop_(&loop), max_bytes_(max_bytes) {}
  Socket sock;
  std::string in;  // everything read and not yet consumed
  bool eof = false;
  bool overflow = false;  // max_bytes reached

  // Reads until `done(in)` is true, the peer closes, the byte cap is hit or the deadline
  // passes. Returns done(in).
  Task<bool> read_until(std::function<bool(std::string_view)> done, uint64_t deadline_ms);
  // Reads whatever arrives within the deadline (at least one chunk unless it passes).
  Task<bool> read_more(uint64_t deadline_ms);
  uint64_t now() const { return loop_->now_ms(); }

 private:
  Loop* loop_;
  size_t max_bytes_;
};

}  // namespace sekisho::scan
