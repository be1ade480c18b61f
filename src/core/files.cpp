#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace sekisho::core {

Result<std::string> read_file_capped(const std::string& path, size_t max_bytes, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, path, "cannot open the " + std::string(what));
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, size_t(in.gcount()));
    if (text.size() > max_bytes) {
      const size_t mib = max_bytes >> 20;
      return make_error(ErrorCode::kFormat, path,
                        "larger than " + (mib ? std::to_string(mib) + " MiB" : std::to_string(max_bytes) + " bytes") +
                            "; not a " + std::string(what));
    }
  }
  if (in.bad()) return make_error(ErrorCode::kIo, path, "read error");
  return text;
}

namespace {

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(ErrorCode::kIo, path, std::string("cannot write: ") + std::strerror(errno));
    data.remove_prefix(size_t(n));
  }
  return {};
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view data) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return make_error(ErrorCode::kIo, path, std::string("cannot open: ") + std::strerror(errno));
    Status s = write_all(fd, data, path);
    ::close(fd);
    return s;
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(ErrorCode::kIo, tmp, std::string("cannot create: ") + std::strerror(errno));
  Status s = write_all(fd, data, tmp);
  if (::close(fd) != 0 && s.ok())
    s = make_error(ErrorCode::kIo, tmp, std::string("cannot write: ") + std::strerror(errno));
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0)
    s = make_error(ErrorCode::kIo, path, std::string("cannot replace: ") + std::strerror(errno));
  if (!s.ok()) std::remove(tmp.c_str());
  return s;
}

size_t json_deeper_than(std::string_view s, size_t max) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

}  // namespace sekisho::core
