// New images from a layer: docker import (a rootfs tarball) and, for the
// container layer, docker commit. The layer, config and manifest go into
// content under a lease; the manifest's gc labels then hold the rest once
// the image record exists.
#include "common/reference.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "engined/images/changes.h"
#include "engined/images/content_io.h"
#include "engined/images/image_service.h"

namespace berth::engined::images {
namespace {

constexpr char kMediaTypeManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kMediaTypeConfig[] = "application/vnd.oci.image.config.v1+json";
constexpr char kMediaTypeLayer[] = "application/vnd.oci.image.layer.v1.tar";
constexpr char kMediaTypeLayerGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";

}  // namespace

absl::StatusOr<std::string> ImageService::CreateImageFromLayer(const NewImageOptions& options) {
  std::optional<Reference> ref;
  if (!options.reference.empty()) {
    BERTH_ASSIGN_OR_RETURN(ref, Reference::Parse(options.reference));
  }
  nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}};
  nlohmann::json manifest_layers = nlohmann::json::array();
  nlohmann::json diff_ids = nlohmann::json::array();
  nlohmann::json history = nlohmann::json::array();
  nlohmann::json run_config = nlohmann::json::object();
  if (!options.parent.empty()) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage parent, Resolve(options.parent));
    config = parent.config;
    run_config = config.value("config", nlohmann::json::object());
    manifest_layers = parent.manifest.value("layers", nlohmann::json::array());
    for (const std::string& d : parent.diff_ids) diff_ids.push_back(d);
    history = config.value("history", nlohmann::json::array());
    config.erase("container_config");
  }
  if (options.replace_config) {
    run_config = options.config.is_object() ? options.config : nlohmann::json::object();
  } else if (options.config.is_object()) {
    for (const auto& [k, v] : options.config.items()) {
      if (!v.is_null()) run_config[k] = v;
    }
  }
  BERTH_RETURN_IF_ERROR(ApplyChanges(options.changes, run_config));
  // As moby's commit: no author given keeps the parent's.
  std::string author = options.author;
  if (author.empty() && config.contains("author") && config["author"].is_string()) {
    author = config["author"].get<std::string>();
  }
  std::string now = NowRfc3339Nano();
  nlohmann::json entry = {{"created", now}, {"created_by", options.created_by}};
  if (!options.comment.empty()) entry["comment"] = options.comment;
  if (!author.empty()) entry["author"] = author;
  if (options.layer) {
    manifest_layers.push_back({{"mediaType", options.layer->blob.media_type()},
                               {"digest", options.layer->blob.digest()},
                               {"size", options.layer->blob.size()}});
    diff_ids.push_back(options.layer->diff_id);
  } else {
    entry["empty_layer"] = true;
  }
  history.push_back(entry);
  config["created"] = now;
  config["config"] = run_config;
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  config["history"] = history;
  if (!options.comment.empty()) config["comment"] = options.comment;
  if (!author.empty()) config["author"] = author;
  if (!options.container.empty()) config["container"] = options.container;
  if (options.container_config.is_object()) config["container_config"] = options.container_config;

  BERTH_ASSIGN_OR_RETURN(ScopedLease lease, ScopedLease::Create(client_, "create-image"));
  std::string config_text = config.dump();
  BERTH_ASSIGN_OR_RETURN(ctrpb::Descriptor config_desc,
                         WriteBlob(client_, lease.id(), kMediaTypeConfig, config_text));
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", kMediaTypeManifest},
                             {"config",
                              {{"mediaType", kMediaTypeConfig},
                               {"digest", config_desc.digest()},
                               {"size", config_desc.size()}}},
                             {"layers", manifest_layers}};
  // The manifest holds its config and layers for the collector.
  std::map<std::string, std::string> labels = {
      {"containerd.io/gc.ref.content.config", config_desc.digest()}};
  for (size_t i = 0; i < manifest_layers.size(); ++i) {
    labels["containerd.io/gc.ref.content.l." + std::to_string(i)] =
        manifest_layers[i].value("digest", "");
  }
  BERTH_ASSIGN_OR_RETURN(
      ctrpb::Descriptor manifest_desc,
      WriteBlob(client_, lease.id(), kMediaTypeManifest, manifest.dump(), labels));
  if (ref) {
    BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
    for (const Record& r : records) {  // the name's old image may become dangling
      if (r.image.name() != ref->String()) continue;
      BERTH_ASSIGN_OR_RETURN(ResolvedImage old, Build(records, r.data->id, r.image.name()));
      if (old.names.size() == 1 && old.id != config_desc.digest()) {
        BERTH_RETURN_IF_ERROR(KeepDangling(r.image.target()));
      }
    }
    BERTH_RETURN_IF_ERROR(CreateRecord(ref->String(), manifest_desc));
  } else {
    BERTH_RETURN_IF_ERROR(KeepDangling(manifest_desc));
  }
  return config_desc.digest();
}

absl::StatusOr<std::string> ImageService::Import(std::string_view rootfs_tar,
                                                 const std::string& repo, const std::string& tag,
                                                 const std::string& message,
                                                 const std::vector<std::string>& changes) {
  NewImageOptions options;
  if (!repo.empty()) {
    std::string text = tag.empty() ? repo : repo + ":" + tag;
    absl::StatusOr<Reference> ref = Reference::Parse(text);
    if (!ref.ok())
      return InvalidArgumentf("import: invalid repository \"{}\": {}", text,
                              ToStd(ref.status().message()));
    options.reference = ref->String();
  }
  bool gzip = false;
  BERTH_ASSIGN_OR_RETURN(std::string diff_id, UncompressedDigest(rootfs_tar, &gzip));
  BERTH_ASSIGN_OR_RETURN(ScopedLease lease, ScopedLease::Create(client_, "import"));
  BERTH_ASSIGN_OR_RETURN(
      ctrpb::Descriptor blob,
      WriteBlob(client_, lease.id(), gzip ? kMediaTypeLayerGzip : kMediaTypeLayer, rootfs_tar));
  options.layer = NewLayer{blob, diff_id};
  options.comment = message.empty() ? "Imported from -" : message;
  options.created_by = "";
  options.changes = changes;
  BERTH_ASSIGN_OR_RETURN(std::string id, CreateImageFromLayer(options));
  return id;
}

}  // namespace berth::engined::images
