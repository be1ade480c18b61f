#pragma once
// Result<T>: the control plane's error channel. An Error names what failed and where
// (a file, a record, a field) so a user can act on it.
#include <string>
#include <utility>
#include <variant>

namespace sekisho::core {

enum class ErrorCode {
  kInvalidArgument,  // usage or option errors
  kNotFound,         // file, interface, key
  kIo,               // read/write/mmap failures
  kFormat,           // malformed input data
  kUnsupported,      // valid but not handled (e.g. unknown link type)
  kPermission,
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string where;  // file path, "file:record N", "option --bpf", ...
  std::string what;   // human sentence, no trailing period

  std::string message() const { return where.empty() ? what : where + ": " + what; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string where, std::string what) {
  return Error{code, std::move(where), std::move(what)};
}

}  // namespace sekisho::core
