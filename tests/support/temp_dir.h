// A fresh directory under the system temp dir (mkdtemp), removed with everything in it on
// destruction: where a test keeps a database or other files. Not thread-safe (one owner).
//
// In namespace vestibule::support, not vestibule::testing like the other helpers here: the e2e
// harness headers include this one, and a vestibule::testing declared there would hide gtest's
// ::testing from every unqualified testing:: in namespace vestibule::e2e.
#pragma once

#include <filesystem>
#include <string_view>

namespace vestibule::support {

class TempDir {
 public:
  // Named "vestibule-<tag>-XXXXXX", so that a directory left behind by a killed run says whose it
  // is. Throws std::runtime_error if it cannot be made.
  explicit TempDir(std::string_view tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace vestibule::support
