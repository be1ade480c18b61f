#pragma once
// Reading whole data files with a size cap, writing them whole (atomically), and the nesting guard run before a
// recursive JSON parser sees untrusted text. Shared by every loader of the control plane.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sekisho::core {

// The whole file, or an error naming `path`: "cannot open the <what>" (kNotFound) or
// "larger than N MiB; not a <what>" (kFormat) once more than `max_bytes` were read.
Result<std::string> read_file_capped(const std::string& path, size_t max_bytes, std::string_view what);

// Writes `data` to `path` so that a reader sees the old file or the new one, never half:
// into `path.tmp` beside it, then rename. A path that is not a regular file (/dev/null, a
// FIFO, a terminal) is written in place instead, never replaced. Errors name the path.
Status write_file_atomic(const std::string& path, std::string_view data);

// The offset at which bracket nesting ({ and [ outside strings) passes `max`, or npos.
size_t json_deeper_than(std::string_view text, size_t max);

}  // namespace sekisho::core
