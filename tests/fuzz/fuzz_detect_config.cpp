// The detection config and the files it names, as an operator may feed them: the first
// byte picks which text the rest is: 0 the TOML config itself, 1 a block list (public lists
// are downloaded, so their bytes are untrusted), 2 a known_devices file (it may be cut by
// a power loss mid-write). Every detector is then built from it; errors are fine, crashes
// and leaks are not.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "detect/engine.h"

namespace {
std::string write_temp(const uint8_t* data, size_t size, const char* tag) {
  char path[] = "/tmp/sekisho-fuzz-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  size_t off = 0;
  while (off < size) {
    const ssize_t n = write(fd, data + off, size - off);
    if (n <= 0) std::abort();
    off += size_t(n);
  }
  close(fd);
  (void)tag;
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::detect;
  if (size == 0) return 0;
  const uint8_t kind = data[0] % 3;
  ++data;
  --size;
  std::string toml, file;
  if (kind == 0) {
    toml.assign(reinterpret_cast<const char*>(data), size);
  } else {
    file = write_temp(data, size, kind == 1 ? "blocklist" : "known");
    toml = kind == 1 ? "[detect.blocklist]\nfiles = [\"" + file + "\"]\n"
                     : "[detect.new_device]\nknown_devices = \"" + file + "\"\n";
  }
  auto cfg = DetectConfig::parse(toml, "fuzz.toml");
  if (cfg) {
    auto e = Engine::create(cfg.value());
    if (e) (void)e.value()->detectors();
  }
  if (!file.empty()) unlink(file.c_str());
  return 0;
}
