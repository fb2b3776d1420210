// Import of OCI layout and docker-save tarballs (see archive.h).
#include <unistd.h>

#include <map>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "containerd/core/images/archive.h"
#include "containerd/core/images/tar_io.h"

namespace berth::containerd::images {
namespace {

using internal::TarEntry;
using internal::TarReader;

struct BlobRef {
  content::Digest digest;
  int64_t size = 0;
};

absl::Status DataLoss(std::string message) { return absl::DataLossError(message); }

// A docker manifest.json entry.
struct DockerEntry {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

absl::StatusOr<std::vector<DockerEntry>> ParseDockerManifest(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(text, "manifest.json"));
  json::View v(j, "manifest.json");
  BERTH_RETURN_IF_ERROR(v.ExpectArray());
  std::vector<DockerEntry> out;
  for (size_t i = 0; i < v.Size(); ++i) {
    json::View e = v.At(i);
    BERTH_RETURN_IF_ERROR(e.ExpectObject());
    DockerEntry d;
    BERTH_RETURN_IF_ERROR(e.Require("Config", &d.config));
    BERTH_RETURN_IF_ERROR(e.Get("RepoTags", &d.repo_tags));
    BERTH_RETURN_IF_ERROR(e.Require("Layers", &d.layers));
    out.push_back(std::move(d));
  }
  return out;
}

// Whether `ref` is more than a bare tag.
bool IsFullName(std::string_view ref) { return ref.find_first_of("/:@") != std::string_view::npos; }

class Importer {
 public:
  Importer(const content::Store& content, const ImportOptions& options)
      : content_(content), options_(options) {
    nonce_ =
        content::Digest::Of(fmt::format("{}-{}", getpid(), metadata::ToUnixNanos(metadata::Now())))
            .hex()
            .substr(0, 12);
  }

  absl::Status ReadArchive(int fd);
  // name -> target
  absl::StatusOr<std::map<std::string, Descriptor>> ImportOci();
  absl::StatusOr<std::map<std::string, Descriptor>> ImportDocker();

  bool IsOci() const { return small_.contains("index.json"); }
  bool IsDocker() const { return small_.contains("manifest.json"); }

 private:
  // Streams the current entry into the content store. With `expected`, a
  // blob already in the store is not rewritten and a mismatch is DataLoss.
  absl::StatusOr<BlobRef> WriteEntry(TarReader& reader, const TarEntry& entry,
                                     const content::Digest& expected);
  absl::StatusOr<BlobRef> WriteBlob(std::string_view data);
  // The path after following links in the archive.
  std::string Resolve(std::string path) const;
  // Manifests / indexes / configs / layers reachable from `d` are present.
  absl::Status CheckComplete(const Descriptor& d, bool in_index, int depth);
  // The RepoTags of docker manifest.json entries by config digest.
  absl::StatusOr<std::map<content::Digest, std::vector<std::string>>> DockerNames();
  absl::StatusOr<std::string> ReadSmallOrBlob(const std::string& path);

  const content::Store& content_;
  const ImportOptions& options_;
  std::string nonce_;
  int counter_ = 0;
  std::map<std::string, std::string> small_;  // small files by path
  std::map<std::string, BlobRef> files_;      // files written to the content store
  std::map<std::string, std::string> links_;  // link path -> archive path it points to
};

absl::StatusOr<BlobRef> Importer::WriteEntry(TarReader& reader, const TarEntry& entry,
                                             const content::Digest& expected) {
  if (!expected.empty()) {
    absl::StatusOr<content::BlobInfo> info = content_.Info(expected);
    if (info.ok() && info->size == entry.size) return BlobRef{expected, entry.size};
  }
  std::string ref = fmt::format("import-{}-{}", nonce_, counter_++);
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::Writer> w,
                         content_.OpenWriter(ref, entry.size, expected));
  absl::Cleanup abort = [&] {
    w.reset();
    (void)content_.Abort(ref);
  };
  BERTH_RETURN_IF_ERROR(WithContext(
      reader.ReadData([&](std::string_view chunk) { return w->Write(chunk); }), entry.path));
  BlobRef blob{w->digest(), w->offset()};
  if (blob.size != entry.size) {
    return DataLoss(fmt::format("{}: read {} of {} bytes", entry.path, blob.size, entry.size));
  }
  if (!expected.empty() && blob.digest != expected) {
    return DataLoss(fmt::format("blob {}: content has digest {}, not the one its name says",
                                entry.path, blob.digest.str()));
  }
  absl::Status s = w->Commit(blob.size, blob.digest);
  if (!s.ok() && !absl::IsAlreadyExists(s)) return WithContext(s, entry.path);
  std::move(abort).Cancel();
  return blob;
}

absl::StatusOr<BlobRef> Importer::WriteBlob(std::string_view data) {
  BlobRef blob{content::Digest::Of(data), static_cast<int64_t>(data.size())};
  if (content_.Info(blob.digest).ok()) return blob;
  std::string ref = fmt::format("import-{}-{}", nonce_, counter_++);
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::Writer> w,
                         content_.OpenWriter(ref, blob.size, blob.digest));
  absl::Cleanup abort = [&] {
    w.reset();
    (void)content_.Abort(ref);
  };
  BERTH_RETURN_IF_ERROR(w->Write(data));
  absl::Status s = w->Commit(blob.size, blob.digest);
  if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
  std::move(abort).Cancel();
  return blob;
}

absl::Status Importer::ReadArchive(int fd) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<TarReader> reader, TarReader::Open(fd));
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<TarEntry> entry, reader->Next());
    if (!entry) break;
    const std::string& path = entry->path;
    if (entry->hardlink) {
      links_[path] = entry->link_target;
      continue;
    }
    if (entry->symlink) {
      std::string dir = path.find('/') == std::string::npos ? "" : path.substr(0, path.rfind('/'));
      std::string target = CleanPath(JoinPath(dir, entry->link_target));
      while (target.starts_with("/")) target.erase(0, 1);
      links_[path] = target;
      continue;
    }
    if (!entry->regular) continue;
    if (path.starts_with("blobs/")) {
      std::vector<std::string> parts = SplitToStrings(path, '/');
      if (parts.size() != 3) continue;
      if (parts[1] != "sha256") {
        return InvalidArgumentf("blob {}: only sha256 digests are supported", path);
      }
      absl::StatusOr<content::Digest> digest = content::Digest::FromHex(parts[2]);
      if (!digest.ok()) return InvalidArgumentf("blob {}: not a sha256 digest", path);
      BERTH_ASSIGN_OR_RETURN(files_[path], WriteEntry(*reader, *entry, *digest));
    } else if (path.ends_with(".tar") || path.ends_with(".tar.gz") || path.ends_with(".tgz")) {
      BERTH_ASSIGN_OR_RETURN(files_[path], WriteEntry(*reader, *entry, {}));
    } else if (entry->size <= kMaxConfigSize) {
      BERTH_ASSIGN_OR_RETURN(small_[path], reader->ReadAll(kMaxConfigSize));
    }
  }
  return absl::OkStatus();
}

std::string Importer::Resolve(std::string path) const {
  for (int i = 0; i < 16; ++i) {
    auto it = links_.find(path);
    if (it == links_.end()) break;
    path = it->second;
  }
  return path;
}

absl::StatusOr<std::string> Importer::ReadSmallOrBlob(const std::string& path) {
  std::string resolved = Resolve(CleanPath(path));
  while (resolved.starts_with("/")) resolved.erase(0, 1);
  if (auto it = small_.find(resolved); it != small_.end()) return it->second;
  if (auto it = files_.find(resolved); it != files_.end()) {
    return content_.ReadBlob(it->second.digest, kMaxConfigSize);
  }
  return NotFoundf("{}: not in the archive", path);
}

absl::Status Importer::CheckComplete(const Descriptor& d, bool in_index, int depth) {
  if (depth > 4) return InvalidArgumentf("index {}: nested too deeply", d.digest.str());
  const bool index = IsIndexType(d.media_type);
  if (!index && !IsManifestType(d.media_type)) {
    if (in_index) return absl::OkStatus();  // an artifact, not an image
    return InvalidArgumentf("index.json: {} has media type {:?}, not an image", d.digest.str(),
                            d.media_type);
  }
  absl::StatusOr<std::string> data = ReadDescribed(content_, d, kMaxManifestSize);
  if (absl::IsNotFound(data.status())) {
    if (in_index) return absl::OkStatus();  // another platform, not in the archive
    return NotFoundf("{} {}: not in the archive", d.media_type, d.digest.str());
  }
  if (!data.ok()) return data.status();
  if (index) {
    absl::StatusOr<Index> parsed = ParseIndex(*data);
    if (!parsed.ok()) return WithContext(parsed.status(), d.digest.str());
    for (const Descriptor& child : parsed->manifests) {
      BERTH_RETURN_IF_ERROR(CheckComplete(child, true, depth + 1));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Manifest> m = ParseManifest(*data);
  if (!m.ok()) return WithContext(m.status(), d.digest.str());
  absl::StatusOr<std::string> config = ReadDescribed(content_, m->config, kMaxConfigSize);
  if (absl::IsNotFound(config.status())) {
    return NotFoundf("manifest {}: config {}: not in the archive", d.digest.str(),
                     m->config.digest.str());
  }
  if (!config.ok()) return WithContext(config.status(), "manifest " + d.digest.str());
  if (IsConfigType(m->config.media_type)) {
    absl::StatusOr<ImageConfig> c = ParseConfig(*config);
    if (!c.ok()) return WithContext(c.status(), m->config.digest.str());
    if (c->diff_ids.size() != m->layers.size()) {
      return InvalidArgumentf("manifest {}: {} layers but {} diff_ids in its config",
                              d.digest.str(), m->layers.size(), c->diff_ids.size());
    }
  }
  for (const Descriptor& layer : m->layers) {
    absl::StatusOr<content::BlobInfo> info = content_.Info(layer.digest);
    if (absl::IsNotFound(info.status())) {
      if (!layer.urls.empty()) continue;  // a foreign layer, fetched from its URLs
      return NotFoundf("manifest {}: layer {}: not in the archive", d.digest.str(),
                       layer.digest.str());
    }
    if (!info.ok()) return info.status();
    if (info->size != layer.size) {
      return DataLoss(fmt::format("manifest {}: layer {} has {} bytes, not {}", d.digest.str(),
                                  layer.digest.str(), info->size, layer.size));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<content::Digest, std::vector<std::string>>> Importer::DockerNames() {
  std::map<content::Digest, std::vector<std::string>> out;
  auto it = small_.find("manifest.json");
  if (it == small_.end()) return out;
  BERTH_ASSIGN_OR_RETURN(std::vector<DockerEntry> entries, ParseDockerManifest(it->second));
  for (const DockerEntry& e : entries) {
    std::string path = Resolve(CleanPath(e.config));
    std::string hex = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    if (hex.ends_with(".json")) hex.resize(hex.size() - 5);
    absl::StatusOr<content::Digest> d = content::Digest::FromHex(hex);
    if (!d.ok()) continue;
    auto& names = out[*d];
    names.insert(names.end(), e.repo_tags.begin(), e.repo_tags.end());
  }
  return out;
}

absl::StatusOr<std::map<std::string, Descriptor>> Importer::ImportOci() {
  if (auto it = small_.find("oci-layout"); it != small_.end()) {
    BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(it->second, "oci-layout"));
    json::View v(j, "oci-layout");
    BERTH_RETURN_IF_ERROR(v.ExpectObject());
    std::string version;
    BERTH_RETURN_IF_ERROR(v.Require("imageLayoutVersion", &version));
  }
  absl::StatusOr<Index> index = ParseIndex(small_["index.json"]);
  if (!index.ok()) return WithContext(index.status(), "index.json");
  BERTH_ASSIGN_OR_RETURN(auto docker_names, DockerNames());

  std::map<std::string, Descriptor> out;
  for (const Descriptor& d : index->manifests) {
    BERTH_RETURN_IF_ERROR(CheckComplete(d, /*in_index=*/false, 0));
    std::vector<std::string> names;
    auto annotation = [&](std::string_view key) -> std::string {
      auto it = d.annotations.find(std::string(key));
      return it == d.annotations.end() ? std::string() : it->second;
    };
    std::string ref = annotation(kAnnotationRefName);
    if (std::string name = annotation(kAnnotationImageName); !name.empty()) {
      names.push_back(name);
    } else if (!ref.empty() && IsFullName(ref)) {
      names.push_back(ref);
    } else {
      if (IsManifestType(d.media_type)) {
        BERTH_ASSIGN_OR_RETURN(std::string data, ReadDescribed(content_, d, kMaxManifestSize));
        BERTH_ASSIGN_OR_RETURN(Manifest m, ParseManifest(data));
        if (auto it = docker_names.find(m.config.digest); it != docker_names.end()) {
          names = it->second;
        }
      }
      if (names.empty() && !ref.empty()) {
        names.push_back(options_.base_name.empty() ? ref : options_.base_name + ":" + ref);
      }
    }
    for (const std::string& name : names) out[name] = d;
  }
  return out;
}

absl::StatusOr<std::map<std::string, Descriptor>> Importer::ImportDocker() {
  BERTH_ASSIGN_OR_RETURN(std::vector<DockerEntry> entries,
                         ParseDockerManifest(small_["manifest.json"]));
  std::map<std::string, Descriptor> out;
  for (const DockerEntry& e : entries) {
    absl::StatusOr<std::string> config_data = ReadSmallOrBlob(e.config);
    if (!config_data.ok()) return WithContext(config_data.status(), "manifest.json: config");
    absl::StatusOr<ImageConfig> config = ParseConfig(*config_data);
    if (!config.ok()) return WithContext(config.status(), e.config);
    if (config->diff_ids.size() != e.layers.size()) {
      return InvalidArgumentf("manifest.json: {} layers but {} diff_ids in {}", e.layers.size(),
                              config->diff_ids.size(), e.config);
    }
    Manifest m;
    m.media_type = std::string(kMediaTypeOciManifest);
    BERTH_ASSIGN_OR_RETURN(BlobRef config_blob, WriteBlob(*config_data));
    m.config = Descriptor{std::string(kMediaTypeOciConfig),
                          config_blob.digest,
                          config_blob.size,
                          {},
                          {},
                          std::nullopt};
    for (size_t i = 0; i < e.layers.size(); ++i) {
      std::string path = Resolve(CleanPath(e.layers[i]));
      while (path.starts_with("/")) path.erase(0, 1);
      auto it = files_.find(path);
      if (it == files_.end()) return NotFoundf("layer {}: not in the archive", e.layers[i]);
      const BlobRef& blob = it->second;
      std::string media_type;
      if (blob.digest == config->diff_ids[i]) {
        media_type = std::string(kMediaTypeOciLayer);
      } else {
        // A compressed layer: its diff_id is checked when it is unpacked.
        BERTH_ASSIGN_OR_RETURN(UniqueFd fd, content_.OpenBlob(blob.digest));
        unsigned char magic[4] = {};
        ssize_t n = pread(fd.get(), magic, sizeof(magic), 0);
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
          media_type = std::string(kMediaTypeOciLayerGzip);
        } else if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
                   magic[3] == 0xfd) {
          media_type = std::string(kMediaTypeOciLayerZstd);
        } else {
          return DataLoss(fmt::format("layer {}: digest {} does not match diff_id {}", e.layers[i],
                                      blob.digest.str(), config->diff_ids[i].str()));
        }
      }
      m.layers.push_back(Descriptor{media_type, blob.digest, blob.size, {}, {}, std::nullopt});
    }
    std::string manifest = ManifestJson(m);
    BERTH_ASSIGN_OR_RETURN(BlobRef manifest_blob, WriteBlob(manifest));
    Descriptor target{std::string(kMediaTypeOciManifest),
                      manifest_blob.digest,
                      manifest_blob.size,
                      {},
                      {},
                      std::nullopt};
    for (const std::string& name : e.repo_tags) out[name] = target;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Image>> Import(const content::Store& content, metadata::Store& store,
                                          std::string_view ns, int tar_fd,
                                          const ImportOptions& options) {
  Importer importer(content, options);
  BERTH_RETURN_IF_ERROR(WithContext(importer.ReadArchive(tar_fd), "import"));
  std::map<std::string, Descriptor> named;
  if (importer.IsOci()) {
    absl::StatusOr<std::map<std::string, Descriptor>> r = importer.ImportOci();
    if (!r.ok()) return WithContext(r.status(), "import");
    named = *std::move(r);
  } else if (importer.IsDocker()) {
    absl::StatusOr<std::map<std::string, Descriptor>> r = importer.ImportDocker();
    if (!r.ok()) return WithContext(r.status(), "import");
    named = *std::move(r);
  } else {
    return InvalidArgumentf(
        "import: neither an OCI layout (index.json) nor a docker-save tarball (manifest.json)");
  }
  if (named.empty()) return InvalidArgumentf("import: the archive names no image");
  for (const auto& [name, target] : named) {
    BERTH_RETURN_IF_ERROR(WithContext(ValidateImageName(name), "import"));
  }
  return store.UpdateValue([&](metadata::Transaction& tx) -> absl::StatusOr<std::vector<Image>> {
    ImageStore images(tx, std::string(ns));
    std::vector<Image> out;
    for (const auto& [name, target] : named) {
      Image image;
      image.name = name;
      image.labels = options.labels;
      image.target = target;
      absl::StatusOr<Image> existing = images.Get(name);
      if (existing.ok()) {
        std::vector<std::string> paths = {"target"};
        for (const auto& [key, value] : options.labels) paths.push_back("labels." + key);
        BERTH_ASSIGN_OR_RETURN(Image updated, images.Update(image, paths));
        out.push_back(std::move(updated));
      } else if (absl::IsNotFound(existing.status())) {
        BERTH_ASSIGN_OR_RETURN(Image created, images.Create(image));
        out.push_back(std::move(created));
      } else {
        return existing.status();
      }
    }
    return out;
  });
}

}  // namespace berth::containerd::images
