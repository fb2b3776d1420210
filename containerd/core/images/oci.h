// OCI image-spec documents as Berth reads them (containerd core/images,
// image-spec's descriptor.md, manifest.md, image-index.md, config.md): the
// OCI index and manifest, their docker schema2 equivalents (manifest list,
// manifest), the image config's platform and rootfs.diff_ids, platform
// matching, and chain IDs. Parsing never throws; unknown fields are ignored;
// errors name the JSON path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/content/digest.h"
#include "containerd/core/content/store.h"

namespace berth::containerd::images {

inline constexpr std::string_view kMediaTypeOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kMediaTypeOciManifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kMediaTypeOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kMediaTypeOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kMediaTypeOciLayerGzip =
    "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kMediaTypeOciLayerZstd =
    "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kMediaTypeDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kMediaTypeDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kMediaTypeDockerConfig =
    "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kMediaTypeDockerLayer =
    "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kMediaTypeDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kMediaTypeDockerForeignLayer =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kAnnotationImageName = "io.containerd.image.name";

// Manifests and indexes larger than this are refused (the distribution
// spec's limit); configs may be larger.
inline constexpr int64_t kMaxManifestSize = 4 << 20;
inline constexpr int64_t kMaxConfigSize = 16 << 20;

bool IsIndexType(std::string_view media_type);     // OCI index, docker manifest list
bool IsManifestType(std::string_view media_type);  // OCI manifest, docker schema2
bool IsConfigType(std::string_view media_type);
// Layer media types, foreign and non-distributable ones included.
bool IsLayerType(std::string_view media_type);

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH spelling: "amd64", "arm64", "arm"
  std::string variant;       // "v7", "v8"; empty: none or any
  std::string os_version;
  std::vector<std::string> os_features;

  bool operator==(const Platform&) const = default;
};

// "linux/amd64", "linux/arm/v7".
std::string FormatPlatform(const Platform& p);
// "os[/arch[/variant]]" or "arch[/variant]" (os linux); InvalidArgument
// for an empty part or more than three.
absl::StatusOr<Platform> ParsePlatform(std::string_view text);
// containerd's platforms.Normalize: lower case, x86_64/x86-64 -> amd64,
// aarch64 -> arm64 (variant v8 dropped, the default), armhf/armel -> arm
// v7/v6, arm without variant -> v7, i386 -> 386.
Platform Normalize(const Platform& p);
// The host's platform, normalized (uname machine): "linux/amd64" on x86_64,
// "linux/arm64" on aarch64 (v8, the default, is dropped), "linux/arm/v7"
// on armv7l, "linux/386" on i686.
Platform HostPlatform();
// Whether an image for `have` runs where `want` is asked for: os and
// architecture equal after normalizing; an empty variant on either side
// matches any; arm v7 also runs v6 and v5 (arm64 v8 and "" are the same).
bool PlatformMatches(const Platform& want, const Platform& have);

struct Descriptor {
  std::string media_type;
  content::Digest digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;

  bool operator==(const Descriptor&) const = default;
};

struct Index {
  int64_t schema_version = 2;
  std::string media_type;  // may be empty in an OCI index
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

struct Manifest {
  int64_t schema_version = 2;
  std::string media_type;  // may be empty in an OCI manifest
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

struct ImageConfig {
  Platform platform;                      // os, architecture, variant, os.version
  std::vector<content::Digest> diff_ids;  // rootfs.diff_ids, bottom layer first
  std::string rootfs_type;                // "layers"
};

// One parse entry point per document; `what` names it in errors.
absl::StatusOr<Descriptor> ParseDescriptor(std::string_view json, std::string_view what);
absl::StatusOr<Index> ParseIndex(std::string_view json);
absl::StatusOr<Manifest> ParseManifest(std::string_view json);
absl::StatusOr<ImageConfig> ParseConfig(std::string_view json);
// The media type of a manifest-like document whose descriptor did not say
// (OCI layout index.json entries always do; this is for the documents'
// own "mediaType" or shape): an index has "manifests", a manifest "config".
absl::StatusOr<std::string> DetectMediaType(std::string_view json);

// Descriptors and documents back to JSON (compact, fields in spec order).
std::string DescriptorJson(const Descriptor& d);
std::string IndexJson(const Index& index);
std::string ManifestJson(const Manifest& manifest);

// chain_id(1) = diff_id(1); chain_id(n) = sha256(chain_id(n-1) + " " + diff_id(n)).
content::Digest ChainId(const std::vector<content::Digest>& diff_ids);
// The chain ID of every prefix: result[i] is the chain of layers 0..i.
std::vector<content::Digest> ChainIds(const std::vector<content::Digest>& diff_ids);

// One image as run: the manifest chosen for a platform, and its config.
struct ResolvedImage {
  Descriptor manifest_descriptor;
  Manifest manifest;
  ImageConfig config;
};

// Reads `target` from `store`: a manifest is taken as is (its config's
// platform must match), an index (nested ones too) yields its first
// manifest whose descriptor platform matches `platform` (descriptors
// without one are checked against their config). NotFound naming the
// platform when none matches; blob digests and sizes are checked against
// the descriptors (DataLoss); layer and diff_id counts must agree.
absl::StatusOr<ResolvedImage> ResolveImage(const content::Store& store, const Descriptor& target,
                                           const Platform& platform);

// Reads a manifest or index blob and checks its size and digest against `d`.
absl::StatusOr<std::string> ReadDescribed(const content::Store& store, const Descriptor& d,
                                          int64_t max_size);

}  // namespace berth::containerd::images
