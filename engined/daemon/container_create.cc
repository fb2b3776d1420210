#include <fmt/format.h>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/time_util.h"
#include "engined/daemon/container_config.h"
#include "engined/daemon/container_manager.h"
#include "engined/daemon/names.h"

namespace berth::engined {

namespace {

std::string LeaseId(const std::string& id) { return id + "-create"; }

}  // namespace

absl::StatusOr<CreateResult> ContainerManager::Create(const std::string& name,
                                                      const nlohmann::json& body) {
  if (!body.is_object()) return InvalidArgumentf("container config must be a JSON object");
  auto image_it = body.find("Image");
  if (image_it == body.end() || !image_it->is_string() || image_it->get<std::string>().empty()) {
    return InvalidArgumentf("no image specified: Config.Image is required");
  }
  const std::string image_ref = image_it->get<std::string>();
  if (!name.empty()) BERTH_RETURN_IF_ERROR(ValidateContainerName(name));

  BERTH_ASSIGN_OR_RETURN(ImageForContainer image, images_.ImageForCreate(image_ref));
  Container c;
  c.id = NewObjectId();
  BERTH_ASSIGN_OR_RETURN(NewContainerConfig prepared, PrepareContainerConfig(body, image, c.id));
  c.name = name.empty()
               ? GenerateContainerName([this](const std::string& n) { return store_.NameTaken(n); })
               : name;
  if (c.name[0] != '/') c.name = "/" + c.name;
  c.created = NowRfc3339Nano();
  c.image = image.id;
  c.image_name = image_ref;
  c.chain_id = image.chain_id;
  c.config = std::move(prepared.config);
  c.host_config = std::move(prepared.host_config);
  c.warnings = std::move(prepared.warnings);
  c.state.status = RunState::kCreated;

  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store_.Add(c));
  const std::string id = c.id;
  bool committed = false;
  bool snapshot_made = false, record_made = false, mounts_made = false;
  absl::Cleanup rollback = [&] {
    if (committed) return;
    google::protobuf::Empty empty;
    if (mounts_made) ReleaseContainerMounts(c, volumes_, /*remove_anonymous=*/true);
    if (record_made) {
      ctrpb::DeleteContainerRequest del;
      del.set_id(id);
      (void)containerd_.containers().Delete(containerd_.Ctx().get(), del, &empty);
    }
    if (snapshot_made) {
      ctrpb::RemoveSnapshotRequest remove;
      remove.set_snapshotter(kSnapshotter);
      remove.set_key(id);
      (void)containerd_.snapshots().Remove(containerd_.Ctx().get(), remove, &empty);
    }
    ctrpb::DeleteLeaseRequest lease;
    lease.set_id(LeaseId(id));
    (void)containerd_.leases().Delete(containerd_.Ctx().get(), lease, &empty);
    if (absl::Status s = store_.Remove(entry); !s.ok()) {
      log::Warnf("container {}: rolling back its directory: {}", id, s);
    }
  };

  // The snapshot is made under a lease until the containerd container
  // holds it: the collector must not take it in between.
  ctrpb::CreateLeaseRequest lease;
  lease.set_id(LeaseId(id));
  ctrpb::CreateLeaseResponse lease_created;
  BERTH_RETURN_IF_ERROR(
      CallStatus(containerd_.leases().Create(containerd_.Ctx().get(), lease, &lease_created),
                 fmt::format("container {}: lease", id)));
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_snapshotter(kSnapshotter);
  prepare.set_key(id);
  prepare.set_parent(c.chain_id);
  ctrpb::PrepareSnapshotResponse prepared_snapshot;
  BERTH_RETURN_IF_ERROR(
      CallStatus(containerd_.snapshots().Prepare(containerd_.Ctx(LeaseId(id)).get(), prepare,
                                                 &prepared_snapshot),
                 fmt::format("container {}: prepare its snapshot", id)));
  snapshot_made = true;

  ctrpb::CreateContainerRequest create;
  ctrpb::Container* record = create.mutable_container();
  record->set_id(id);
  record->set_image(image_ref);
  record->mutable_runtime()->set_name("io.containerd.runc.v2");
  record->set_snapshotter(kSnapshotter);
  record->set_snapshot_key(id);
  // The real spec is built at each start; containerd requires one now.
  record->set_spec(R"({"ociVersion":"1.0.2","root":{"path":"rootfs"}})");
  (*record->mutable_labels())["com.docker/engine.bundle.path"] = store_.Dir(id);
  ctrpb::CreateContainerResponse created;
  BERTH_RETURN_IF_ERROR(
      CallStatus(containerd_.containers().Create(containerd_.Ctx().get(), create, &created),
                 fmt::format("container {}: create in containerd", id)));
  record_made = true;
  {
    ctrpb::DeleteLeaseRequest del;
    del.set_id(LeaseId(id));
    google::protobuf::Empty empty;
    (void)containerd_.leases().Delete(containerd_.Ctx().get(), del, &empty);
  }

  BERTH_ASSIGN_OR_RETURN(c.mounts, ResolveContainerMounts(c, volumes_, store_));
  mounts_made = true;
  c.log_path = fmt::format("{}/{}-json.log", store_.Dir(id), id);
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    entry->c = c;
    BERTH_RETURN_IF_ERROR(store_.Save(entry->c));
  }
  committed = true;
  Emit("create", entry);
  return CreateResult{id, c.warnings};
}

}  // namespace berth::engined
