#include "containerd/core/images/oci.h"

#include <sys/utsname.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::images {
namespace {

using json::Json;
using json::View;

absl::Status DataLossf(std::string message) {
  return absl::Status(absl::StatusCode::kDataLoss, message);
}

absl::StatusOr<content::Digest> ParseDigestAt(const View& v) {
  std::string text;
  BERTH_RETURN_IF_ERROR(v.To(&text));
  absl::StatusOr<content::Digest> d = content::Digest::Parse(text);
  if (!d.ok()) return v.Error(ToStd(d.status().message()));
  return d;
}

absl::StatusOr<Platform> ParsePlatformAt(const View& v) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Platform p;
  BERTH_RETURN_IF_ERROR(v.Require("os", &p.os));
  BERTH_RETURN_IF_ERROR(v.Require("architecture", &p.architecture));
  BERTH_RETURN_IF_ERROR(v.Get("variant", &p.variant));
  BERTH_RETURN_IF_ERROR(v.Get("os.version", &p.os_version));
  BERTH_RETURN_IF_ERROR(v.Get("os.features", &p.os_features));
  return p;
}

absl::StatusOr<Descriptor> ParseDescriptorAt(const View& v) {
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Descriptor d;
  BERTH_RETURN_IF_ERROR(v.Require("mediaType", &d.media_type));
  std::optional<View> digest = v.Member("digest");
  if (!digest) return v.Missing("digest");
  BERTH_ASSIGN_OR_RETURN(d.digest, ParseDigestAt(*digest));
  BERTH_RETURN_IF_ERROR(v.Require("size", &d.size));
  if (d.size < 0) return v.Error("size must not be negative");
  BERTH_RETURN_IF_ERROR(v.Get("urls", &d.urls));
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &d.annotations));
  if (std::optional<View> p = v.Member("platform")) {
    BERTH_ASSIGN_OR_RETURN(d.platform, ParsePlatformAt(*p));
  }
  return d;
}

absl::StatusOr<std::vector<Descriptor>> ParseDescriptors(const View& v) {
  BERTH_RETURN_IF_ERROR(v.ExpectArray());
  std::vector<Descriptor> out;
  for (size_t i = 0; i < v.Size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptorAt(v.At(i)));
    out.push_back(std::move(d));
  }
  return out;
}

Json PlatformToJson(const Platform& p) {
  Json j = {{"architecture", p.architecture}, {"os", p.os}};
  if (!p.os_version.empty()) j["os.version"] = p.os_version;
  if (!p.os_features.empty()) j["os.features"] = p.os_features;
  if (!p.variant.empty()) j["variant"] = p.variant;
  return j;
}

Json DescriptorToJson(const Descriptor& d) {
  Json j = Json::object();
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.str();
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) j["platform"] = PlatformToJson(*d.platform);
  return j;
}

// arm variants run older ones: v8 > v7 > v6 > v5.
int ArmVariantRank(std::string_view v) {
  if (v == "v5") return 5;
  if (v == "v6") return 6;
  if (v == "v7") return 7;
  if (v == "v8") return 8;
  return -1;
}

}  // namespace

bool IsIndexType(std::string_view t) {
  return t == kMediaTypeOciIndex || t == kMediaTypeDockerManifestList;
}
bool IsManifestType(std::string_view t) {
  return t == kMediaTypeOciManifest || t == kMediaTypeDockerManifest;
}
bool IsConfigType(std::string_view t) {
  return t == kMediaTypeOciConfig || t == kMediaTypeDockerConfig;
}
bool IsLayerType(std::string_view t) {
  return t.starts_with("application/vnd.oci.image.layer.") ||
         t.starts_with("application/vnd.docker.image.rootfs.");
}

std::string FormatPlatform(const Platform& p) {
  std::string out = p.os + "/" + p.architecture;
  if (!p.variant.empty()) out += "/" + p.variant;
  return out;
}

absl::StatusOr<Platform> ParsePlatform(std::string_view text) {
  std::vector<std::string> parts = SplitToStrings(text, '/');
  if (parts.size() > 3) return InvalidArgumentf("platform {:?}: too many parts", text);
  for (const std::string& part : parts) {
    if (part.empty()) return InvalidArgumentf("platform {:?}: empty part", text);
  }
  Platform p;
  static constexpr std::string_view kOses[] = {"linux",   "windows", "darwin",  "freebsd",
                                               "netbsd",  "openbsd", "solaris", "illumos",
                                               "android", "ios",     "js",      "wasip1"};
  std::string first = absl::AsciiStrToLower(parts[0]);
  bool first_is_os = std::find(std::begin(kOses), std::end(kOses), first) != std::end(kOses);
  if (first_is_os) {
    p.os = first;
    if (parts.size() > 1) p.architecture = parts[1];
    if (parts.size() > 2) p.variant = parts[2];
    if (p.architecture.empty()) p.architecture = HostPlatform().architecture;
  } else {
    if (parts.size() > 2) return InvalidArgumentf("platform {:?}: unknown os {:?}", text, first);
    p.os = "linux";
    p.architecture = parts[0];
    if (parts.size() > 1) p.variant = parts[1];
  }
  return Normalize(p);
}

Platform Normalize(const Platform& in) {
  Platform p = in;
  p.os = absl::AsciiStrToLower(p.os);
  p.architecture = absl::AsciiStrToLower(p.architecture);
  p.variant = absl::AsciiStrToLower(p.variant);
  const std::string& a = p.architecture;
  if (a == "i386") {
    p.architecture = "386";
    p.variant.clear();
  } else if (a == "x86_64" || a == "x86-64" || a == "amd64") {
    p.architecture = "amd64";
    if (p.variant == "v1") p.variant.clear();
  } else if (a == "aarch64" || a == "arm64") {
    p.architecture = "arm64";
    if (p.variant == "8" || p.variant == "v8") p.variant.clear();
  } else if (a == "armhf") {
    p.architecture = "arm";
    p.variant = "v7";
  } else if (a == "armel") {
    p.architecture = "arm";
    p.variant = "v6";
  } else if (a == "arm") {
    if (p.variant.empty() || p.variant == "7") p.variant = "v7";
    if (p.variant == "5" || p.variant == "6" || p.variant == "8") p.variant = "v" + p.variant;
  }
  return p;
}

Platform HostPlatform() {
  struct utsname u;
  Platform p;
  p.os = "linux";
  if (uname(&u) == 0) {
    p.architecture = u.machine;
  } else {
    p.architecture = "amd64";
  }
  std::string machine = p.architecture;
  if (machine.starts_with("armv") && machine.size() > 4) {
    p.architecture = "arm";  // armv7l, armv6l, armv5tel: v7, v6, v5
    p.variant = std::string("v") + machine[4];
  } else if (machine == "i686" || machine == "i586") {
    p.architecture = "386";
  }
  // x86_64, aarch64 and i386 are normalized; ppc64le, s390x and riscv64
  // are spelled as in GOARCH.
  return Normalize(p);
}

bool PlatformMatches(const Platform& want_in, const Platform& have_in) {
  Platform want = Normalize(want_in);
  Platform have = Normalize(have_in);
  if (want.os != have.os || want.architecture != have.architecture) return false;
  if (want.variant.empty() || have.variant.empty() || want.variant == have.variant) return true;
  if (want.architecture == "arm") {
    int w = ArmVariantRank(want.variant);
    int h = ArmVariantRank(have.variant);
    return w > 0 && h > 0 && h <= w;
  }
  return false;
}

absl::StatusOr<Descriptor> ParseDescriptor(std::string_view text, std::string_view what) {
  BERTH_ASSIGN_OR_RETURN(Json j, json::Parse(text, what));
  return ParseDescriptorAt(View(j, std::string(what)));
}

absl::StatusOr<Index> ParseIndex(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, json::Parse(text, "index"));
  View v(j, "index");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Index index;
  BERTH_RETURN_IF_ERROR(v.Require("schemaVersion", &index.schema_version));
  if (index.schema_version != 2) {
    return InvalidArgumentf("index.schemaVersion: unsupported version {}", index.schema_version);
  }
  BERTH_RETURN_IF_ERROR(v.Get("mediaType", &index.media_type));
  if (!index.media_type.empty() && !IsIndexType(index.media_type)) {
    return InvalidArgumentf("index.mediaType: {:?} is not an index", index.media_type);
  }
  std::optional<View> manifests = v.Member("manifests");
  if (!manifests) return v.Missing("manifests");
  BERTH_ASSIGN_OR_RETURN(index.manifests, ParseDescriptors(*manifests));
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &index.annotations));
  return index;
}

absl::StatusOr<Manifest> ParseManifest(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, json::Parse(text, "manifest"));
  View v(j, "manifest");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Manifest m;
  BERTH_RETURN_IF_ERROR(v.Require("schemaVersion", &m.schema_version));
  if (m.schema_version != 2) {
    return InvalidArgumentf(
        "manifest.schemaVersion: unsupported version {} (schema1 manifests "
        "are not supported)",
        m.schema_version);
  }
  BERTH_RETURN_IF_ERROR(v.Get("mediaType", &m.media_type));
  if (!m.media_type.empty() && !IsManifestType(m.media_type)) {
    return InvalidArgumentf("manifest.mediaType: {:?} is not a manifest", m.media_type);
  }
  std::optional<View> config = v.Member("config");
  if (!config) return v.Missing("config");
  BERTH_ASSIGN_OR_RETURN(m.config, ParseDescriptorAt(*config));
  std::optional<View> layers = v.Member("layers");
  if (layers) {
    BERTH_ASSIGN_OR_RETURN(m.layers, ParseDescriptors(*layers));
  }
  BERTH_RETURN_IF_ERROR(v.Get("annotations", &m.annotations));
  return m;
}

absl::StatusOr<ImageConfig> ParseConfig(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, json::Parse(text, "config"));
  View v(j, "config");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  ImageConfig c;
  BERTH_RETURN_IF_ERROR(v.Require("os", &c.platform.os));
  BERTH_RETURN_IF_ERROR(v.Require("architecture", &c.platform.architecture));
  BERTH_RETURN_IF_ERROR(v.Get("variant", &c.platform.variant));
  BERTH_RETURN_IF_ERROR(v.Get("os.version", &c.platform.os_version));
  std::optional<View> rootfs = v.Member("rootfs");
  if (!rootfs) return v.Missing("rootfs");
  BERTH_RETURN_IF_ERROR(rootfs->ExpectObject());
  BERTH_RETURN_IF_ERROR(rootfs->Require("type", &c.rootfs_type));
  if (c.rootfs_type != "layers") {
    return rootfs->Error(fmt::format("type: {:?} is not \"layers\"", c.rootfs_type));
  }
  if (std::optional<View> ids = rootfs->Member("diff_ids")) {
    BERTH_RETURN_IF_ERROR(ids->ExpectArray());
    for (size_t i = 0; i < ids->Size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(content::Digest d, ParseDigestAt(ids->At(i)));
      c.diff_ids.push_back(std::move(d));
    }
  }
  return c;
}

absl::StatusOr<std::string> DetectMediaType(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, json::Parse(text, "document"));
  if (!j.is_object()) return InvalidArgumentf("document: expected an object");
  auto media_type = j.find("mediaType");
  if (media_type != j.end() && media_type->is_string()) return media_type->get<std::string>();
  if (j.contains("manifests")) return std::string(kMediaTypeOciIndex);
  if (j.contains("config")) return std::string(kMediaTypeOciManifest);
  return InvalidArgumentf("document: neither a manifest nor an index");
}

std::string DescriptorJson(const Descriptor& d) { return json::Dump(DescriptorToJson(d)); }

std::string IndexJson(const Index& index) {
  Json j = Json::object();
  j["schemaVersion"] = index.schema_version;
  if (!index.media_type.empty()) j["mediaType"] = index.media_type;
  Json manifests = Json::array();
  for (const Descriptor& d : index.manifests) manifests.push_back(DescriptorToJson(d));
  j["manifests"] = std::move(manifests);
  if (!index.annotations.empty()) j["annotations"] = index.annotations;
  return json::Dump(j);
}

std::string ManifestJson(const Manifest& m) {
  Json j = Json::object();
  j["schemaVersion"] = m.schema_version;
  if (!m.media_type.empty()) j["mediaType"] = m.media_type;
  j["config"] = DescriptorToJson(m.config);
  Json layers = Json::array();
  for (const Descriptor& d : m.layers) layers.push_back(DescriptorToJson(d));
  j["layers"] = std::move(layers);
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  return json::Dump(j);
}

std::vector<content::Digest> ChainIds(const std::vector<content::Digest>& diff_ids) {
  std::vector<content::Digest> out;
  out.reserve(diff_ids.size());
  for (const content::Digest& d : diff_ids) {
    if (out.empty()) {
      out.push_back(d);
    } else {
      out.push_back(content::Digest::Of(out.back().str() + " " + d.str()));
    }
  }
  return out;
}

content::Digest ChainId(const std::vector<content::Digest>& diff_ids) {
  std::vector<content::Digest> ids = ChainIds(diff_ids);
  return ids.empty() ? content::Digest() : ids.back();
}

absl::StatusOr<std::string> ReadDescribed(const content::Store& store, const Descriptor& d,
                                          int64_t max_size) {
  if (d.size > max_size) {
    return FailedPreconditionf("{} {}: size {} exceeds the limit of {} bytes", d.media_type,
                               d.digest.str(), d.size, max_size);
  }
  BERTH_ASSIGN_OR_RETURN(std::string data, store.ReadBlob(d.digest, max_size));
  if (static_cast<int64_t>(data.size()) != d.size) {
    return DataLossf(fmt::format("{} {}: size {} does not match the descriptor's {}", d.media_type,
                                 d.digest.str(), data.size(), d.size));
  }
  if (content::Digest::Of(data) != d.digest) {
    return DataLossf(
        fmt::format("{} {}: content does not match its digest", d.media_type, d.digest.str()));
  }
  return data;
}

namespace {

absl::StatusOr<std::optional<ResolvedImage>> ResolveManifest(const content::Store& store,
                                                             const Descriptor& d,
                                                             const Platform& platform,
                                                             bool check_platform) {
  BERTH_ASSIGN_OR_RETURN(std::string data, ReadDescribed(store, d, kMaxManifestSize));
  ResolvedImage r;
  r.manifest_descriptor = d;
  absl::StatusOr<Manifest> manifest = ParseManifest(data);
  if (!manifest.ok()) return WithContext(manifest.status(), d.digest.str());
  r.manifest = *std::move(manifest);
  if (!IsConfigType(r.manifest.config.media_type)) {
    return InvalidArgumentf("manifest {}: config media type {:?} is not an image config",
                            d.digest.str(), r.manifest.config.media_type);
  }
  BERTH_ASSIGN_OR_RETURN(std::string config,
                         ReadDescribed(store, r.manifest.config, kMaxConfigSize));
  absl::StatusOr<ImageConfig> parsed = ParseConfig(config);
  if (!parsed.ok()) return WithContext(parsed.status(), r.manifest.config.digest.str());
  r.config = *std::move(parsed);
  if (check_platform && !PlatformMatches(platform, r.config.platform)) {
    return std::optional<ResolvedImage>();
  }
  if (r.config.diff_ids.size() != r.manifest.layers.size()) {
    return InvalidArgumentf("manifest {}: {} layers but config {} has {} diff_ids", d.digest.str(),
                            r.manifest.layers.size(), r.manifest.config.digest.str(),
                            r.config.diff_ids.size());
  }
  return std::optional<ResolvedImage>(std::move(r));
}

absl::StatusOr<std::optional<ResolvedImage>> Resolve(const content::Store& store,
                                                     const Descriptor& d, const Platform& platform,
                                                     int depth) {
  if (depth > 4) return InvalidArgumentf("index {}: nested too deeply", d.digest.str());
  if (IsManifestType(d.media_type)) return ResolveManifest(store, d, platform, true);
  if (!IsIndexType(d.media_type)) {
    return InvalidArgumentf("{}: media type {:?} is neither a manifest nor an index",
                            d.digest.str(), d.media_type);
  }
  BERTH_ASSIGN_OR_RETURN(std::string data, ReadDescribed(store, d, kMaxManifestSize));
  absl::StatusOr<Index> index = ParseIndex(data);
  if (!index.ok()) return WithContext(index.status(), d.digest.str());
  for (const Descriptor& child : index->manifests) {
    if (child.platform && !PlatformMatches(platform, *child.platform)) continue;
    if (IsManifestType(child.media_type)) {
      // A descriptor platform that matched is trusted; without one, the
      // config decides.
      BERTH_ASSIGN_OR_RETURN(std::optional<ResolvedImage> r,
                             ResolveManifest(store, child, platform, !child.platform));
      if (r) return r;
    } else if (IsIndexType(child.media_type)) {
      BERTH_ASSIGN_OR_RETURN(std::optional<ResolvedImage> r,
                             Resolve(store, child, platform, depth + 1));
      if (r) return r;
    }
    // Anything else (attestations, signatures) is not an image.
  }
  return std::optional<ResolvedImage>();
}

}  // namespace

absl::StatusOr<ResolvedImage> ResolveImage(const content::Store& store, const Descriptor& target,
                                           const Platform& platform) {
  BERTH_ASSIGN_OR_RETURN(std::optional<ResolvedImage> r, Resolve(store, target, platform, 0));
  if (!r) {
    return NotFoundf("image {}: no manifest for platform {}", target.digest.str(),
                     FormatPlatform(Normalize(platform)));
  }
  return *std::move(r);
}

}  // namespace berth::containerd::images
