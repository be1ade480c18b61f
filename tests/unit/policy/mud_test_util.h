#pragma once
// Shared helpers for the MUD tests: the real MUD files under shared/data/mud.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace sekisho::policy::testing {

inline std::string shared_mud_dir() { return std::string(SEKISHO_SHARED_DATA) + "/mud"; }

// Every MUD JSON document in the shared data (the .json files and osMUD's MUDFILE.NEST),
// sorted; signatures and licences are left out.
inline std::vector<std::string> shared_mud_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared_mud_dir())) {
    if (!e.is_regular_file()) continue;
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".json" || name == "MUDFILE.NEST") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sekisho::policy::testing
