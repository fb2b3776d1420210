// berthd's connection to berth-containerd: one channel, the stubs of the
// services berthd uses, and call contexts carrying berthd's namespace (as
// dockerd keeps its containers and images in containerd's "moby").
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "berth/containerd/v1/containers.grpc.pb.h"
#include "berth/containerd/v1/content.grpc.pb.h"
#include "berth/containerd/v1/diff.grpc.pb.h"
#include "berth/containerd/v1/events.grpc.pb.h"
#include "berth/containerd/v1/images.grpc.pb.h"
#include "berth/containerd/v1/leases.grpc.pb.h"
#include "berth/containerd/v1/snapshots.grpc.pb.h"
#include "berth/containerd/v1/tasks.grpc.pb.h"
#include "berth/containerd/v1/version.grpc.pb.h"

namespace berth::engined {

namespace ctrpb = ::berth::containerd::v1;

inline constexpr char kContainerdNamespace[] = "moby";
inline constexpr char kSnapshotter[] = "overlayfs";

// A failed call's status with `what` in front ("snapshot x: prepare: ...").
absl::Status CallStatus(const grpc::Status& status, std::string_view what);

class ContainerdClient {
 public:
  // `socket` is a path or a unix:// address.
  ContainerdClient(const std::string& socket, std::string ns = kContainerdNamespace);

  // A context with the namespace; `lease` (when not empty) protects what the
  // call creates from the collector until the lease is deleted.
  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& lease = "") const;
  // The same with a deadline.
  std::unique_ptr<grpc::ClientContext> Ctx(std::chrono::milliseconds timeout,
                                           const std::string& lease = "") const;

  const std::string& ns() const { return ns_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  ctrpb::Containers::Stub& containers() { return *containers_; }
  ctrpb::Content::Stub& content() { return *content_; }
  ctrpb::Diff::Stub& diff() { return *diff_; }
  ctrpb::Events::Stub& events() { return *events_; }
  ctrpb::Images::Stub& images() { return *images_; }
  ctrpb::Leases::Stub& leases() { return *leases_; }
  ctrpb::Snapshots::Stub& snapshots() { return *snapshots_; }
  ctrpb::Tasks::Stub& tasks() { return *tasks_; }
  ctrpb::Version::Stub& version() { return *version_; }

 private:
  std::string ns_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ctrpb::Containers::Stub> containers_;
  std::unique_ptr<ctrpb::Content::Stub> content_;
  std::unique_ptr<ctrpb::Diff::Stub> diff_;
  std::unique_ptr<ctrpb::Events::Stub> events_;
  std::unique_ptr<ctrpb::Images::Stub> images_;
  std::unique_ptr<ctrpb::Leases::Stub> leases_;
  std::unique_ptr<ctrpb::Snapshots::Stub> snapshots_;
  std::unique_ptr<ctrpb::Tasks::Stub> tasks_;
  std::unique_ptr<ctrpb::Version::Stub> version_;
};

}  // namespace berth::engined
