// Replays files (or every file in directories) through LLVMFuzzerTestOneInput, for
// builds without libFuzzer. Used by ctest to run each seed corpus under ASan/UBSan.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
int run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    return 1;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Copy into an exact-size heap buffer so ASan catches reads past the end.
  std::vector<uint8_t> buf(bytes.begin(), bytes.end());
  auto* exact = new uint8_t[buf.size() ? buf.size() : 1];
  std::copy(buf.begin(), buf.end(), exact);
  LLVMFuzzerTestOneInput(exact, buf.size());
  delete[] exact;
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  size_t files = 0;
  int bad = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (!e.is_regular_file()) continue;
        bad += run_file(e.path());
        ++files;
      }
    } else {
      bad += run_file(p);
      ++files;
    }
  }
  std::printf("replayed %zu inputs\n", files);
  if (files == 0) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  return bad ? 1 : 0;
}
