#include "engined/api/commit.h"

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/reference.h"
#include "common/status.h"
#include "engined/daemon/container_layer.h"
#include "engined/images/commit_config.h"
#include "engined/images/content_io.h"

namespace berth::engined::api {
namespace {

// moby's httputils.RepoTagReference: "repo" and "tag" into one reference.
absl::StatusOr<std::string> CommitReference(const std::string& repo, const std::string& tag) {
  if (repo.empty()) return std::string();
  BERTH_ASSIGN_OR_RETURN(Reference ref, Reference::Parse(repo));
  if (!ref.digest.empty()) {
    return InvalidArgumentf("cannot create a tag for a digested reference");
  }
  if (!tag.empty()) {
    BERTH_ASSIGN_OR_RETURN(ref, Reference::Parse(ref.Name() + ":" + tag));
  }
  return ref.String();
}

}  // namespace

absl::StatusOr<std::string> CommitContainer(ContainerManager& containers,
                                            images::ImageService& images,
                                            const CommitRequest& request) {
  BERTH_ASSIGN_OR_RETURN(std::string reference, CommitReference(request.repo, request.tag));
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers.Get(request.container));
  Container c;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    c = entry->c;
  }
  if (c.state.status == RunState::kDead) {
    return FailedPreconditionf("You cannot commit container {} which is Dead", c.id);
  }
  if (c.state.status == RunState::kRemoving) {
    return FailedPreconditionf("You cannot commit container {} which is being removed", c.id);
  }
  BERTH_ASSIGN_OR_RETURN(nlohmann::json config,
                         images::CommitImageConfig(c.config, request.config, request.changes));

  // As moby: a running container is frozen while its layer is read, and
  // a failed pause only means an unfrozen read.
  bool paused = false;
  if (request.pause && c.state.status == RunState::kRunning) {
    absl::Status s = containers.Pause(c.id);
    if (s.ok()) {
      paused = true;
    } else {
      log::Warnf("commit {}: pause: {}", c.id, s);
    }
  }
  absl::Cleanup unpause = [&] {
    if (!paused) return;
    if (absl::Status s = containers.Unpause(c.id); !s.ok()) {
      log::Warnf("commit {}: unpause: {}", c.id, s);
    }
  };

  // The lease holds the new layer until the image's manifest does.
  BERTH_ASSIGN_OR_RETURN(images::ScopedLease lease,
                         images::ScopedLease::Create(containers.containerd(), "commit"));
  BERTH_ASSIGN_OR_RETURN(ContainerLayer layer,
                         DiffContainerLayer(containers.containerd(), c.id, c.chain_id, lease.id()));
  std::move(unpause).Invoke();

  images::NewImageOptions options;
  options.parent = c.image;
  options.layer = images::NewLayer{layer.blob, layer.diff_id};
  options.config = std::move(config);
  options.replace_config = true;
  options.comment = request.comment;
  options.author = request.author;
  options.created_by = images::CommitCreatedBy(c.config);
  options.container = c.id;
  options.container_config = c.config;
  options.reference = reference;
  BERTH_ASSIGN_OR_RETURN(std::string id, images.CreateImageFromLayer(options));
  std::string familiar;
  if (!reference.empty()) {
    absl::StatusOr<Reference> ref = Reference::Parse(reference);
    if (ref.ok()) familiar = ref->Familiar();
  }
  containers.EmitEvent("commit", c.id,
                       {{"comment", request.comment}, {"imageID", id}, {"imageRef", familiar}});
  return id;
}

}  // namespace berth::engined::api
