#include "engined/volumes/volume_routes.h"

#include "common/strings.h"
#include "engined/volumes/volume_json.h"

namespace berth::engined::volumes {

bool ApiVersionAtLeast(const std::string& version, int major, int minor) {
  if (version.empty()) return true;
  auto [maj, min] = SplitOnce(version, '.');
  std::optional<int64_t> a = ParseInt64(maj);
  std::optional<int64_t> b = min ? ParseInt64(*min) : std::optional<int64_t>(0);
  if (!a || !b) return true;
  return *a != major ? *a > major : *b >= minor;
}

namespace {

void ListVolumes(VolumeStore& store, http::Request& req, http::ResponseWriter& w) {
  absl::StatusOr<FilterArgs> filters = ParseFilters(req.Query("filters"));
  if (!filters.ok()) return w.Error(filters.status());
  absl::StatusOr<std::vector<Volume>> volumes = store.List(*filters);
  if (!volumes.ok()) return w.Error(volumes.status());
  nlohmann::json list = nlohmann::json::array();
  for (const Volume& v : *volumes) list.push_back(VolumeToApiJson(v));
  w.Json(200, {{"Volumes", list}, {"Warnings", nullptr}});
}

void CreateVolume(VolumeStore& store, http::Request& req, http::ResponseWriter& w) {
  absl::StatusOr<nlohmann::json> body = req.JsonBody();
  if (!body.ok()) return w.Error(body.status());
  absl::StatusOr<VolumeCreateOptions> opts = CreateOptionsFromJson(*body);
  if (!opts.ok()) return w.Error(opts.status());
  absl::StatusOr<Volume> volume = store.Create(*opts);
  if (!volume.ok()) return w.Error(volume.status());
  w.Json(201, VolumeToApiJson(*volume));
}

void InspectVolume(VolumeStore& store, http::Request& req, http::ResponseWriter& w) {
  absl::StatusOr<Volume> volume = store.Get(req.Param("name"));
  if (!volume.ok()) return w.Error(volume.status());
  w.Json(200, VolumeToApiJson(*volume));
}

void RemoveVolume(VolumeStore& store, http::Request& req, http::ResponseWriter& w) {
  absl::Status removed = store.Remove(req.Param("name"), req.QueryBool("force"));
  if (!removed.ok()) return w.Error(removed);
  w.NoBody(204);
}

void PruneVolumes(VolumeStore& store, http::Request& req, http::ResponseWriter& w) {
  absl::StatusOr<FilterArgs> filters = ParseFilters(req.Query("filters"));
  if (!filters.ok()) return w.Error(filters.status());
  // API 1.42 made prune take only anonymous volumes unless all=true.
  bool anonymous_only = ApiVersionAtLeast(req.api_version, 1, 42);
  if (!anonymous_only) filters->erase("all");
  absl::StatusOr<PruneReport> report = store.Prune(*filters, anonymous_only);
  if (!report.ok()) return w.Error(report.status());
  nlohmann::json deleted =
      report->deleted.empty() ? nlohmann::json(nullptr) : nlohmann::json(report->deleted);
  w.Json(200, {{"VolumesDeleted", deleted}, {"SpaceReclaimed", report->space_reclaimed}});
}

}  // namespace

void AddVolumeRoutes(http::Router& router, VolumeStore& store) {
  VolumeStore* s = &store;
  router.Add("GET", "/volumes",
             [s](http::Request& req, http::ResponseWriter& w) { ListVolumes(*s, req, w); });
  router.Add("POST", "/volumes/create",
             [s](http::Request& req, http::ResponseWriter& w) { CreateVolume(*s, req, w); });
  router.Add("POST", "/volumes/prune",
             [s](http::Request& req, http::ResponseWriter& w) { PruneVolumes(*s, req, w); });
  router.Add("GET", "/volumes/{name}",
             [s](http::Request& req, http::ResponseWriter& w) { InspectVolume(*s, req, w); });
  router.Add("DELETE", "/volumes/{name}",
             [s](http::Request& req, http::ResponseWriter& w) { RemoveVolume(*s, req, w); });
}

}  // namespace berth::engined::volumes
