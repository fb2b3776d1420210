// Shared set-up for the content store's unit tests.
#pragma once

#include <dirent.h>

#include <memory>
#include <string>
#include <vector>

#include "common/strings.h"
#include "containerd/core/content/store.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::content {

inline std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

// The entries of `dir` except "." and "..".
inline absl::StatusOr<std::vector<std::string>> ReadDirNamesForTest(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return absl::NotFoundError(dir);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  return names;
}

// A store in a fresh temp dir; Reopen makes a new Store object on the same
// root, as a restarted daemon would.
class TestStore {
 public:
  TestStore() : dir_("berth-content") { Reopen(); }

  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  const std::string& root() const { return dir_.path(); }
  std::string Path(const std::string& rel) const { return dir_.Sub(rel); }

  void Reopen() {
    store_.reset();
    store_ = testing::ValueOrFail(Store::Open(dir_.path()));
  }

 private:
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Commits `data` under `ref`, checking size and digest.
inline Digest Put(Store& store, const std::string& ref, std::string_view data) {
  Digest d = Digest::Of(data);
  std::unique_ptr<Writer> w =
      testing::ValueOrFail(store.OpenWriter(ref, static_cast<int64_t>(data.size()), d));
  REQUIRE_OK(w->Write(data));
  REQUIRE_OK(w->Commit(static_cast<int64_t>(data.size()), d));
  return d;
}

}  // namespace berth::containerd::content
