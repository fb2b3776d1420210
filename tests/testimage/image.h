// Test images built from Debian's busybox-static: a rootfs, an OCI runtime
// bundle, an OCI image layout (directory or tarball) and a `docker save`
// tarball. Used by tests, benchmarks and the README demo; deterministic, so
// the same inputs always give the same digests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace berth::testimage {

struct ExtraFile {
  std::string host_path;       // copied from here
  std::string container_path;  // to here, inside the rootfs
  uint32_t mode = 0755;
};

struct RootfsOptions {
  std::string busybox = "/bin/busybox";
  std::vector<ExtraFile> extra_files;
};

// bin/busybox, a symlink per applet, /etc/passwd (root, berth 1000, nobody),
// /etc/group, /etc/hosts, and the usual empty directories.
absl::Status CreateRootfs(const std::string& dir, const RootfsOptions& options);

struct ConfigOptions {
  std::vector<std::string> args = {"sh"};
  bool terminal = false;
  bool readonly_root = true;
  std::string hostname = "berth";
  std::vector<std::string> env;      // added to PATH and TERM
  std::string cgroups_path;          // linux.cgroupsPath when not empty
};

// A config.json like `runc spec` writes, for rootfs "rootfs".
json::Json DefaultRuntimeConfig(const ConfigOptions& options);

// dir/config.json and dir/rootfs.
absl::Status CreateBundle(const std::string& dir, const json::Json& config,
                          const RootfsOptions& rootfs);

// One layer on top of the base rootfs.
struct LayerSpec {
  std::map<std::string, std::string> files;  // path -> content
  std::vector<std::string> whiteouts;        // paths deleted by this layer (.wh.NAME)
  std::vector<std::string> opaque_dirs;      // directories made opaque (.wh..wh..opq)
};

struct ImageOptions {
  std::string tag = "latest";           // OCI ref name / docker tag
  std::string repository = "busybox";   // docker RepoTags repository
  std::vector<LayerSpec> extra_layers;  // above the busybox base layer
  bool gzip = true;                     // compress OCI layers
  RootfsOptions rootfs;
  // Image config (config.config of the OCI image config).
  std::vector<std::string> cmd = {"sh"};
  std::vector<std::string> entrypoint;
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::string working_dir;
  std::string user;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  std::vector<std::string> volumes;
};

struct LayerInfo {
  std::string digest;     // of the blob as stored (compressed or not)
  std::string diff_id;    // of the uncompressed tar
  uint64_t size = 0;      // of the blob
  std::string media_type;
};

struct ImageInfo {
  std::string manifest_digest;
  uint64_t manifest_size = 0;
  std::string config_digest;
  uint64_t config_size = 0;
  std::vector<LayerInfo> layers;
};

absl::StatusOr<ImageInfo> CreateOciLayout(const std::string& dir, const ImageOptions& options);
// The same layout as one tar file (what `skopeo copy ... oci-archive:` reads).
absl::StatusOr<ImageInfo> CreateOciArchive(const std::string& tar_path, const ImageOptions& options);
absl::StatusOr<ImageInfo> CreateDockerArchive(const std::string& tar_path,
                                              const ImageOptions& options);

}  // namespace berth::testimage
