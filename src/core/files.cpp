#include "core/files.h"

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
