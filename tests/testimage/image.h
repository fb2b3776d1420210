// Test images built from the busybox rootfs: options, the description of what
// was built (digests, sizes), and the in-memory image every writer (OCI
// layout, OCI archive, docker archive) serializes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testimage/rootfs.h"
#include "tests/testimage/runtime_config.h"

namespace berth::testimage {

inline constexpr char kMediaTypeIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kMediaTypeManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kMediaTypeConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kMediaTypeLayer[] = "application/vnd.oci.image.layer.v1.tar";
inline constexpr char kMediaTypeLayerGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr char kAnnotationRefName[] = "org.opencontainers.image.ref.name";
inline constexpr char kAnnotationContainerdName[] = "io.containerd.image.name";

// A layer above the base rootfs.
struct LayerSpec {
  std::map<std::string, std::string> files;  // container path -> content, mode 0644
  std::vector<std::string> whiteouts;        // paths deleted from the layers below
  std::vector<std::string> opaque_dirs;      // directories whose lower content is hidden
};

struct ImageOptions {
  RootfsOptions rootfs;           // layer 1
  std::vector<LayerSpec> layers;  // layers 2..n, bottom to top
  bool gzip = true;               // OCI layers; docker archives are always plain tar
  int64_t timestamp = 0;          // every entry's mtime, and the config's "created"
  std::string name = "busybox";   // repository: RepoTags "name:tag"
  std::string tag = "latest";     // OCI ref name
  std::string architecture;       // empty: the host's, in GOARCH spelling
  std::string os = "linux";
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd = {"sh"};
  std::vector<std::string> env = {kDefaultPath};
  std::string working_dir;
  std::string user;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposed_ports;  // "8080/tcp"
  std::vector<std::string> volumes;        // "/data"
};

struct LayerInfo {
  std::string media_type;
  std::string digest;  // of the blob as stored (gzip when compressed)
  int64_t size = 0;
  std::string diff_id;  // of the uncompressed tar
  int64_t uncompressed_size = 0;
};

struct ImageInfo {
  std::string manifest_digest;
  int64_t manifest_size = 0;
  std::string config_digest;
  int64_t config_size = 0;
  std::vector<LayerInfo> layers;
  std::string ref_name;  // the tag, as in org.opencontainers.image.ref.name
  std::string repo_tag;  // "name:tag", as in docker's RepoTags
};

struct BuiltImage {
  struct Layer {
    std::string tar;   // uncompressed
    std::string blob;  // as stored in an OCI layout (== tar when not gzip)
  };
  ImageInfo info;
  std::string config;    // serialized config JSON
  std::string manifest;  // serialized manifest JSON
  std::vector<Layer> layers;
};

absl::StatusOr<BuiltImage> BuildImage(const ImageOptions& opts);

// `total_layers` - 1 layers to put above the base (none for 1):
//   2: adds etc/motd, opt/berth/{a,b}.txt; whiteouts mnt and usr/bin/yes
//   3: makes opt/berth opaque and adds opt/berth/c.txt
//   k > 3: adds etc/berth-layer-k
std::vector<LayerSpec> SampleLayers(int total_layers);

// Sets opts->name and opts->tag from "name:tag", only the tag from "tag", and
// the name (tag "latest") from "host:port/name" or "repo/name". Empty parts
// are an InvalidArgument.
absl::Status SetReference(std::string_view reference, ImageOptions* opts);

}  // namespace berth::testimage
