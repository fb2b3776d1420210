// A directory that exists for the life of the object and is removed with
// everything in it afterwards.
#pragma once

#include <string>

namespace berth::testing {

class TempDir {
 public:
  // Created under $TMPDIR (default /tmp) as <prefix>-XXXXXX.
  explicit TempDir(const std::string& prefix = "berth-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace berth::testing
