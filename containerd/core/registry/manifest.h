// OCI / docker manifests and indexes as the registry client reads them:
// descriptors, platforms, and platform selection from an index.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/content/digest.h"

namespace berth::containerd::registry {

inline constexpr char kMediaTypeOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kMediaTypeOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kMediaTypeDockerList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kMediaTypeDockerManifest[] =
    "application/vnd.docker.distribution.manifest.v2+json";
// The Accept header of manifest requests: every type we can read.
inline constexpr char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
// Manifests and configs are read whole; anything larger is refused.
inline constexpr int64_t kMaxManifestSize = 4 << 20;

bool IsIndexType(std::string_view media_type);
bool IsManifestType(std::string_view media_type);

struct Platform {
  std::string os;
  std::string architecture;  // GOARCH spelling: amd64, arm64, arm
  std::string variant;       // v7, v8; may be empty

  std::string String() const;  // "linux/arm64/v8"
  // "os/arch[/variant]": InvalidArgument otherwise.
  static absl::StatusOr<Platform> Parse(std::string_view text);
  friend bool operator==(const Platform&, const Platform&) = default;
};

// This host's platform, from uname(2), normalized as containerd does.
Platform HostPlatform();

struct Descriptor {
  std::string media_type;
  content::Digest digest;
  int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// The media type of a manifest document: its "mediaType" field, else
// `content_type` (the HTTP Content-Type), else guessed from its members.
// schema1 manifests are InvalidArgument (unsupported).
absl::StatusOr<std::string> DetectMediaType(std::string_view data, std::string_view content_type);

// Parse a manifest / an index; errors name the JSON path.
absl::StatusOr<Manifest> ParseManifest(std::string_view data);
absl::StatusOr<Index> ParseIndex(std::string_view data);

// The manifest in `index` for `want`: os and architecture must match; a
// requested variant must match (arm64's empty variant is v8); with no
// variant requested, the host-like one is preferred. NotFound listing the
// available platforms otherwise.
absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want);

}  // namespace berth::containerd::registry
