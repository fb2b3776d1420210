// Shared set-up for the metadata store's unit tests.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/status.h"
#include "common/strings.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/core/metadata/namespaces.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/metadata/task_bundles.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::metadata {

inline std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

// A store in a fresh temp dir that tests can close and reopen.
class TestStore {
 public:
  TestStore() : dir_("berth-metadata"), path_(dir_.Sub(std::string(kDatabaseFile))) { Reopen(); }

  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_.path(); }

  void Close() { store_.reset(); }
  void Reopen() {
    store_.reset();
    store_ = testing::ValueOrFail(Store::Open(path_));
  }

 private:
  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

// The least a container needs: an id and a runtime name.
inline Container MakeContainer(std::string id) {
  Container c;
  c.id = std::move(id);
  c.runtime.name = "io.containerd.runc.v2";
  c.spec = R"({"ociVersion":"1.1.0"})";
  return c;
}

inline absl::StatusOr<Container> CreateContainer(Store& store, const std::string& ns,
                                                 const Container& c) {
  return store.UpdateValue([&](Transaction& tx) { return ContainerStore(tx, ns).Create(c); });
}

inline absl::StatusOr<Container> GetContainer(Store& store, const std::string& ns,
                                              const std::string& id) {
  return store.ViewValue([&](Transaction& tx) { return ContainerStore(tx, ns).Get(id); });
}

}  // namespace berth::containerd::metadata
