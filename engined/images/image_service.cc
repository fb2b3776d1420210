// Resolution of docker references and IDs to containerd image records, and
// the record bookkeeping every other part of the service builds on.
#include "engined/images/image_service.h"

#include <algorithm>
#include <set>

#include "common/grpc/status_convert.h"
#include "common/reference.h"
#include "common/status.h"
#include "common/time_util.h"
#include "engined/images/content_io.h"

namespace berth::engined::images {
namespace {

constexpr char kHostOs[] = "linux";
constexpr char kHostArch[] = "amd64";

bool IsIndex(const nlohmann::json& j, const std::string& media_type) {
  return media_type.find("index") != std::string::npos ||
         media_type.find("manifest.list") != std::string::npos || j.contains("manifests");
}

bool IsHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string ChainId(const std::vector<std::string>& diff_ids) {
  std::string chain;
  for (const std::string& d : diff_ids) chain = chain.empty() ? d : Sha256Digest(chain + " " + d);
  return chain;
}

int64_t CreatedSeconds(const nlohmann::json& config) {
  std::string created = JsonString(config, "created");
  if (created.empty()) return 0;
  absl::StatusOr<struct timespec> ts = ParseRfc3339(created);
  return ts.ok() ? static_cast<int64_t>(ts->tv_sec) : 0;
}

std::string FamiliarName(const std::string& name) {
  if (name.starts_with(kDanglingPrefix)) return "";
  absl::StatusOr<Reference> ref = Reference::Parse(name);
  return ref.ok() ? ref->Familiar() : "";
}

ImageService::ImageService(ContainerdClient& client, ContainersUsingFn containers_using)
    : client_(client), containers_using_(std::move(containers_using)) {}

std::vector<std::string> ImageService::ContainersUsing(const std::string& id) const {
  return containers_using_ ? containers_using_(id) : std::vector<std::string>();
}

absl::StatusOr<std::shared_ptr<const ImageService::TargetData>> ImageService::LoadTarget(
    const ctrpb::Descriptor& target) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(target.digest()); it != cache_.end()) return it->second;
  }
  auto data = std::make_shared<TargetData>();
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadBlob(client_, target.digest()));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return InvalidArgumentf("manifest {}: not JSON", target.digest());
  data->manifest_desc = target;
  if (IsIndex(j, target.media_type())) {
    // The host's platform, as the rest of berthd runs linux/amd64 only.
    const nlohmann::json* chosen = nullptr;
    for (const nlohmann::json& m : j.value("manifests", nlohmann::json::array())) {
      const nlohmann::json p = m.value("platform", nlohmann::json::object());
      if (JsonString(p, "os") == kHostOs && JsonString(p, "architecture") == kHostArch) {
        chosen = &m;
        break;
      }
    }
    if (chosen == nullptr) {
      return NotFoundf("index {}: no manifest for {}/{}", target.digest(), kHostOs, kHostArch);
    }
    data->manifest_desc.set_media_type(JsonString(*chosen, "mediaType"));
    data->manifest_desc.set_digest(JsonString(*chosen, "digest"));
    data->manifest_desc.set_size(chosen->value("size", int64_t{0}));
    BERTH_ASSIGN_OR_RETURN(text, ReadBlob(client_, data->manifest_desc.digest()));
    j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) {
      return InvalidArgumentf("manifest {}: not JSON", data->manifest_desc.digest());
    }
  }
  data->manifest = j;
  std::string config_digest = JsonString(j.value("config", nlohmann::json::object()), "digest");
  if (!IsSha256Digest(config_digest)) {
    return InvalidArgumentf("manifest {}: no config digest", data->manifest_desc.digest());
  }
  data->id = config_digest;
  BERTH_ASSIGN_OR_RETURN(text, ReadBlob(client_, config_digest));
  data->config = nlohmann::json::parse(text, nullptr, false);
  if (!data->config.is_object()) return InvalidArgumentf("config {}: not JSON", config_digest);
  for (const nlohmann::json& l : j.value("layers", nlohmann::json::array())) {
    data->size += l.value("size", int64_t{0});
  }
  data->created = CreatedSeconds(data->config);
  std::lock_guard lock(mu_);
  cache_[target.digest()] = data;
  return std::shared_ptr<const TargetData>(data);
}

absl::StatusOr<std::vector<ImageService::Record>> ImageService::Records() {
  ctrpb::ListImagesRequest request;
  ctrpb::ListImagesResponse response;
  grpc::Status s =
      client_.images().List(client_.Ctx(std::chrono::seconds(60)).get(), request, &response);
  if (!s.ok()) return WithContext(grpcutil::FromGrpc(s), "list images");
  std::vector<Record> out;
  for (const ctrpb::Image& image : response.images()) {
    absl::StatusOr<std::shared_ptr<const TargetData>> data = LoadTarget(image.target());
    if (!data.ok()) continue;  // content still arriving or gone: not an image docker can show
    out.push_back({image, *data});
  }
  return out;
}

absl::StatusOr<ResolvedImage> ImageService::Build(const std::vector<Record>& records,
                                                  const std::string& id, const std::string& name) {
  ResolvedImage r;
  r.id = id;
  std::set<std::string> digests;
  for (const Record& rec : records) {
    if (rec.data->id != id) continue;
    r.names.push_back(rec.image.name());
    if (r.name.empty() || rec.image.name() == name) {
      r.name = rec.image.name();
      r.target = rec.image.target();
      r.manifest_desc = rec.data->manifest_desc;
      r.manifest = rec.data->manifest;
      r.config = rec.data->config;
      r.size = rec.data->size;
      r.created = rec.data->created;
    }
    absl::StatusOr<Reference> ref = Reference::Parse(rec.image.name());
    if (!ref.ok() || rec.image.name().starts_with(kDanglingPrefix)) continue;
    if (ref->digest.empty()) r.repo_tags.push_back(ref->Familiar());
    Reference by_digest = *ref;
    by_digest.tag.clear();
    by_digest.digest = rec.image.target().digest();
    digests.insert(by_digest.Familiar());
  }
  if (r.names.empty()) return NotFoundf("No such image: {}", id);
  std::sort(r.names.begin(), r.names.end());
  std::sort(r.repo_tags.begin(), r.repo_tags.end());
  r.repo_digests.assign(digests.begin(), digests.end());
  const nlohmann::json rootfs = r.config.value("rootfs", nlohmann::json::object());
  for (const nlohmann::json& d : rootfs.value("diff_ids", nlohmann::json::array())) {
    if (d.is_string()) r.diff_ids.push_back(d.get<std::string>());
  }
  r.chain_id = ChainId(r.diff_ids);
  return r;
}

absl::StatusOr<ResolvedImage> ImageService::ResolveIn(const std::vector<Record>& records,
                                                      const std::string& text) {
  auto not_found = [&] { return NotFoundf("No such image: {}", text); };
  if (text.empty()) return not_found();
  // A full or short ID: "sha256:<hex>" or bare hex; names win over bare hex.
  std::string_view hex = text;
  bool has_algo = hex.starts_with("sha256:");
  if (has_algo) hex.remove_prefix(7);
  absl::StatusOr<Reference> ref = Reference::Parse(text);
  if (!has_algo && ref.ok()) {
    for (const Record& rec : records) {
      if (rec.image.name() == ref->String()) return Build(records, rec.data->id, rec.image.name());
    }
    if (!ref->digest.empty()) {  // name@digest: a record of that repository with that target
      for (const Record& rec : records) {
        absl::StatusOr<Reference> have = Reference::Parse(rec.image.name());
        if (have.ok() && have->Name() == ref->Name() &&
            (rec.image.target().digest() == ref->digest ||
             rec.data->manifest_desc.digest() == ref->digest)) {
          return Build(records, rec.data->id, rec.image.name());
        }
      }
    }
  }
  if (!IsHex(hex) || hex.size() > 64) return not_found();
  std::set<std::string> ids;
  for (const Record& rec : records) {
    if (std::string_view(rec.data->id).substr(7).starts_with(hex)) ids.insert(rec.data->id);
  }
  if (ids.empty()) return not_found();
  if (ids.size() > 1) {
    return InvalidArgumentf("ambiguous image ID prefix \"{}\": matches {} images", text,
                            ids.size());
  }
  return Build(records, *ids.begin(), "");
}

absl::StatusOr<ResolvedImage> ImageService::Resolve(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  return ResolveIn(records, ref);
}

absl::StatusOr<std::string> ImageService::EnsureUnpacked(const ResolvedImage& image) {
  ctrpb::UnpackImageRequest request;
  request.set_name(image.name);
  request.set_snapshotter(kSnapshotter);
  ctrpb::UnpackImageResponse response;
  grpc::Status s = client_.images().Unpack(client_.Ctx().get(), request, &response);
  if (!s.ok()) return WithContext(grpcutil::FromGrpc(s), "unpack " + image.name);
  return response.chain_id();
}

absl::Status ImageService::DeleteRecord(const std::string& name) {
  ctrpb::DeleteImageRequest request;
  request.set_name(name);
  google::protobuf::Empty empty;
  grpc::Status s =
      client_.images().Delete(client_.Ctx(std::chrono::seconds(60)).get(), request, &empty);
  if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
    return WithContext(grpcutil::FromGrpc(s), "delete image " + name);
  }
  return absl::OkStatus();
}

absl::Status ImageService::CreateRecord(const std::string& name, const ctrpb::Descriptor& target) {
  ctrpb::CreateImageRequest create;
  create.mutable_image()->set_name(name);
  *create.mutable_image()->mutable_target() = target;
  ctrpb::CreateImageResponse created;
  grpc::Status s =
      client_.images().Create(client_.Ctx(std::chrono::seconds(60)).get(), create, &created);
  if (s.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    ctrpb::UpdateImageRequest update;
    *update.mutable_image() = create.image();
    update.mutable_update_mask()->add_paths("target");
    ctrpb::UpdateImageResponse updated;
    s = client_.images().Update(client_.Ctx(std::chrono::seconds(60)).get(), update, &updated);
  }
  if (!s.ok()) return WithContext(grpcutil::FromGrpc(s), "record image " + name);
  return absl::OkStatus();
}

absl::Status ImageService::KeepDangling(const ctrpb::Descriptor& target) {
  return CreateRecord(kDanglingPrefix + target.digest(), target);
}

}  // namespace berth::engined::images
