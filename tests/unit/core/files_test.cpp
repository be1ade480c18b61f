#include "core/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace sekisho::core;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/sekisho-files-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  return d ? d : "";
}

}  // namespace

TEST(WriteFileAtomic, ReplacesARegularFileWhole) {
  const std::string dir = temp_dir();
  ASSERT_FALSE(dir.empty());
  const std::string path = dir + "/report.json";
  ASSERT_TRUE(write_file_atomic(path, "old"));
  ASSERT_TRUE(write_file_atomic(path, "new text"));
  auto text = read_file_capped(path, 1 << 20, "report");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "new text");
  struct stat st {};
  EXPECT_NE(::stat((path + ".tmp").c_str(), &st), 0) << "the temporary file is left";
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

// `-o /dev/null` (as root) must not turn /dev/null into a regular file.
TEST(WriteFileAtomic, WritesThroughADeviceInsteadOfReplacingIt) {
  ASSERT_TRUE(write_file_atomic("/dev/null", "discarded"));
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null was replaced";
}

TEST(WriteFileAtomic, NamesThePathThatCannotBeWritten) {
  auto s = write_file_atomic("/nonexistent-dir/x/report.json", "x");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("/nonexistent-dir/x/report.json.tmp"), std::string::npos) << s.error().message();
}
