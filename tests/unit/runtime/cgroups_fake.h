// Fake cgroup trees for unit tests: plain directories and files under a
// TempDir that the managers treat as cgroup mounts, plus a log of every
// write the cgroup code attempts.
#pragma once

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/file_util.h"
#include "runtime/cgroups/cgroup_fs.h"

// REQUIRE that a Status (or a StatusOr's status) is OK, printing it if not.
#define BERTH_REQUIRE_OK(expr)                                                 \
  do {                                                                         \
    const ::absl::Status berth_require_status_ = (expr);                       \
    INFO(::berth::runtime::cgroups::testing::Describe(berth_require_status_)); \
    REQUIRE(berth_require_status_.ok());                                       \
  } while (0)

namespace berth::runtime::cgroups::testing {

inline std::string Describe(const absl::Status& status) {
  return status.ok() ? "OK" : std::string(status.message().data(), status.message().size());
}
inline std::string Message(const absl::Status& status) { return Describe(status); }

// Creates <dir>/<file> (and dir) holding `content`.
inline void Put(const std::string& dir, const std::string& file, const std::string& content = "") {
  if (!MkdirAll(dir).ok()) throw std::runtime_error("mkdir " + dir);
  if (!WriteFile(JoinPath(dir, file), content).ok()) throw std::runtime_error("write " + file);
}

// The content of <dir>/<file>, or "<missing>".
inline std::string Get(const std::string& dir, const std::string& file) {
  absl::StatusOr<std::string> content = ReadFile(JoinPath(dir, file));
  return content.ok() ? *content : "<missing>";
}

// Records "<file name> <- <value>" for every WriteCgroupFile while alive;
// `Full()` keeps whole paths.
class WriteLog {
 public:
  explicit WriteLog(std::string strip_prefix = "") : prefix_(std::move(strip_prefix)) {
    SetWriteObserverForTesting([this](const std::string& path, std::string_view value) {
      full_.push_back(path + " <- " + std::string(value));
      std::string shown = path;
      if (!prefix_.empty() && shown.rfind(prefix_, 0) == 0) {
        shown = shown.substr(prefix_.size());
      } else if (size_t slash = shown.rfind('/'); slash != std::string::npos) {
        shown = shown.substr(slash + 1);
      }
      writes_.push_back(shown + " <- " + std::string(value));
    });
  }
  ~WriteLog() { SetWriteObserverForTesting(nullptr); }
  WriteLog(const WriteLog&) = delete;
  WriteLog& operator=(const WriteLog&) = delete;

  const std::vector<std::string>& writes() const { return writes_; }
  const std::vector<std::string>& Full() const { return full_; }
  void Clear() {
    writes_.clear();
    full_.clear();
  }

 private:
  std::string prefix_;
  std::vector<std::string> writes_;
  std::vector<std::string> full_;
};

}  // namespace berth::runtime::cgroups::testing
