#include "engined/volumes/mount_point.h"

#include <map>

#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::volumes {

nlohmann::json MountPointToApiJson(const MountPoint& mp) {
  nlohmann::json j = nlohmann::json::object();
  if (!mp.type.empty()) j["Type"] = mp.type;
  if (!mp.name.empty()) j["Name"] = mp.name;
  j["Source"] = mp.source;
  j["Destination"] = mp.destination;
  if (!mp.driver.empty()) j["Driver"] = mp.driver;
  j["Mode"] = mp.mode;
  j["RW"] = mp.rw;
  j["Propagation"] = mp.propagation;
  return j;
}

nlohmann::json OciMountToJson(const OciMount& m) {
  return {{"destination", m.destination},
          {"type", m.type},
          {"source", m.source},
          {"options", m.options}};
}

absl::StatusOr<OciMount> OciMountFromJson(const nlohmann::json& j, const std::string& path) {
  json::View v(j, path);
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  OciMount m;
  BERTH_RETURN_IF_ERROR(v.Require("destination", &m.destination));
  BERTH_RETURN_IF_ERROR(v.Get("type", &m.type));
  BERTH_RETURN_IF_ERROR(v.Get("source", &m.source));
  BERTH_RETURN_IF_ERROR(v.Get("options", &m.options));
  return m;
}

nlohmann::json MountPointToRecordJson(const MountPoint& mp) {
  nlohmann::json j = MountPointToApiJson(mp);
  j["CopyData"] = mp.copy_data;
  j["Anonymous"] = mp.anonymous;
  if (!mp.tmpfs_data.empty()) j["TmpfsData"] = mp.tmpfs_data;
  j["Oci"] = OciMountToJson(mp.oci);
  return j;
}

absl::StatusOr<MountPoint> MountPointFromRecordJson(const nlohmann::json& j,
                                                    const std::string& path) {
  json::View v(j, path);
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  MountPoint mp;
  BERTH_RETURN_IF_ERROR(v.Get("Type", &mp.type));
  BERTH_RETURN_IF_ERROR(v.Get("Name", &mp.name));
  BERTH_RETURN_IF_ERROR(v.Get("Source", &mp.source));
  BERTH_RETURN_IF_ERROR(v.Require("Destination", &mp.destination));
  BERTH_RETURN_IF_ERROR(v.Get("Driver", &mp.driver));
  BERTH_RETURN_IF_ERROR(v.Get("Mode", &mp.mode));
  BERTH_RETURN_IF_ERROR(v.Get("RW", &mp.rw));
  BERTH_RETURN_IF_ERROR(v.Get("Propagation", &mp.propagation));
  BERTH_RETURN_IF_ERROR(v.Get("CopyData", &mp.copy_data));
  BERTH_RETURN_IF_ERROR(v.Get("Anonymous", &mp.anonymous));
  BERTH_RETURN_IF_ERROR(v.Get("TmpfsData", &mp.tmpfs_data));
  if (std::optional<json::View> oci = v.Member("Oci")) {
    BERTH_ASSIGN_OR_RETURN(mp.oci, OciMountFromJson(oci->json(), oci->path()));
  } else {
    BuildOciMount(mp);
  }
  return mp;
}

std::vector<std::string> TmpfsOciOptions(const std::string& data) {
  std::vector<std::string> all = {"noexec", "nosuid", "nodev", "rprivate"};
  for (std::string& o : SplitToStrings(data, ',', /*skip_empty=*/true)) all.push_back(std::move(o));
  // Pairs where the later one cancels the earlier (docker's MergeTmpfsOptions).
  static const std::map<std::string, std::string> kOpposite = {{"ro", "rw"},
                                                               {"rw", "ro"},
                                                               {"exec", "noexec"},
                                                               {"noexec", "exec"},
                                                               {"suid", "nosuid"},
                                                               {"nosuid", "suid"},
                                                               {"dev", "nodev"},
                                                               {"nodev", "dev"},
                                                               {"atime", "noatime"},
                                                               {"noatime", "atime"},
                                                               {"diratime", "nodiratime"},
                                                               {"nodiratime", "diratime"}};
  static const std::vector<std::string> kPropagation = {"private", "rprivate", "shared",
                                                        "rshared", "slave",    "rslave"};
  std::vector<std::string> out;
  auto erase_if = [&](auto pred) {
    out.erase(std::remove_if(out.begin(), out.end(), pred), out.end());
  };
  for (const std::string& o : all) {
    auto [key, value] = SplitOnce(o, '=');
    if (value) {
      std::string prefix = std::string(key) + "=";
      erase_if([&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    } else if (auto it = kOpposite.find(o); it != kOpposite.end()) {
      erase_if([&](const std::string& e) { return e == o || e == it->second; });
    } else if (std::find(kPropagation.begin(), kPropagation.end(), o) != kPropagation.end()) {
      erase_if([&](const std::string& e) {
        return std::find(kPropagation.begin(), kPropagation.end(), e) != kPropagation.end();
      });
    } else {
      erase_if([&](const std::string& e) { return e == o; });
    }
    out.push_back(o);
  }
  return out;
}

void BuildOciMount(MountPoint& mp) {
  mp.oci = OciMount{};
  mp.oci.destination = mp.destination;
  if (mp.type == "tmpfs") {
    mp.oci.type = "tmpfs";
    mp.oci.source = "tmpfs";
    std::string data = mp.tmpfs_data;
    if (!mp.rw) data = data.empty() ? "ro" : data + ",ro";
    mp.oci.options = TmpfsOciOptions(data);
    return;
  }
  mp.oci.type = "bind";
  mp.oci.source = mp.source;
  mp.oci.options = {"rbind", mp.rw ? "rw" : "ro",
                    mp.propagation.empty() ? "rprivate" : mp.propagation};
}

}  // namespace berth::engined::volumes
