// Names and removal: POST /images/{name}/tag, DELETE /images/{name},
// POST /images/prune, with docker's conflict rules.
#include <set>

#include "common/reference.h"
#include "common/status.h"
#include "common/strings.h"
#include "engined/images/filters.h"
#include "engined/images/image_service.h"

namespace berth::engined::images {

absl::Status ImageService::Tag(const std::string& ref, const std::string& repo,
                               const std::string& tag) {
  absl::StatusOr<Reference> target = Reference::Parse(tag.empty() ? repo : repo + ":" + tag);
  if (!target.ok()) {
    return InvalidArgumentf("invalid reference format: repository name \"{}\" (tag \"{}\"): {}",
                            repo, tag, ToStd(target.status().message()));
  }
  if (!target->digest.empty()) {
    return InvalidArgumentf("refusing to create a tag with a digest reference: {}", repo);
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  BERTH_ASSIGN_OR_RETURN(ResolvedImage img, ResolveIn(records, ref));
  // The image that had the name before may be left without one.
  for (const Record& r : records) {
    if (r.image.name() != target->String() || r.data->id == img.id) continue;
    BERTH_ASSIGN_OR_RETURN(ResolvedImage old, Build(records, r.data->id, r.image.name()));
    if (old.names.size() == 1) BERTH_RETURN_IF_ERROR(KeepDangling(r.image.target()));
  }
  BERTH_RETURN_IF_ERROR(CreateRecord(target->String(), img.target));
  // A tagged image is no longer dangling.
  for (const std::string& n : img.names) {
    if (n.starts_with(kDanglingPrefix)) BERTH_RETURN_IF_ERROR(DeleteRecord(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> ImageService::Delete(const std::string& ref, bool force,
                                                    bool noprune) {
  (void)noprune;  // parents are not separate images in the containerd store
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  BERTH_ASSIGN_OR_RETURN(ResolvedImage img, ResolveIn(records, ref));
  // By name when the reference named one record (not an ID).
  absl::StatusOr<Reference> parsed = Reference::Parse(ref);
  bool by_name = parsed.ok() && parsed->String() == img.name && ref.find("sha256:") != 0;
  std::vector<std::string> users = ContainersUsing(img.id);
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::string> named;
  for (const std::string& n : img.names) {
    if (!n.starts_with(kDanglingPrefix)) named.push_back(n);
  }
  if (by_name && named.size() > 1) {  // just this name goes
    BERTH_RETURN_IF_ERROR(DeleteRecord(img.name));
    out.push_back({{"Untagged", FamiliarName(img.name)}});
    return out;
  }
  if (!force && !by_name && named.size() > 1) {
    return FailedPreconditionf(
        "conflict: unable to delete {} (must be forced) - image is referenced in multiple "
        "repositories",
        ShortId(img.id));
  }
  if (!force && !users.empty()) {
    return FailedPreconditionf(
        "conflict: unable to delete {} (must be forced) - image is being used by stopped "
        "container {}",
        by_name ? ref : ShortId(img.id), ShortId(users.front()));
  }
  for (const std::string& n : img.names) {
    BERTH_RETURN_IF_ERROR(DeleteRecord(n));
    std::string familiar = FamiliarName(n);
    if (!familiar.empty()) out.push_back({{"Untagged", familiar}});
  }
  for (const std::string& d : img.repo_digests) out.push_back({{"Untagged", d}});
  out.push_back({{"Deleted", img.id}});
  return out;
}

absl::StatusOr<nlohmann::json> ImageService::Prune(const std::string& filters_json) {
  BERTH_ASSIGN_OR_RETURN(Filters filters,
                         ParseFilters(filters_json, {"dangling", "label", "until"}));
  bool dangling_only = true;
  for (const std::string& v : filters["dangling"]) {
    BERTH_ASSIGN_OR_RETURN(dangling_only, ParseBoolFilter("dangling", v));
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  std::set<std::string> ids;
  for (const Record& r : records) ids.insert(r.data->id);
  nlohmann::json deleted = nlohmann::json::array();
  int64_t reclaimed = 0;
  for (const std::string& id : ids) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Build(records, id, ""));
    if (dangling_only && !img.repo_tags.empty()) continue;
    if (!ContainersUsing(id).empty()) continue;
    (void)filters;  // label/until: TODO, matched like List
    BERTH_ASSIGN_OR_RETURN(nlohmann::json gone, Delete(id, /*force=*/true, false));
    for (nlohmann::json& g : gone) deleted.push_back(std::move(g));
    reclaimed += img.size;
  }
  return nlohmann::json{{"ImagesDeleted", deleted}, {"SpaceReclaimed", reclaimed}};
}

}  // namespace berth::engined::images
