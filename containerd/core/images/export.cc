// Export of images as OCI layout or docker-save tarballs (see archive.h).
#include <map>
#include <set>
#include <utility>

#include "common/json_util.h"
#include "common/status.h"
#include "containerd/core/images/archive.h"
#include "containerd/core/images/tar_io.h"

namespace berth::containerd::images {
namespace {

using internal::TarWriter;

// The tag of `name` ("busybox:1.36" -> "1.36"), or nullopt.
std::optional<std::string> TagOf(std::string_view name) {
  size_t at = name.find('@');
  if (at != std::string_view::npos) name = name.substr(0, at);
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return std::nullopt;
  }
  return std::string(name.substr(colon + 1));
}

// Every blob reachable from the targets, in first-seen order.
class Collector {
 public:
  explicit Collector(const content::Store& content) : content_(content) {}

  absl::Status Walk(const Descriptor& d, bool in_index, int depth) {
    if (seen_.contains(d.digest)) return absl::OkStatus();
    if (depth > 4) return InvalidArgumentf("index {}: nested too deeply", d.digest.str());
    const bool index = IsIndexType(d.media_type);
    if (!index && !IsManifestType(d.media_type)) {
      if (!in_index) {
        return InvalidArgumentf("{}: media type {:?} is not an image", d.digest.str(),
                                d.media_type);
      }
      // An artifact beside the images: kept when present.
      if (content_.Info(d.digest).ok()) Add(d.digest, d.size);
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> data = ReadDescribed(content_, d, kMaxManifestSize);
    if (absl::IsNotFound(data.status()) && in_index) return absl::OkStatus();
    if (!data.ok()) return data.status();
    Add(d.digest, d.size);
    if (index) {
      absl::StatusOr<Index> parsed = ParseIndex(*data);
      if (!parsed.ok()) return WithContext(parsed.status(), d.digest.str());
      for (const Descriptor& child : parsed->manifests) {
        BERTH_RETURN_IF_ERROR(Walk(child, true, depth + 1));
      }
      return absl::OkStatus();
    }
    absl::StatusOr<Manifest> m = ParseManifest(*data);
    if (!m.ok()) return WithContext(m.status(), d.digest.str());
    BERTH_RETURN_IF_ERROR(AddBlob(m->config, d));
    for (const Descriptor& layer : m->layers) {
      if (!layer.urls.empty() && absl::IsNotFound(content_.Info(layer.digest).status())) continue;
      BERTH_RETURN_IF_ERROR(AddBlob(layer, d));
    }
    return absl::OkStatus();
  }

  const std::vector<std::pair<content::Digest, int64_t>>& blobs() const { return blobs_; }

 private:
  void Add(const content::Digest& d, int64_t size) {
    if (seen_.insert(d).second) blobs_.emplace_back(d, size);
  }
  absl::Status AddBlob(const Descriptor& blob, const Descriptor& manifest) {
    absl::StatusOr<content::BlobInfo> info = content_.Info(blob.digest);
    if (!info.ok()) {
      return WithContext(info.status(), fmt::format("manifest {}", manifest.digest.str()));
    }
    if (info->size != blob.size) {
      return absl::DataLossError(fmt::format("manifest {}: blob {} has {} bytes, not {}",
                                             manifest.digest.str(), blob.digest.str(), info->size,
                                             blob.size));
    }
    Add(blob.digest, blob.size);
    return absl::OkStatus();
  }

  const content::Store& content_;
  std::set<content::Digest> seen_;
  std::vector<std::pair<content::Digest, int64_t>> blobs_;
};

absl::Status WriteBlobEntry(const content::Store& content, TarWriter& tar, const std::string& path,
                            const content::Digest& digest, int64_t size) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, content.OpenBlob(digest));
  return tar.AddFileFromFd(path, fd.get(), size);
}

// One docker manifest.json entry per image config, RepoTags merged.
struct DockerImage {
  ResolvedImage image;
  std::vector<std::string> repo_tags;
};

absl::StatusOr<std::vector<DockerImage>> DockerImages(const content::Store& content,
                                                      const std::vector<Image>& images,
                                                      const Platform& platform, bool required) {
  std::vector<DockerImage> out;
  std::map<content::Digest, size_t> by_config;
  for (const Image& image : images) {
    absl::StatusOr<ResolvedImage> r = ResolveImage(content, image.target, platform);
    if (!r.ok()) {
      if (required) return WithContext(r.status(), fmt::format("image {:?}", image.name));
      continue;
    }
    auto [it, inserted] = by_config.emplace(r->manifest.config.digest, out.size());
    if (inserted) out.push_back(DockerImage{*std::move(r), {}});
    // RepoTags hold "name:tag" only; a digest reference cannot be one.
    if (image.name.find('@') == std::string::npos) {
      std::string tag = image.name;
      if (!TagOf(tag)) tag += ":latest";
      out[it->second].repo_tags.push_back(tag);
    }
  }
  return out;
}

std::string DockerManifestJson(const std::vector<DockerImage>& images, bool oci_paths) {
  json::Json manifest = json::Json::array();
  for (const DockerImage& d : images) {
    json::Json layers = json::Json::array();
    for (const Descriptor& layer : d.image.manifest.layers) {
      layers.push_back(oci_paths ? "blobs/sha256/" + layer.digest.hex()
                                 : layer.digest.hex() + "/layer.tar");
    }
    const std::string& config = d.image.manifest.config.digest.hex();
    manifest.push_back({{"Config", oci_paths ? "blobs/sha256/" + config : config + ".json"},
                        {"RepoTags", d.repo_tags},
                        {"Layers", std::move(layers)}});
  }
  return json::Dump(manifest);
}

absl::Status ExportOci(const content::Store& content, const std::vector<Image>& images,
                       TarWriter& tar, const Platform& platform) {
  Collector collector(content);
  Index index;
  index.media_type = std::string(kMediaTypeOciIndex);
  for (const Image& image : images) {
    BERTH_RETURN_IF_ERROR(
        WithContext(collector.Walk(image.target, false, 0), fmt::format("image {:?}", image.name)));
    Descriptor d = image.target;
    d.annotations[std::string(kAnnotationImageName)] = image.name;
    d.annotations[std::string(kAnnotationRefName)] = TagOf(image.name).value_or(image.name);
    index.manifests.push_back(std::move(d));
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<DockerImage> docker,
                         DockerImages(content, images, platform, /*required=*/false));
  BERTH_RETURN_IF_ERROR(tar.AddFile("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  BERTH_RETURN_IF_ERROR(tar.AddDirectory("blobs"));
  BERTH_RETURN_IF_ERROR(tar.AddDirectory("blobs/sha256"));
  for (const auto& [digest, size] : collector.blobs()) {
    BERTH_RETURN_IF_ERROR(
        WriteBlobEntry(content, tar, "blobs/sha256/" + digest.hex(), digest, size));
  }
  BERTH_RETURN_IF_ERROR(tar.AddFile("index.json", IndexJson(index)));
  if (!docker.empty()) {
    BERTH_RETURN_IF_ERROR(tar.AddFile("manifest.json", DockerManifestJson(docker, true)));
  }
  return absl::OkStatus();
}

absl::Status ExportDocker(const content::Store& content, const std::vector<Image>& images,
                          TarWriter& tar, const Platform& platform) {
  BERTH_ASSIGN_OR_RETURN(std::vector<DockerImage> docker,
                         DockerImages(content, images, platform, /*required=*/true));
  std::set<content::Digest> written;
  for (const DockerImage& d : docker) {
    const Descriptor& config = d.image.manifest.config;
    if (written.insert(config.digest).second) {
      BERTH_RETURN_IF_ERROR(
          WriteBlobEntry(content, tar, config.digest.hex() + ".json", config.digest, config.size));
    }
    for (const Descriptor& layer : d.image.manifest.layers) {
      if (!written.insert(layer.digest).second) continue;
      BERTH_RETURN_IF_ERROR(tar.AddDirectory(layer.digest.hex()));
      BERTH_RETURN_IF_ERROR(WriteBlobEntry(content, tar, layer.digest.hex() + "/layer.tar",
                                           layer.digest, layer.size));
    }
  }
  return tar.AddFile("manifest.json", DockerManifestJson(docker, false));
}

}  // namespace

absl::Status Export(const content::Store& content, const std::vector<Image>& images, int out_fd,
                    const ExportOptions& options) {
  if (images.empty()) return InvalidArgumentf("export: no images");
  Platform platform = options.platform ? *options.platform : HostPlatform();
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<TarWriter> tar, TarWriter::Open(out_fd));
  absl::Status s = options.format == ArchiveFormat::kOciLayout
                       ? ExportOci(content, images, *tar, platform)
                       : ExportDocker(content, images, *tar, platform);
  BERTH_RETURN_IF_ERROR(WithContext(s, "export"));
  return WithContext(tar->Close(), "export");
}

}  // namespace berth::containerd::images
