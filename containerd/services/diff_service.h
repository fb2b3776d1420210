// Diff (containerd's diff service): Apply a layer from the content store
// onto mounts, Diff two sets of mounts into a new layer blob. A thin
// adapter over containerd/core/differ.
#pragma once

#include <string>

#include "berth/containerd/v1/diff.grpc.pb.h"
#include "containerd/core/content/store.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::services {

class DiffService final : public berth::containerd::v1::Diff::Service {
 public:
  // `mount_root`: where mounts are mounted while a layer is applied or
  // read (a directory of the daemon's root).
  DiffService(metadata::Store* store, content::Store* content, std::string mount_root)
      : store_(store), content_(content), mount_root_(std::move(mount_root)) {}

  grpc::Status Apply(grpc::ServerContext* context,
                     const berth::containerd::v1::ApplyRequest* request,
                     berth::containerd::v1::ApplyResponse* response) override;
  grpc::Status Diff(grpc::ServerContext* context, const berth::containerd::v1::DiffRequest* request,
                    berth::containerd::v1::DiffResponse* response) override;

 private:
  metadata::Store* const store_;
  content::Store* const content_;
  const std::string mount_root_;
};

}  // namespace berth::containerd::services
