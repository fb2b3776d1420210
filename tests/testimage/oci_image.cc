// OCI image layouts and docker-save archives of the busybox image.
#include <unistd.h>

#include <set>

#include "common/file_util.h"
#include "common/status.h"
#include "tests/testimage/image.h"
#include "tests/testimage/tar_writer.h"

namespace berth::testimage {
namespace {

constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kIndexType[] = "application/vnd.oci.image.index.v1+json";
constexpr char kConfigType[] = "application/vnd.oci.image.config.v1+json";
constexpr char kLayerTar[] = "application/vnd.oci.image.layer.v1.tar";
constexpr char kLayerTarGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";

std::string Hex(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

struct BuiltLayer {
  std::string tar;   // uncompressed
  std::string blob;  // as stored in the OCI layout
  LayerInfo info;
};

// Parent directories of `path` ("a/b/c" -> "a", "a/b"), for tar entries.
std::vector<std::string> Parents(const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = path.find('/'); i != std::string::npos; i = path.find('/', i + 1)) {
    out.push_back(path.substr(0, i));
  }
  return out;
}

absl::StatusOr<std::string> LayerTar(const LayerSpec& spec, bool gzip) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<TarWriter> w, TarWriter::Create(gzip));
  std::set<std::string> dirs;
  auto add_parents = [&](const std::string& path) -> absl::Status {
    for (const std::string& p : Parents(path)) {
      if (dirs.insert(p).second) BERTH_RETURN_IF_ERROR(w->AddDirectory(p, 0755));
    }
    return absl::OkStatus();
  };
  for (const std::string& dir : spec.opaque_dirs) {
    std::string d = CleanPath(dir);
    if (d.starts_with("/")) d.erase(0, 1);
    BERTH_RETURN_IF_ERROR(add_parents(d + "/"));
    BERTH_RETURN_IF_ERROR(w->AddFile(d + "/.wh..wh..opq", "", 0644));
  }
  for (const std::string& gone : spec.whiteouts) {
    std::string g = CleanPath(gone);
    if (g.starts_with("/")) g.erase(0, 1);
    BERTH_RETURN_IF_ERROR(add_parents(g));
    size_t slash = g.rfind('/');
    std::string wh = slash == std::string::npos ? ".wh." + g
                                                : g.substr(0, slash + 1) + ".wh." + g.substr(slash + 1);
    BERTH_RETURN_IF_ERROR(w->AddFile(wh, "", 0644));
  }
  for (const auto& [path, content] : spec.files) {
    std::string p = CleanPath(path);
    if (p.starts_with("/")) p.erase(0, 1);
    BERTH_RETURN_IF_ERROR(add_parents(p));
    BERTH_RETURN_IF_ERROR(w->AddFile(p, content, 0644));
  }
  return w->Finish();
}

absl::StatusOr<BuiltLayer> FinishLayer(std::string tar, bool gzip,
                                       const std::function<absl::StatusOr<std::string>()>& gz) {
  BuiltLayer layer;
  layer.tar = std::move(tar);
  layer.info.diff_id = Sha256Digest(layer.tar);
  if (gzip) {
    BERTH_ASSIGN_OR_RETURN(layer.blob, gz());
  } else {
    layer.blob = layer.tar;
  }
  layer.info.digest = Sha256Digest(layer.blob);
  layer.info.size = layer.blob.size();
  layer.info.media_type = gzip ? kLayerTarGzip : kLayerTar;
  return layer;
}

absl::StatusOr<std::vector<BuiltLayer>> BuildLayers(const ImageOptions& o) {
  std::vector<BuiltLayer> layers;
  std::string scratch = "/tmp/berth-testimage-XXXXXX";
  if (::mkdtemp(scratch.data()) == nullptr) return ErrnoErrorf(errno, "mkdtemp");
  absl::Status status = CreateRootfs(scratch, o.rootfs);
  auto base_tar = [&](bool gzip) -> absl::StatusOr<std::string> {
    BERTH_ASSIGN_OR_RETURN(std::unique_ptr<TarWriter> w, TarWriter::Create(gzip));
    BERTH_RETURN_IF_ERROR(w->AddTree(scratch));
    return w->Finish();
  };
  if (status.ok()) {
    absl::StatusOr<std::string> tar = base_tar(false);
    if (tar.ok()) {
      absl::StatusOr<BuiltLayer> base =
          FinishLayer(*tar, o.gzip, [&] { return base_tar(true); });
      if (base.ok()) {
        layers.push_back(std::move(*base));
      } else {
        status = base.status();
      }
    } else {
      status = tar.status();
    }
  }
  (void)RemoveAll(scratch);
  BERTH_RETURN_IF_ERROR(status);
  for (const LayerSpec& spec : o.extra_layers) {
    BERTH_ASSIGN_OR_RETURN(std::string tar, LayerTar(spec, false));
    BERTH_ASSIGN_OR_RETURN(BuiltLayer layer,
                           FinishLayer(tar, o.gzip, [&] { return LayerTar(spec, true); }));
    layers.push_back(std::move(layer));
  }
  return layers;
}

json::Json ImageConfig(const ImageOptions& o, const std::vector<BuiltLayer>& layers) {
  json::Json config = {{"Env", o.env}};
  if (!o.cmd.empty()) config["Cmd"] = o.cmd;
  if (!o.entrypoint.empty()) config["Entrypoint"] = o.entrypoint;
  if (!o.working_dir.empty()) config["WorkingDir"] = o.working_dir;
  if (!o.user.empty()) config["User"] = o.user;
  if (!o.labels.empty()) config["Labels"] = o.labels;
  if (!o.exposed_ports.empty()) {
    config["ExposedPorts"] = json::Json::object();
    for (const std::string& p : o.exposed_ports) config["ExposedPorts"][p] = json::Json::object();
  }
  if (!o.volumes.empty()) {
    config["Volumes"] = json::Json::object();
    for (const std::string& v : o.volumes) config["Volumes"][v] = json::Json::object();
  }
  json::Json diff_ids = json::Json::array();
  json::Json history = json::Json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    diff_ids.push_back(layers[i].info.diff_id);
    history.push_back({{"created", "1970-01-01T00:00:00Z"},
                       {"created_by", i == 0 ? "berth-testimage: busybox rootfs"
                                             : "berth-testimage: layer " + std::to_string(i)}});
  }
  return {{"created", "1970-01-01T00:00:00Z"},
          {"architecture", "amd64"},
          {"os", "linux"},
          {"config", config},
          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
          {"history", history}};
}

absl::Status WriteBlob(const std::string& dir, const std::string& digest, const std::string& data) {
  return WriteFile(dir + "/blobs/sha256/" + Hex(digest), data, 0644);
}

}  // namespace

absl::StatusOr<ImageInfo> CreateOciLayout(const std::string& dir, const ImageOptions& o) {
  BERTH_ASSIGN_OR_RETURN(std::vector<BuiltLayer> layers, BuildLayers(o));
  BERTH_RETURN_IF_ERROR(MkdirAll(dir + "/blobs/sha256"));
  ImageInfo info;
  json::Json layer_descriptors = json::Json::array();
  for (const BuiltLayer& l : layers) {
    BERTH_RETURN_IF_ERROR(WriteBlob(dir, l.info.digest, l.blob));
    layer_descriptors.push_back(
        {{"mediaType", l.info.media_type}, {"digest", l.info.digest}, {"size", l.info.size}});
    info.layers.push_back(l.info);
  }
  std::string config = json::Dump(ImageConfig(o, layers));
  info.config_digest = Sha256Digest(config);
  info.config_size = config.size();
  BERTH_RETURN_IF_ERROR(WriteBlob(dir, info.config_digest, config));
  std::string manifest = json::Dump(json::Json{
      {"schemaVersion", 2},
      {"mediaType", kManifestType},
      {"config", {{"mediaType", kConfigType}, {"digest", info.config_digest}, {"size", info.config_size}}},
      {"layers", layer_descriptors}});
  info.manifest_digest = Sha256Digest(manifest);
  info.manifest_size = manifest.size();
  BERTH_RETURN_IF_ERROR(WriteBlob(dir, info.manifest_digest, manifest));
  json::Json index = {
      {"schemaVersion", 2},
      {"mediaType", kIndexType},
      {"manifests",
       {{{"mediaType", kManifestType},
         {"digest", info.manifest_digest},
         {"size", info.manifest_size},
         {"platform", {{"architecture", "amd64"}, {"os", "linux"}}},
         {"annotations", {{"org.opencontainers.image.ref.name", o.tag}}}}}}};
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/index.json", json::Dump(index)));
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  return info;
}

absl::StatusOr<ImageInfo> CreateOciArchive(const std::string& tar_path, const ImageOptions& o) {
  std::string scratch = "/tmp/berth-testimage-XXXXXX";
  if (::mkdtemp(scratch.data()) == nullptr) return ErrnoErrorf(errno, "mkdtemp");
  absl::StatusOr<ImageInfo> info = CreateOciLayout(scratch, o);
  absl::StatusOr<std::string> tar = absl::UnknownError("not built");
  if (info.ok()) {
    absl::StatusOr<std::unique_ptr<TarWriter>> w = TarWriter::Create(false);
    if (w.ok()) {
      absl::Status added = (*w)->AddTree(scratch);
      tar = added.ok() ? (*w)->Finish() : absl::StatusOr<std::string>(added);
    } else {
      tar = w.status();
    }
  }
  (void)RemoveAll(scratch);
  if (!info.ok()) return info.status();
  if (!tar.ok()) return tar.status();
  BERTH_RETURN_IF_ERROR(WriteFile(tar_path, *tar, 0644));
  return info;
}

absl::StatusOr<ImageInfo> CreateDockerArchive(const std::string& tar_path, const ImageOptions& o) {
  ImageOptions uncompressed = o;
  uncompressed.gzip = false;
  BERTH_ASSIGN_OR_RETURN(std::vector<BuiltLayer> layers, BuildLayers(uncompressed));
  ImageInfo info;
  std::string config = json::Dump(ImageConfig(o, layers));
  info.config_digest = Sha256Digest(config);
  info.config_size = config.size();
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<TarWriter> w, TarWriter::Create(false));
  json::Json layer_paths = json::Json::array();
  std::string parent;
  for (const BuiltLayer& l : layers) {
    // docker save names each layer directory by a v1 id; the diff id is a
    // stable, unique choice.
    std::string id = Hex(l.info.diff_id);
    BERTH_RETURN_IF_ERROR(w->AddDirectory(id, 0755));
    BERTH_RETURN_IF_ERROR(w->AddFile(id + "/VERSION", "1.0", 0644));
    json::Json v1 = {{"id", id}, {"created", "1970-01-01T00:00:00Z"}};
    if (!parent.empty()) v1["parent"] = parent;
    BERTH_RETURN_IF_ERROR(w->AddFile(id + "/json", json::Dump(v1), 0644));
    BERTH_RETURN_IF_ERROR(w->AddFile(id + "/layer.tar", l.tar, 0644));
    layer_paths.push_back(id + "/layer.tar");
    info.layers.push_back(l.info);
    parent = id;
  }
  std::string config_name = Hex(info.config_digest) + ".json";
  BERTH_RETURN_IF_ERROR(w->AddFile(config_name, config, 0644));
  std::string repo_tag = o.repository + ":" + o.tag;
  json::Json manifest = json::Json::array(
      {{{"Config", config_name}, {"RepoTags", {repo_tag}}, {"Layers", layer_paths}}});
  BERTH_RETURN_IF_ERROR(w->AddFile("manifest.json", json::Dump(manifest), 0644));
  json::Json repositories = {{o.repository, {{o.tag, parent}}}};
  BERTH_RETURN_IF_ERROR(w->AddFile("repositories", json::Dump(repositories), 0644));
  BERTH_ASSIGN_OR_RETURN(std::string tar, w->Finish());
  BERTH_RETURN_IF_ERROR(WriteFile(tar_path, tar, 0644));
  return info;
}

}  // namespace berth::testimage
