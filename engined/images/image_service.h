// berthd's images over berth-containerd (dockerd's daemon/containerd
// image service): images are containerd image records named by their
// normalized reference ("docker.io/library/busybox:latest"), an image's ID
// is its config digest, and every answer is in the Docker Engine API's JSON.
//
//   ImageService images(client, containers_using);
//   BERTH_ASSIGN_OR_RETURN(ResolvedImage img, images.Resolve("busybox"));
//   BERTH_ASSIGN_OR_RETURN(std::string parent, images.EnsureUnpacked(img));
//
// Errors: NotFound "No such image: REF"; FailedPrecondition (409) for
// conflicts ("conflict: unable to delete ..."); InvalidArgument for bad
// references and filters.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"
#include "engined/images/json_message.h"

namespace berth::engined::images {

// The ids of the containers using image `image_id` (the container layer's).
using ContainersUsingFn = std::function<std::vector<std::string>(const std::string& image_id)>;

// Name prefix of images kept without a tag (dockerd's containerd store).
inline constexpr char kDanglingPrefix[] = "moby-dangling@";

struct ResolvedImage {
  std::string id;                         // "sha256:<config digest hex>"
  std::string name;                       // the containerd record used
  std::vector<std::string> names;         // every record with this ID, sorted
  std::vector<std::string> repo_tags;     // "busybox:latest"
  std::vector<std::string> repo_digests;  // "busybox@sha256:..."
  ctrpb::Descriptor target;               // what `name` points at
  ctrpb::Descriptor manifest_desc;        // the linux/amd64 manifest
  nlohmann::json manifest;
  nlohmann::json config;  // the image config ("config", "rootfs", "history", ...)
  std::vector<std::string> diff_ids;
  std::string chain_id;  // of the top layer; the snapshot parent of a container
  int64_t size = 0;      // layer blobs
  int64_t created = 0;   // unix seconds, from the config
};

struct PullOptions {
  std::string image;     // fromImage: "busybox", "localhost:5000/x"
  std::string tag;       // may be empty, or a digest
  std::string platform;  // "linux/amd64"; empty: the host's
  std::optional<ctrpb::RegistryAuth> auth;
};

struct PushOptions {
  std::string image;  // name without tag, or name:tag
  std::string tag;    // empty: the name's tag, or every tag of the repository
  std::optional<ctrpb::RegistryAuth> auth;
};

// A new layer already in the content store (the caller holds it, e.g.
// under its own lease) for CreateImageFromLayer.
struct NewLayer {
  ctrpb::Descriptor blob;
  std::string diff_id;
};

struct NewImageOptions {
  std::string parent;                // image ref/ID whose layers and config come first; or empty
  std::optional<NewLayer> layer;     // the layer on top (none: the parent's layers only)
  nlohmann::json config;             // docker Config fields overriding the parent's
  bool replace_config = false;       // `config` is the whole new config (commit), not overrides
  std::vector<std::string> changes;  // Dockerfile instructions (CMD, ENV, ...)
  std::string comment;
  std::string author;
  std::string created_by;  // the history entry's
  std::string container;   // the committed container's id, if any
  // The committed container's Config as it was (the image config's
  // "container_config", as moby's NewChildImage writes it).
  nlohmann::json container_config;
  std::string reference;  // "repo:tag"; empty: a dangling image
};

class ImageService {
 public:
  explicit ImageService(ContainerdClient& client, ContainersUsingFn containers_using = nullptr);
  void SetContainersUsing(ContainersUsingFn fn) { containers_using_ = std::move(fn); }

  // By name[:tag], name@digest, full ID ("sha256:<hex>" or "<hex>"), or a
  // unique ID prefix.
  absl::StatusOr<ResolvedImage> Resolve(const std::string& ref);
  // Images.Unpack into overlayfs; the chain ID.
  absl::StatusOr<std::string> EnsureUnpacked(const ResolvedImage& image);
  // The indexes of `image`'s layers whose snapshot (by chain ID) is not
  // there yet: what EnsureUnpacked will add.
  std::vector<size_t> LayersToUnpack(const ResolvedImage& image);

  // GET /images/json
  absl::StatusOr<nlohmann::json> List(bool all, const std::string& filters, bool digests);
  // GET /images/{name}/json
  absl::StatusOr<nlohmann::json> Inspect(const std::string& ref);
  // GET /images/{name}/history
  absl::StatusOr<nlohmann::json> History(const std::string& ref);
  // POST /images/{name}/tag
  absl::Status Tag(const std::string& ref, const std::string& repo, const std::string& tag);
  // DELETE /images/{name}: [{"Untagged": ..}, {"Deleted": ..}]
  absl::StatusOr<nlohmann::json> Delete(const std::string& ref, bool force, bool noprune);
  // POST /images/prune
  absl::StatusOr<nlohmann::json> Prune(const std::string& filters);
  // The "Images" array of GET /system/df, and the total layer size.
  absl::StatusOr<nlohmann::json> DiskUsage(int64_t* layers_size = nullptr);

  // POST /images/create?fromImage: docker's progress messages into `sink`.
  // An error before the first message is the call's HTTP error.
  absl::Status Pull(const PullOptions& options, const MessageSink& sink);
  // POST /images/{name}/push
  absl::Status Push(const PushOptions& options, const MessageSink& sink);
  // POST /images/load: a docker-save or OCI tarball.
  absl::Status Load(std::string_view tarball, bool quiet, const MessageSink& sink);
  // The same, reading the tarball as it arrives (the request body of
  // POST /images/load, of any size): `read` fills up to n bytes, 0 at the end.
  using BodyReader = std::function<absl::StatusOr<size_t>(char* buf, size_t n)>;
  absl::Status Load(const BodyReader& read, bool quiet, const MessageSink& sink);
  // GET /images/get, /images/{name}/get: a docker-save tarball in pieces.
  absl::Status Save(const std::vector<std::string>& refs,
                    const std::function<bool(std::string_view)>& out);
  // POST /images/create?fromSrc=-: a one-layer image from a rootfs tar
  // (plain or gzip); the new image's ID.
  absl::StatusOr<std::string> Import(std::string_view rootfs_tar, const std::string& repo,
                                     const std::string& tag, const std::string& message,
                                     const std::vector<std::string>& changes);
  // A new image: the parent's layers (if any) plus `layer`, config
  // overrides and changes applied; the new image's ID.
  absl::StatusOr<std::string> CreateImageFromLayer(const NewImageOptions& options);

 private:
  // What an image record's target leads to (immutable per target digest).
  struct TargetData {
    std::string id;
    ctrpb::Descriptor manifest_desc;
    nlohmann::json manifest;
    nlohmann::json config;
    int64_t size = 0;
    int64_t created = 0;
  };
  struct Record {
    ctrpb::Image image;
    std::shared_ptr<const TargetData> data;
  };

  absl::StatusOr<std::shared_ptr<const TargetData>> LoadTarget(const ctrpb::Descriptor& target);
  absl::StatusOr<std::vector<Record>> Records();
  absl::StatusOr<ResolvedImage> Build(const std::vector<Record>& records, const std::string& id,
                                      const std::string& name);
  absl::StatusOr<ResolvedImage> ResolveIn(const std::vector<Record>& records,
                                          const std::string& ref);
  absl::Status DeleteRecord(const std::string& name);
  absl::Status CreateRecord(const std::string& name, const ctrpb::Descriptor& target);
  // Keeps an image that lost its last name as a dangling record.
  absl::Status KeepDangling(const ctrpb::Descriptor& target);
  std::vector<std::string> ContainersUsing(const std::string& id) const;
  absl::Status PullOne(const PullOptions& options, const MessageSink& sink, bool* streamed);
  absl::Status PushTag(const std::string& name, const std::optional<ctrpb::RegistryAuth>& auth,
                       const MessageSink& sink);

  ContainerdClient& client_;
  ContainersUsingFn containers_using_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const TargetData>> cache_;  // by target digest
};

// The chain ID of layers with `diff_ids` (OCI image spec: chain(n) =
// sha256(chain(n-1) + " " + diff_id(n))).
std::string ChainId(const std::vector<std::string>& diff_ids);
// Seconds since the epoch of an RFC 3339 "created"; 0 when absent/bad.
int64_t CreatedSeconds(const nlohmann::json& config);
// The familiar form of a containerd image name ("busybox:latest"), or ""
// for names that are not references (dangling records).
std::string FamiliarName(const std::string& name);

}  // namespace berth::engined::images
