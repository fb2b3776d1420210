#include "tests/testimage/docker_archive.h"

#include "common/file_util.h"
#include "common/status.h"
#include "tests/testimage/digest.h"
#include "tests/testimage/tar_writer.h"

namespace berth::testimage {
namespace {

using json::Json;

// ChainID(L1) = DiffID(L1); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
absl::StatusOr<std::vector<std::string>> ChainIds(const std::vector<LayerInfo>& layers) {
  std::vector<std::string> chain;
  for (const LayerInfo& layer : layers) {
    if (chain.empty()) {
      chain.push_back(layer.diff_id);
    } else {
      BERTH_ASSIGN_OR_RETURN(std::string id, Sha256Digest(chain.back() + " " + layer.diff_id));
      chain.push_back(id);
    }
  }
  return chain;
}

}  // namespace

absl::StatusOr<FsTree> DockerArchiveTree(const BuiltImage& image) {
  const ImageInfo& info = image.info;
  FsTree tree;
  BERTH_ASSIGN_OR_RETURN(std::string config_hex, DigestHex(info.config_digest));
  std::string config_name = config_hex + ".json";
  BERTH_RETURN_IF_ERROR(tree.AddFile(config_name, image.config));

  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> chain, ChainIds(info.layers));
  Json layer_paths = Json::array();
  std::string parent;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    if (info.layers[i].media_type != kMediaTypeLayer) {
      return InvalidArgumentf("docker archive: layer {} is compressed", i + 1);
    }
    BERTH_ASSIGN_OR_RETURN(std::string id, DigestHex(chain[i]));
    Json v1 = {{"id", id}};
    if (!parent.empty()) v1["parent"] = parent;
    BERTH_RETURN_IF_ERROR(tree.AddFile(id + "/VERSION", "1.0"));
    BERTH_RETURN_IF_ERROR(tree.AddFile(id + "/json", json::Dump(v1)));
    BERTH_RETURN_IF_ERROR(tree.AddFile(id + "/layer.tar", image.layers[i].tar));
    layer_paths.push_back(id + "/layer.tar");
    parent = id;
  }

  Json manifest = Json::array(
      {{{"Config", config_name}, {"RepoTags", {info.repo_tag}}, {"Layers", layer_paths}}});
  BERTH_RETURN_IF_ERROR(tree.AddFile("manifest.json", json::Dump(manifest)));
  size_t colon = info.repo_tag.rfind(':');
  Json repositories = {
      {info.repo_tag.substr(0, colon), {{info.repo_tag.substr(colon + 1), parent}}}};
  BERTH_RETURN_IF_ERROR(tree.AddFile("repositories", json::Dump(repositories)));
  return tree;
}

absl::StatusOr<ImageInfo> CreateDockerArchive(const std::string& tar_path,
                                              const ImageOptions& opts) {
  ImageOptions plain = opts;
  plain.gzip = false;
  BERTH_ASSIGN_OR_RETURN(BuiltImage image, BuildImage(plain));
  BERTH_ASSIGN_OR_RETURN(FsTree tree, DockerArchiveTree(image));
  BERTH_ASSIGN_OR_RETURN(std::string tar, WriteTar(tree, opts.timestamp));
  BERTH_RETURN_IF_ERROR(WriteFileAtomic(tar_path, tar));
  return image.info;
}

}  // namespace berth::testimage
