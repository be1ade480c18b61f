#pragma once
// Internal to sekisho_capture: sources backed by a libpcap handle. Live interfaces use it,
// and so do capture streams that cannot be memory-mapped (stdin, pipes), where libpcap's
// buffered reader keeps memory bounded. Implemented in live_source.cpp.
#include <memory>
#include <string>

#include "capture/packet_source.h"
#include "core/result.h"

namespace sekisho::capture {

// `path` is "-" for standard input or any path fopen can read.
core::Result<std::unique_ptr<PacketSource>> open_libpcap_stream(const std::string& path, const SourceOptions& opts);

}  // namespace sekisho::capture
