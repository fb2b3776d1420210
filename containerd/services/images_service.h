// Images: records over the metadata store, plus pull / push (registry
// client), unpack (into a snapshotter), import and export (tarballs).
// Pull, Push, Import and Export are streams served on a thread each.
// Pull, Import and Unpack work under the call's lease, or under a lease of
// their own for their length, and reference what they fetch from the
// call's namespace; Create adds the image to the call's lease; Delete
// schedules a garbage collection.
#pragma once

#include "berth/containerd/v1/images.grpc.pb.h"
#include "containerd/core/content/store.h"
#include "containerd/core/gc/scheduler.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/registry/client.h"
#include "containerd/core/snapshots/snapshotter_set.h"

namespace berth::containerd::services {

class ImagesService final : public berth::containerd::v1::Images::Service {
 public:
  ImagesService(metadata::Store* store, content::Store* content,
                const snapshots::SnapshotterSet* snapshotters, registry::ClientOptions registry,
                gc::Scheduler* gc)
      : store_(store),
        content_(content),
        snapshotters_(snapshotters),
        registry_(std::move(registry)),
        gc_(gc) {}

  grpc::Status Get(grpc::ServerContext* context,
                   const berth::containerd::v1::GetImageRequest* request,
                   berth::containerd::v1::GetImageResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListImagesRequest* request,
                    berth::containerd::v1::ListImagesResponse* response) override;
  grpc::Status Create(grpc::ServerContext* context,
                      const berth::containerd::v1::CreateImageRequest* request,
                      berth::containerd::v1::CreateImageResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const berth::containerd::v1::UpdateImageRequest* request,
                      berth::containerd::v1::UpdateImageResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteImageRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status Pull(grpc::ServerContext* context,
                    const berth::containerd::v1::PullImageRequest* request,
                    grpc::ServerWriter<berth::containerd::v1::PullImageResponse>* writer) override;
  grpc::Status Push(grpc::ServerContext* context,
                    const berth::containerd::v1::PushImageRequest* request,
                    grpc::ServerWriter<berth::containerd::v1::PushImageResponse>* writer) override;
  grpc::Status Unpack(grpc::ServerContext* context,
                      const berth::containerd::v1::UnpackImageRequest* request,
                      berth::containerd::v1::UnpackImageResponse* response) override;
  grpc::Status Import(grpc::ServerContext* context,
                      grpc::ServerReader<berth::containerd::v1::ImportImageRequest>* reader,
                      berth::containerd::v1::ImportImageResponse* response) override;
  grpc::Status Export(
      grpc::ServerContext* context, const berth::containerd::v1::ExportImageRequest* request,
      grpc::ServerWriter<berth::containerd::v1::ExportImageResponse>* writer) override;

 private:
  metadata::Store* const store_;
  content::Store* const content_;
  const snapshots::SnapshotterSet* const snapshotters_;
  const registry::ClientOptions registry_;
  gc::Scheduler* const gc_;
};

}  // namespace berth::containerd::services
