#include "engined/volumes/resolve_mounts.h"

#include <algorithm>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "common/file_util.h"
#include "common/json_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "engined/volumes/bind_parser.h"

namespace berth::engined::volumes {
namespace {

absl::Status DuplicateMountPoint(const std::string& destination) {
  return InvalidArgumentf("Duplicate mount point: {}", destination);
}

size_t Depth(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

// Parents before children, as docker's sortMounts.
template <typename T, typename Key>
void SortByDepth(std::vector<T>& v, Key key) {
  std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) {
    size_t da = Depth(key(a)), db = Depth(key(b));
    return da != db ? da < db : key(a) < key(b);
  });
}

}  // namespace

std::vector<OciMount> ResolvedMounts::OciMounts() const {
  std::vector<OciMount> out;
  for (const MountPoint& mp : mount_points) out.push_back(mp.oci);
  out.insert(out.end(), tmpfs.begin(), tmpfs.end());
  SortByDepth(out, [](const OciMount& m) { return CleanPath(m.destination); });
  return out;
}

absl::StatusOr<MountRequest> MountRequestFromJson(const std::string& container_id,
                                                  const nlohmann::json& config,
                                                  const nlohmann::json& host_config) {
  MountRequest req;
  req.container_id = container_id;
  if (!config.is_null()) {
    json::View c(config, "Config");
    BERTH_RETURN_IF_ERROR(c.ExpectObject());
    if (std::optional<json::View> vols = c.Member("Volumes")) {
      BERTH_RETURN_IF_ERROR(vols->ExpectObject());
      req.volumes = vols->Keys();
    }
  }
  if (!host_config.is_null()) {
    json::View h(host_config, "HostConfig");
    BERTH_RETURN_IF_ERROR(h.ExpectObject());
    BERTH_RETURN_IF_ERROR(h.Get("Binds", &req.binds));
    BERTH_RETURN_IF_ERROR(h.Get("Tmpfs", &req.tmpfs));
    BERTH_RETURN_IF_ERROR(h.Get("VolumesFrom", &req.volumes_from));
    BERTH_RETURN_IF_ERROR(h.Get("VolumeDriver", &req.volume_driver));
    if (std::optional<json::View> mounts = h.Member("Mounts")) {
      BERTH_RETURN_IF_ERROR(mounts->ExpectArray());
      for (size_t i = 0; i < mounts->Size(); ++i) {
        json::View m = mounts->At(i);
        BERTH_ASSIGN_OR_RETURN(MountSpec spec, MountSpecFromJson(m.json(), m.path()));
        req.mounts.push_back(std::move(spec));
      }
    }
  }
  return req;
}

nlohmann::json ResolvedMountsToJson(const ResolvedMounts& r) {
  nlohmann::json j = {{"MountPoints", nlohmann::json::array()},
                      {"Tmpfs", nlohmann::json::array()},
                      {"Volumes", r.volumes}};
  for (const MountPoint& mp : r.mount_points)
    j["MountPoints"].push_back(MountPointToRecordJson(mp));
  for (const OciMount& m : r.tmpfs) j["Tmpfs"].push_back(OciMountToJson(m));
  return j;
}

absl::StatusOr<ResolvedMounts> ResolvedMountsFromJson(const nlohmann::json& j,
                                                      const std::string& path) {
  json::View v(j, path);
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  ResolvedMounts r;
  if (std::optional<json::View> mps = v.Member("MountPoints")) {
    BERTH_RETURN_IF_ERROR(mps->ExpectArray());
    for (size_t i = 0; i < mps->Size(); ++i) {
      json::View m = mps->At(i);
      BERTH_ASSIGN_OR_RETURN(MountPoint mp, MountPointFromRecordJson(m.json(), m.path()));
      r.mount_points.push_back(std::move(mp));
    }
  }
  if (std::optional<json::View> tmpfs = v.Member("Tmpfs")) {
    BERTH_RETURN_IF_ERROR(tmpfs->ExpectArray());
    for (size_t i = 0; i < tmpfs->Size(); ++i) {
      json::View m = tmpfs->At(i);
      BERTH_ASSIGN_OR_RETURN(OciMount om, OciMountFromJson(m.json(), m.path()));
      r.tmpfs.push_back(std::move(om));
    }
  }
  BERTH_RETURN_IF_ERROR(v.Get("Volumes", &r.volumes));
  return r;
}

absl::StatusOr<ResolvedMounts> ResolveMounts(VolumeStore& store, const MountRequest& request,
                                             const MountPointLookup& volumes_from,
                                             const ResolveOptions& options) {
  std::map<std::string, MountPoint> points;  // by destination
  std::set<std::string> explicit_dests;      // from Binds and Mounts

  for (const std::string& tmpfs_dest : [&] {
         std::vector<std::string> keys;
         for (const auto& [dest, opts] : request.tmpfs) keys.push_back(dest);
         return keys;
       }()) {
    BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerPath(tmpfs_dest), "invalid tmpfs mount"));
  }
  auto is_tmpfs = [&](const std::string& dest) {
    for (const auto& [d, opts] : request.tmpfs) {
      if (CleanPath(d) == dest) return true;
    }
    return false;
  };

  // 1. VolumesFrom: the other container's mounts, read-only if asked.
  for (const std::string& spec : request.volumes_from) {
    BERTH_ASSIGN_OR_RETURN(VolumesFrom from, ParseVolumesFrom(spec));
    if (!volumes_from) return NotFoundf("No such container: {}", from.container);
    BERTH_ASSIGN_OR_RETURN(std::vector<MountPoint> theirs, volumes_from(from.container));
    for (const MountPoint& m : theirs) {
      MountPoint cp;
      cp.type = m.type;
      cp.name = m.name;
      cp.source = m.source;
      cp.destination = m.destination;
      cp.driver = m.driver;
      cp.rw = m.rw && ModeIsReadWrite(from.mode);
      cp.propagation = m.propagation;
      cp.tmpfs_data = m.tmpfs_data;
      points[cp.destination] = std::move(cp);
    }
  }

  // 2. Binds.
  for (const std::string& raw : request.binds) {
    BERTH_ASSIGN_OR_RETURN(MountPoint mp, ParseBind(raw, request.volume_driver));
    if (explicit_dests.count(mp.destination) || is_tmpfs(mp.destination)) {
      return DuplicateMountPoint(mp.destination);
    }
    if (mp.type == "volume" && mp.mode.empty()) mp.mode = "z";  // docker: local volumes
    explicit_dests.insert(mp.destination);
    points[mp.destination] = std::move(mp);
  }

  // 3. Mounts.
  std::map<std::string, const MountSpec*> spec_of;
  for (const MountSpec& spec : request.mounts) {
    BERTH_ASSIGN_OR_RETURN(MountPoint mp, ParseMountSpec(spec, /*check_bind_source=*/true));
    if (explicit_dests.count(mp.destination) || is_tmpfs(mp.destination)) {
      return DuplicateMountPoint(CleanPath(spec.target));
    }
    explicit_dests.insert(mp.destination);
    spec_of[mp.destination] = &spec;
    points[mp.destination] = std::move(mp);
  }

  // 4. Config.Volumes: anonymous, unless something is mounted there.
  for (const std::string& raw : request.volumes) {
    std::string dest = CleanPath(raw);
    BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerPath(raw),
                                      fmt::format("invalid volume specification: '{}'", raw)));
    if (points.count(dest) || is_tmpfs(dest)) continue;
    MountPoint mp;
    mp.type = "volume";
    mp.destination = dest;
    mp.anonymous = true;
    mp.copy_data = true;
    points[dest] = std::move(mp);
  }

  // Volumes: create (named ones may exist) and acquire; undone on error.
  ResolvedMounts out;
  std::vector<std::string> created_anonymous;
  bool committed = false;
  absl::Cleanup rollback = [&] {
    if (committed) return;
    for (const std::string& name : out.volumes) (void)store.Release(name, request.container_id);
    for (const std::string& name : created_anonymous) (void)store.Remove(name, false);
  };
  for (auto& [dest, mp] : points) {
    if (mp.type == "volume") {
      if (mp.source.empty()) {  // not from VolumesFrom: create or find it
        VolumeCreateOptions create;
        create.name = mp.name;
        create.driver = mp.driver.empty() ? request.volume_driver : mp.driver;
        if (auto it = spec_of.find(dest); it != spec_of.end()) {
          create.labels = it->second->labels;
          create.options = it->second->driver_options;
        }
        BERTH_ASSIGN_OR_RETURN(Volume v, store.Create(create));
        if (mp.name.empty()) created_anonymous.push_back(v.name);
        mp.name = v.name;
        mp.driver = v.driver;
      }
      BERTH_ASSIGN_OR_RETURN(mp.source, store.Acquire(mp.name, request.container_id));
      out.volumes.push_back(mp.name);
    } else if (mp.type == "bind" && options.create_bind_sources && !PathExists(mp.source)) {
      // docker creates a missing -v host path as a directory.
      BERTH_RETURN_IF_ERROR(
          WithContext(MkdirAll(mp.source, 0755), fmt::format("create bind source for {}", dest)));
    }
    BuildOciMount(mp);
    out.mount_points.push_back(mp);
  }

  // 5. HostConfig.Tmpfs.
  for (const auto& [dest, data] : request.tmpfs) {
    OciMount m;
    m.destination = CleanPath(dest);
    m.type = "tmpfs";
    m.source = "tmpfs";
    m.options = TmpfsOciOptions(data);
    out.tmpfs.push_back(std::move(m));
  }
  SortByDepth(out.mount_points, [](const MountPoint& m) { return m.destination; });
  committed = true;
  return out;
}

absl::Status ReacquireVolumes(VolumeStore& store, const std::string& container_id,
                              const ResolvedMounts& mounts) {
  for (const std::string& name : mounts.volumes) {
    BERTH_RETURN_IF_ERROR(store.Acquire(name, container_id).status());
  }
  return absl::OkStatus();
}

absl::Status ReleaseVolumes(VolumeStore& store, const std::string& container_id,
                            const ResolvedMounts& mounts, bool remove_anonymous) {
  absl::Status first;
  for (const std::string& name : mounts.volumes) {
    absl::Status s = store.Release(name, container_id);
    if (!s.ok() && first.ok()) first = s;
  }
  if (!remove_anonymous) return first;
  for (const MountPoint& mp : mounts.mount_points) {
    if (mp.type != "volume" || !mp.anonymous) continue;
    absl::Status s = store.Remove(mp.name, /*force=*/false);
    // Still used by another container (VolumesFrom): docker keeps it too.
    if (!s.ok() && s.code() != absl::StatusCode::kNotFound &&
        s.code() != absl::StatusCode::kFailedPrecondition && first.ok()) {
      first = s;
    }
  }
  return first;
}

}  // namespace berth::engined::volumes
