#include "engined/daemon/container_layer.h"

#include <fmt/format.h>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"

namespace berth::engined {
namespace {

constexpr char kUncompressedLabel[] = "containerd.io/uncompressed";

}  // namespace

absl::StatusOr<ContainerLayer> DiffContainerLayer(ContainerdClient& containerd,
                                                  const std::string& snapshot_key,
                                                  const std::string& parent_chain_id,
                                                  const std::string& lease) {
  ctrpb::MountsRequest mounts;
  mounts.set_snapshotter(kSnapshotter);
  mounts.set_key(snapshot_key);
  ctrpb::MountsResponse upper;
  BERTH_RETURN_IF_ERROR(
      CallStatus(containerd.snapshots().Mounts(containerd.Ctx().get(), mounts, &upper),
                 fmt::format("snapshot {}: mounts", snapshot_key)));

  // The lower side: a read-only view of the parent, made under the lease
  // and removed once the layer is written.
  ctrpb::DiffRequest diff;
  std::string view_key;
  absl::Cleanup remove_view = [&] {
    if (view_key.empty()) return;
    ctrpb::RemoveSnapshotRequest remove;
    remove.set_snapshotter(kSnapshotter);
    remove.set_key(view_key);
    google::protobuf::Empty empty;
    grpc::Status s = containerd.snapshots().Remove(containerd.Ctx().get(), remove, &empty);
    if (!s.ok()) log::Warnf("remove snapshot {}: {}", view_key, s.error_message());
  };
  if (!parent_chain_id.empty()) {
    ctrpb::ViewSnapshotRequest view;
    view.set_snapshotter(kSnapshotter);
    view.set_key(fmt::format("{}-commit-{}", snapshot_key, lease));
    view.set_parent(parent_chain_id);
    ctrpb::ViewSnapshotResponse lower;
    BERTH_RETURN_IF_ERROR(
        CallStatus(containerd.snapshots().View(containerd.Ctx(lease).get(), view, &lower),
                   fmt::format("snapshot {}: view of its parent", snapshot_key)));
    view_key = view.key();
    *diff.mutable_left() = lower.mounts();
  }
  *diff.mutable_right() = upper.mounts();
  ctrpb::DiffResponse written;
  BERTH_RETURN_IF_ERROR(CallStatus(
      containerd.diff().Diff(containerd.Ctx(std::chrono::minutes(30), lease).get(), diff, &written),
      fmt::format("snapshot {}: diff", snapshot_key)));

  ctrpb::InfoRequest info;
  info.set_digest(written.diff().digest());
  ctrpb::InfoResponse about;
  BERTH_RETURN_IF_ERROR(CallStatus(containerd.content().Info(containerd.Ctx().get(), info, &about),
                                   fmt::format("layer {}: info", written.diff().digest())));
  auto label = about.info().labels().find(kUncompressedLabel);
  if (label == about.info().labels().end()) {
    return absl::InternalError(
        fmt::format("layer {}: no {} label", written.diff().digest(), kUncompressedLabel));
  }
  return ContainerLayer{written.diff(), label->second};
}

}  // namespace berth::engined
