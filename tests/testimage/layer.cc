#include "tests/testimage/layer.h"

#include "common/status.h"
#include "tests/testimage/digest.h"
#include "tests/testimage/tar_writer.h"

namespace berth::testimage {

absl::StatusOr<FsTree> LayerTree(const LayerSpec& spec) {
  FsTree tree;
  // Opaque markers first: AddOpaqueDir creates the directory entry that files
  // below it then reuse.
  for (const std::string& dir : spec.opaque_dirs) BERTH_RETURN_IF_ERROR(tree.AddOpaqueDir(dir));
  for (const std::string& path : spec.whiteouts) BERTH_RETURN_IF_ERROR(tree.AddWhiteout(path));
  for (const auto& [path, content] : spec.files) {
    BERTH_RETURN_IF_ERROR(tree.AddFile(path, content, 0644));
  }
  return tree;
}

absl::StatusOr<BuiltImage::Layer> BuildLayer(const FsTree& tree, bool gzip, int64_t mtime,
                                             LayerInfo* info) {
  BuiltImage::Layer layer;
  BERTH_ASSIGN_OR_RETURN(layer.tar, WriteTar(tree, mtime));
  if (gzip) {
    BERTH_ASSIGN_OR_RETURN(layer.blob, GzipCompress(layer.tar));
  } else {
    layer.blob = layer.tar;
  }
  info->media_type = gzip ? kMediaTypeLayerGzip : kMediaTypeLayer;
  BERTH_ASSIGN_OR_RETURN(info->diff_id, Sha256Digest(layer.tar));
  BERTH_ASSIGN_OR_RETURN(info->digest, Sha256Digest(layer.blob));
  info->size = static_cast<int64_t>(layer.blob.size());
  info->uncompressed_size = static_cast<int64_t>(layer.tar.size());
  return layer;
}

}  // namespace berth::testimage
