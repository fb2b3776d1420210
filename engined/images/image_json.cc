// The read-only views: GET /images/json, /images/{name}/json,
// /images/{name}/history, and the images of /system/df.
#include <algorithm>
#include <map>
#include <set>

#include "common/status.h"
#include "engined/images/filters.h"
#include "engined/images/image_service.h"

namespace berth::engined::images {
namespace {

std::map<std::string, std::string> Labels(const nlohmann::json& config) {
  std::map<std::string, std::string> out;
  const nlohmann::json c = config.value("config", nlohmann::json::object());
  auto it = c.find("Labels");
  if (it == c.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

nlohmann::json Summary(const ResolvedImage& img, bool digests) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : Labels(img.config)) labels[k] = v;
  (void)digests;  // RepoDigests are always filled, as API >= 1.25 does
  return {{"Id", img.id},
          {"ParentId", ""},
          {"RepoTags", img.repo_tags},
          {"RepoDigests", img.repo_digests},
          {"Created", img.created},
          {"Size", img.size},
          {"SharedSize", -1},
          {"VirtualSize", img.size},
          {"Labels", labels},
          {"Containers", -1}};
}

bool Dangling(const ResolvedImage& img) {
  return img.repo_tags.empty() && img.repo_digests.empty();
}

}  // namespace

absl::StatusOr<nlohmann::json> ImageService::List(bool all, const std::string& filters_json,
                                                  bool digests) {
  (void)all;  // no intermediate images exist without the legacy builder
  BERTH_ASSIGN_OR_RETURN(
      Filters filters,
      ParseFilters(filters_json, {"dangling", "label", "reference", "before", "since", "until"}));
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  std::optional<bool> dangling;
  for (const std::string& v : filters["dangling"]) {
    BERTH_ASSIGN_OR_RETURN(bool d, ParseBoolFilter("dangling", v));
    dangling = d;
  }
  int64_t before = INT64_MAX, since = INT64_MIN;
  for (const std::string& v : filters["before"]) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage ref, ResolveIn(records, v));
    before = std::min(before, ref.created);
  }
  for (const std::string& v : filters["since"]) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage ref, ResolveIn(records, v));
    since = std::max(since, ref.created);
  }
  std::set<std::string> ids;
  for (const Record& r : records) ids.insert(r.data->id);
  std::vector<ResolvedImage> images;
  for (const std::string& id : ids) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Build(records, id, ""));
    if (dangling && Dangling(img) != *dangling) continue;
    if (!MatchLabels(filters["label"], Labels(img.config))) continue;
    if (img.created >= before || img.created <= since) continue;
    if (!filters["reference"].empty()) {
      std::vector<std::string> kept;
      for (const std::string& t : img.repo_tags) {
        if (MatchReference(filters["reference"], t)) kept.push_back(t);
      }
      if (kept.empty()) continue;
      img.repo_tags = kept;
    }
    images.push_back(std::move(img));
  }
  std::sort(images.begin(), images.end(),
            [](const ResolvedImage& a, const ResolvedImage& b) { return a.created > b.created; });
  nlohmann::json out = nlohmann::json::array();
  for (const ResolvedImage& img : images) {
    nlohmann::json s = Summary(img, digests);
    if (containers_using_) s["Containers"] = ContainersUsing(img.id).size();
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<nlohmann::json> ImageService::Inspect(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Resolve(ref));
  const nlohmann::json& c = img.config;
  nlohmann::json layers = nlohmann::json::array();
  for (const std::string& d : img.diff_ids) layers.push_back(d);
  return nlohmann::json{{"Id", img.id},
                        {"RepoTags", img.repo_tags},
                        {"RepoDigests", img.repo_digests},
                        {"Parent", c.value("parent", "")},
                        {"Comment", c.value("comment", "")},
                        {"Created", c.value("created", "")},
                        {"Container", c.value("container", "")},
                        {"ContainerConfig", c.value("container_config", nlohmann::json::object())},
                        {"DockerVersion", c.value("docker_version", "")},
                        {"Author", c.value("author", "")},
                        {"Config", c.value("config", nlohmann::json::object())},
                        {"Architecture", c.value("architecture", "")},
                        {"Variant", c.value("variant", "")},
                        {"Os", c.value("os", "")},
                        {"Size", img.size},
                        {"VirtualSize", img.size},
                        {"GraphDriver", {{"Name", "overlay2"}, {"Data", nlohmann::json::object()}}},
                        {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
                        {"Metadata", {{"LastTagTime", "0001-01-01T00:00:00Z"}}}};
}

absl::StatusOr<nlohmann::json> ImageService::History(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Resolve(ref));
  const nlohmann::json layers = img.manifest.value("layers", nlohmann::json::array());
  nlohmann::json out = nlohmann::json::array();
  size_t layer = 0;
  for (const nlohmann::json& h : img.config.value("history", nlohmann::json::array())) {
    bool empty = h.value("empty_layer", false);
    int64_t size = 0;
    if (!empty && layer < layers.size()) size = layers[layer++].value("size", int64_t{0});
    out.push_back({{"Id", "<missing>"},
                   {"Created", CreatedSeconds(h)},
                   {"CreatedBy", h.value("created_by", "")},
                   {"Tags", nullptr},
                   {"Size", size},
                   {"Comment", h.value("comment", "")}});
  }
  if (out.empty()) {  // no history recorded: one entry per layer
    for (const nlohmann::json& l : layers) {
      out.push_back({{"Id", "<missing>"},
                     {"Created", img.created},
                     {"CreatedBy", ""},
                     {"Tags", nullptr},
                     {"Size", l.value("size", int64_t{0})},
                     {"Comment", ""}});
    }
  }
  std::reverse(out.begin(), out.end());  // newest first
  if (!out.empty()) {
    out[0]["Id"] = img.id;
    out[0]["Tags"] = img.repo_tags;
  }
  return out;
}

absl::StatusOr<nlohmann::json> ImageService::DiskUsage(int64_t* layers_size) {
  BERTH_ASSIGN_OR_RETURN(std::vector<Record> records, Records());
  std::set<std::string> ids;
  for (const Record& r : records) ids.insert(r.data->id);
  std::vector<ResolvedImage> images;
  // How many images hold each layer blob: what is shared.
  std::map<std::string, std::pair<int, int64_t>> layer_users;
  for (const std::string& id : ids) {
    BERTH_ASSIGN_OR_RETURN(ResolvedImage img, Build(records, id, ""));
    std::set<std::string> mine;
    for (const nlohmann::json& l : img.manifest.value("layers", nlohmann::json::array())) {
      std::string d = l.value("digest", "");
      if (!mine.insert(d).second) continue;
      auto& u = layer_users[d];
      u.first++;
      u.second = l.value("size", int64_t{0});
    }
    images.push_back(std::move(img));
  }
  if (layers_size) {
    *layers_size = 0;
    for (const auto& [d, u] : layer_users) *layers_size += u.second;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const ResolvedImage& img : images) {
    nlohmann::json s = Summary(img, true);
    int64_t shared = 0;
    for (const nlohmann::json& l : img.manifest.value("layers", nlohmann::json::array())) {
      const auto& u = layer_users[l.value("digest", "")];
      if (u.first > 1) shared += u.second;
    }
    s["SharedSize"] = shared;
    s["Containers"] = ContainersUsing(img.id).size();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace berth::engined::images
