#include "containerd/core/registry/manifest.h"

#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::registry {
namespace {

using images::IsIndexType;
using images::IsManifestType;

absl::StatusOr<Descriptor> ParseDescriptor(const json::View& v) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Descriptor d;
  std::string digest;
  BERTH_RETURN_IF_ERROR(v.Get("mediaType", &d.media_type));
  BERTH_RETURN_IF_ERROR(v.Get("digest", &digest));
  BERTH_RETURN_IF_ERROR(v.Get("size", &d.size));
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &d.annotations));
  absl::StatusOr<content::Digest> parsed = content::Digest::Parse(digest);
  if (!parsed.ok()) {
    return InvalidArgumentf("{}.digest: {}", v.path(), ToStd(parsed.status().message()));
  }
  d.digest = *parsed;
  if (d.size < 0) return InvalidArgumentf("{}.size: negative", v.path());
  if (std::optional<json::View> p = v.Member("platform")) {
    BERTH_RETURN_IF_ERROR(p->ExpectObject());
    Platform platform;
    BERTH_RETURN_IF_ERROR(p->Get("os", &platform.os));
    BERTH_RETURN_IF_ERROR(p->Get("architecture", &platform.architecture));
    BERTH_RETURN_IF_ERROR(p->Get("variant", &platform.variant));
    d.platform = platform;
  }
  return d;
}

std::string NormalizeVariant(const Platform& p) {
  if (p.architecture == "arm64" && (p.variant.empty() || p.variant == "8")) return "v8";
  if (p.architecture == "arm" && p.variant.empty()) return "v7";
  return p.variant;
}

}  // namespace

absl::StatusOr<std::string> DetectMediaType(std::string_view data, std::string_view content_type) {
  BERTH_ASSIGN_OR_RETURN(json::Json doc, json::Parse(data, "manifest"));
  if (!doc.is_object()) return InvalidArgumentf("manifest: expected an object");
  json::View v(doc, "manifest");
  std::string media_type;
  BERTH_RETURN_IF_ERROR(v.Get("mediaType", &media_type));
  int64_t schema = 0;
  BERTH_RETURN_IF_ERROR(v.Get("schemaVersion", &schema));
  if (schema == 1) return InvalidArgumentf("manifest: docker schema1 manifests are not supported");
  if (media_type.empty()) {
    std::string_view ct = content_type.substr(0, content_type.find(';'));
    ct = TrimSpace(ct);
    if (IsIndexType(ct) || IsManifestType(ct)) {
      media_type = std::string(ct);
    } else if (doc.contains("manifests")) {
      media_type = images::kMediaTypeOciIndex;
    } else if (doc.contains("config") && doc.contains("layers")) {
      media_type = images::kMediaTypeOciManifest;
    }
  }
  if (!IsIndexType(media_type) && !IsManifestType(media_type)) {
    return InvalidArgumentf("manifest: unsupported media type \"{}\"", media_type);
  }
  return media_type;
}

absl::StatusOr<Manifest> ParseManifest(std::string_view data) {
  BERTH_ASSIGN_OR_RETURN(json::Json doc, json::Parse(data, "manifest"));
  json::View v(doc, "manifest");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Manifest m;
  BERTH_RETURN_IF_ERROR(v.Get("mediaType", &m.media_type));
  if (m.media_type.empty()) m.media_type = images::kMediaTypeOciManifest;
  if (!IsManifestType(m.media_type)) {
    return InvalidArgumentf("manifest.mediaType: \"{}\" is not an image manifest", m.media_type);
  }
  std::optional<json::View> config = v.Member("config");
  if (!config) return InvalidArgumentf("manifest.config: missing");
  BERTH_ASSIGN_OR_RETURN(m.config, ParseDescriptor(*config));
  std::optional<json::View> layers = v.Member("layers");
  if (layers) {
    BERTH_RETURN_IF_ERROR(layers->ExpectArray());
    for (size_t i = 0; i < layers->Size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor(layers->At(i)));
      m.layers.push_back(std::move(d));
    }
  }
  return m;
}

absl::StatusOr<Index> ParseIndex(std::string_view data) {
  BERTH_ASSIGN_OR_RETURN(json::Json doc, json::Parse(data, "index"));
  json::View v(doc, "index");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Index index;
  BERTH_RETURN_IF_ERROR(v.Get("mediaType", &index.media_type));
  if (index.media_type.empty()) index.media_type = images::kMediaTypeOciIndex;
  if (!IsIndexType(index.media_type)) {
    return InvalidArgumentf("index.mediaType: \"{}\" is not an index", index.media_type);
  }
  std::optional<json::View> manifests = v.Member("manifests");
  if (!manifests) return InvalidArgumentf("index.manifests: missing");
  BERTH_RETURN_IF_ERROR(manifests->ExpectArray());
  for (size_t i = 0; i < manifests->Size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor(manifests->At(i)));
    index.manifests.push_back(std::move(d));
  }
  return index;
}

absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want) {
  const Descriptor* best = nullptr;
  int best_score = -1;
  std::vector<std::string> available;
  std::string want_variant = NormalizeVariant(want);
  for (const Descriptor& d : index.manifests) {
    if (!d.platform) continue;
    available.push_back(images::FormatPlatform(*d.platform));
    if (!IsManifestType(d.media_type) && !d.media_type.empty()) continue;
    if (d.platform->os != want.os || d.platform->architecture != want.architecture) continue;
    std::string variant = NormalizeVariant(*d.platform);
    int score;
    if (variant == want_variant) {
      score = 2;
    } else if (want.variant.empty()) {
      score = 1;  // any variant will do when none was asked for
    } else {
      continue;
    }
    if (score > best_score) {
      best = &d;
      best_score = score;
    }
  }
  if (best == nullptr) {
    return NotFoundf("no manifest for platform {} (available: {})", images::FormatPlatform(want),
                     available.empty() ? "none" : Join(available, ", "));
  }
  return *best;
}

}  // namespace berth::containerd::registry
