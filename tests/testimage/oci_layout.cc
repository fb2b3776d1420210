#include "tests/testimage/oci_layout.h"

#include "common/file_util.h"
#include "common/status.h"
#include "tests/testimage/digest.h"
#include "tests/testimage/disk_writer.h"
#include "tests/testimage/image_json.h"
#include "tests/testimage/tar_writer.h"

namespace berth::testimage {
namespace {

absl::StatusOr<std::string> BlobPath(const std::string& digest) {
  BERTH_ASSIGN_OR_RETURN(std::string hex, DigestHex(digest));
  return "blobs/sha256/" + hex;
}

absl::Status AddBlob(const std::string& digest, std::string content, FsTree* tree) {
  BERTH_ASSIGN_OR_RETURN(std::string path, BlobPath(digest));
  return tree->AddFile(path, std::move(content));
}

absl::StatusOr<json::Json> DockerManifest(const BuiltImage& image) {
  BERTH_ASSIGN_OR_RETURN(std::string config, BlobPath(image.info.config_digest));
  json::Json layers = json::Json::array();
  for (const LayerInfo& layer : image.info.layers) {
    BERTH_ASSIGN_OR_RETURN(std::string path, BlobPath(layer.digest));
    layers.push_back(path);
  }
  return json::Json::array(
      {{{"Config", config}, {"RepoTags", {image.info.repo_tag}}, {"Layers", layers}}});
}

}  // namespace

absl::StatusOr<FsTree> OciLayoutTree(const BuiltImage& image, bool docker_manifest) {
  FsTree tree;
  BERTH_RETURN_IF_ERROR(tree.AddDir("blobs/sha256"));
  BERTH_RETURN_IF_ERROR(tree.AddFile("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  BERTH_RETURN_IF_ERROR(tree.AddFile("index.json", json::Dump(IndexJson(image.info))));
  BERTH_RETURN_IF_ERROR(AddBlob(image.info.manifest_digest, image.manifest, &tree));
  BERTH_RETURN_IF_ERROR(AddBlob(image.info.config_digest, image.config, &tree));
  for (size_t i = 0; i < image.layers.size(); ++i) {
    BERTH_RETURN_IF_ERROR(AddBlob(image.info.layers[i].digest, image.layers[i].blob, &tree));
  }
  if (docker_manifest) {
    BERTH_ASSIGN_OR_RETURN(json::Json manifest, DockerManifest(image));
    BERTH_RETURN_IF_ERROR(tree.AddFile("manifest.json", json::Dump(manifest)));
  }
  return tree;
}

absl::StatusOr<ImageInfo> CreateOciLayout(const std::string& dir, const ImageOptions& opts) {
  BERTH_ASSIGN_OR_RETURN(BuiltImage image, BuildImage(opts));
  BERTH_ASSIGN_OR_RETURN(FsTree tree, OciLayoutTree(image, /*docker_manifest=*/false));
  BERTH_RETURN_IF_ERROR(
      WithContext(WriteTreeToDir(tree, dir), fmt::format("create OCI layout {}", dir)));
  return image.info;
}

absl::StatusOr<ImageInfo> CreateOciArchive(const std::string& tar_path, const ImageOptions& opts) {
  BERTH_ASSIGN_OR_RETURN(BuiltImage image, BuildImage(opts));
  BERTH_ASSIGN_OR_RETURN(FsTree tree, OciLayoutTree(image, /*docker_manifest=*/true));
  BERTH_ASSIGN_OR_RETURN(std::string tar, WriteTar(tree, opts.timestamp));
  BERTH_RETURN_IF_ERROR(WriteFileAtomic(tar_path, tar));
  return image.info;
}

}  // namespace berth::testimage
