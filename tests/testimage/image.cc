#include "tests/testimage/image.h"

#include <utility>

#include "common/status.h"
#include "tests/testimage/digest.h"
#include "tests/testimage/image_json.h"
#include "tests/testimage/layer.h"

namespace berth::testimage {

absl::StatusOr<BuiltImage> BuildImage(const ImageOptions& opts) {
  BuiltImage image;
  std::vector<FsTree> trees;
  BERTH_ASSIGN_OR_RETURN(FsTree base, BuildRootfsTree(opts.rootfs));
  trees.push_back(std::move(base));
  for (size_t i = 0; i < opts.layers.size(); ++i) {
    absl::StatusOr<FsTree> tree = LayerTree(opts.layers[i]);
    if (!tree.ok()) return WithContext(tree.status(), fmt::format("layer {}", i + 2));
    trees.push_back(std::move(*tree));
  }
  for (const FsTree& tree : trees) {
    LayerInfo info;
    BERTH_ASSIGN_OR_RETURN(BuiltImage::Layer layer,
                           BuildLayer(tree, opts.gzip, opts.timestamp, &info));
    image.layers.push_back(std::move(layer));
    image.info.layers.push_back(std::move(info));
  }

  image.config = json::Dump(ImageConfigJson(opts, image.info.layers));
  BERTH_ASSIGN_OR_RETURN(image.info.config_digest, Sha256Digest(image.config));
  image.info.config_size = static_cast<int64_t>(image.config.size());

  image.manifest =
      json::Dump(ManifestJson(image.info.config_digest, image.info.config_size, image.info.layers));
  BERTH_ASSIGN_OR_RETURN(image.info.manifest_digest, Sha256Digest(image.manifest));
  image.info.manifest_size = static_cast<int64_t>(image.manifest.size());

  image.info.ref_name = opts.tag;
  image.info.repo_tag = opts.name + ":" + opts.tag;
  return image;
}

std::vector<LayerSpec> SampleLayers(int total_layers) {
  std::vector<LayerSpec> layers;
  for (int k = 2; k <= total_layers; ++k) {
    LayerSpec spec;
    if (k == 2) {
      spec.files = {{"etc/motd", "berth test image\n"},
                    {"opt/berth/a.txt", "a\n"},
                    {"opt/berth/b.txt", "b\n"}};
      spec.whiteouts = {"mnt", "usr/bin/yes"};
    } else if (k == 3) {
      spec.opaque_dirs = {"opt/berth"};
      spec.files = {{"opt/berth/c.txt", "c\n"}};
    } else {
      spec.files = {{"etc/berth-layer-" + std::to_string(k), std::to_string(k) + "\n"}};
    }
    layers.push_back(std::move(spec));
  }
  return layers;
}

absl::Status SetReference(std::string_view reference, ImageOptions* opts) {
  size_t slash = reference.rfind('/');
  size_t colon = reference.rfind(':');
  std::string_view name;
  std::string_view tag = reference;
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    name = reference.substr(0, colon);
    tag = reference.substr(colon + 1);
  } else if (slash != std::string_view::npos) {
    name = reference;
    tag = "latest";
  }
  if (tag.empty() || (colon != std::string_view::npos && name.empty())) {
    return InvalidArgumentf("image reference \"{}\": want name:tag or tag", reference);
  }
  if (!name.empty()) opts->name = std::string(name);
  opts->tag = std::string(tag);
  return absl::OkStatus();
}

}  // namespace berth::testimage
