#include "engined/spec/devices.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <filesystem>

#include "common/status.h"
#include "common/strings.h"
#include "engined/spec/fields.h"

namespace berth::engined::spec {
namespace {

using nlohmann::json;

bool ValidPermissions(const std::string& p) {
  if (p.empty() || p.size() > 3) return false;
  for (char c : p) {
    if (c != 'r' && c != 'w' && c != 'm') return false;
  }
  return true;
}

json Rule(bool allow, const char* type, int64_t major, int64_t minor) {
  return {{"allow", allow}, {"type", type}, {"major", major}, {"minor", minor}, {"access", "rwm"}};
}

// Docker's default device rules (moby oci/defaults.go): deny all, then the
// nodes every container has; /dev/fuse is denied explicitly as runc would
// otherwise allow it. runc also allows pty slaves and ptmx on its own; we
// list them so any runtime gives a working terminal.
json DefaultRules() {
  json rules = json::array();
  rules.push_back({{"allow", false}, {"access", "rwm"}});
  rules.push_back(Rule(true, "c", 1, 5));      // zero
  rules.push_back(Rule(true, "c", 1, 3));      // null
  rules.push_back(Rule(true, "c", 1, 9));      // urandom
  rules.push_back(Rule(true, "c", 1, 8));      // random
  rules.push_back(Rule(true, "c", 5, 0));      // tty
  rules.push_back(Rule(true, "c", 5, 1));      // console
  rules.push_back(Rule(false, "c", 10, 229));  // fuse
  rules.push_back(Rule(true, "c", 136, 0));    // pty slaves, any minor
  rules.back().erase("minor");
  rules.push_back(Rule(true, "c", 5, 2));  // ptmx
  return rules;
}

absl::StatusOr<json> StatDevice(const std::string& host, const std::string& container,
                                const std::string& permissions, bool with_rule, json* rules) {
  struct stat st {};
  if (stat(host.c_str(), &st) != 0) {
    return ErrnoErrorf(
        errno, "error gathering device information while adding custom device \"{}\"", host);
  }
  const char* type = S_ISCHR(st.st_mode) ? "c" : S_ISBLK(st.st_mode) ? "b" : nullptr;
  if (type == nullptr) {
    return InvalidArgumentf(
        "error gathering device information while adding custom device \"{}\": not a device node",
        host);
  }
  int64_t major = static_cast<int64_t>(::major(st.st_rdev));
  int64_t minor = static_cast<int64_t>(::minor(st.st_rdev));
  if (with_rule) {
    rules->push_back({{"allow", true},
                      {"type", type},
                      {"major", major},
                      {"minor", minor},
                      {"access", permissions}});
  }
  return json{{"path", container},
              {"type", type},
              {"major", major},
              {"minor", minor},
              {"fileMode", st.st_mode & 07777},
              {"uid", st.st_uid},
              {"gid", st.st_gid}};
}

}  // namespace

absl::StatusOr<std::vector<DeviceMapping>> ParseDeviceMappings(const nlohmann::json& host_config) {
  std::vector<DeviceMapping> out;
  const Json* list = Field(host_config, "Devices");
  if (list == nullptr) return out;
  if (!list->is_array()) return InvalidArgumentf("HostConfig.Devices: expected a list");
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& d = (*list)[i];
    std::string path = fmt::format("HostConfig.Devices[{}]", i);
    DeviceMapping m;
    if (d.is_string()) {
      std::vector<std::string> parts = SplitToStrings(d.get<std::string>(), ':');
      if (parts.empty() || parts.size() > 3) {
        return InvalidArgumentf("{}: bad format for device \"{}\"", path, d.get<std::string>());
      }
      m.path_on_host = parts[0];
      if (parts.size() == 2) {
        // "/dev/x:rw" names permissions, "/dev/x:/dev/y" a destination.
        if (ValidPermissions(parts[1])) {
          m.permissions = parts[1];
        } else {
          m.path_in_container = parts[1];
        }
      } else if (parts.size() == 3) {
        m.path_in_container = parts[1];
        m.permissions = parts[2];
      }
    } else if (d.is_object()) {
      BERTH_ASSIGN_OR_RETURN(m.path_on_host, GetString(d, "PathOnHost", path));
      BERTH_ASSIGN_OR_RETURN(m.path_in_container, GetString(d, "PathInContainer", path));
      BERTH_ASSIGN_OR_RETURN(std::string perms, GetString(d, "CgroupPermissions", path));
      if (!perms.empty()) m.permissions = perms;
    } else {
      return InvalidArgumentf("{}: expected an object", path);
    }
    if (m.path_in_container.empty()) m.path_in_container = m.path_on_host;
    if (m.path_on_host.empty() || m.path_on_host[0] != '/') {
      return InvalidArgumentf("{}.PathOnHost: \"{}\" is not an absolute path", path,
                              m.path_on_host);
    }
    if (m.path_in_container[0] != '/') {
      return InvalidArgumentf("{}.PathInContainer: \"{}\" is not an absolute path", path,
                              m.path_in_container);
    }
    if (!ValidPermissions(m.permissions)) {
      return InvalidArgumentf("{}.CgroupPermissions: invalid device mode: {}", path, m.permissions);
    }
    out.push_back(m);
  }
  return out;
}

absl::StatusOr<nlohmann::json> ParseDeviceCgroupRule(const std::string& rule) {
  auto bad = [&rule] { return InvalidArgumentf("invalid device cgroup rule format: '{}'", rule); };
  std::vector<std::string> parts = SplitToStrings(rule, ' ', true);
  if (parts.size() != 3) return bad();
  if (parts[0] != "a" && parts[0] != "b" && parts[0] != "c") return bad();
  auto [maj, min] = SplitOnce(parts[1], ':');
  if (!min) return bad();
  json out = {{"allow", true}, {"type", parts[0]}, {"access", parts[2]}};
  for (auto [key, text] : {std::pair{"major", maj}, std::pair{"minor", *min}}) {
    if (text == "*") continue;
    std::optional<int64_t> n = ParseInt64(text);
    if (!n || *n < 0) return bad();
    out[key] = *n;
  }
  if (!ValidPermissions(parts[2])) return bad();
  return out;
}

absl::StatusOr<DeviceSpec> BuildDevices(const std::vector<DeviceMapping>& mappings,
                                        const std::vector<std::string>& cgroup_rules,
                                        bool privileged, const std::string& host_dev) {
  DeviceSpec out;
  if (privileged) {
    out.rules.push_back({{"allow", true}, {"access", "rwm"}});
    std::error_code ec;
    namespace fs = std::filesystem;
    fs::recursive_directory_iterator it(host_dev, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      std::string name = p.filename().string();
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        if (name == "pts" || name == "shm" || name == "mqueue" || name == "fd" || name == ".lxc" ||
            name == ".udev" || name == ".lxd-mounts") {
          it.disable_recursion_pending();
        }
        continue;
      }
      if (name == "console" || it->is_symlink(ec)) continue;
      absl::StatusOr<json> dev = StatDevice(p.string(), p.string(), "rwm", false, nullptr);
      if (dev.ok()) out.devices.push_back(*dev);  // not a device node: skipped
    }
  } else {
    out.rules = DefaultRules();
  }
  for (const DeviceMapping& m : mappings) {
    BERTH_ASSIGN_OR_RETURN(json dev, StatDevice(m.path_on_host, m.path_in_container, m.permissions,
                                                !privileged, &out.rules));
    // A mapping replaces a host device of the same path added for privileged.
    for (auto it = out.devices.begin(); it != out.devices.end(); ++it) {
      if ((*it)["path"] == m.path_in_container) {
        out.devices.erase(it);
        break;
      }
    }
    out.devices.push_back(std::move(dev));
  }
  if (!privileged) {
    for (size_t i = 0; i < cgroup_rules.size(); ++i) {
      absl::StatusOr<json> rule = ParseDeviceCgroupRule(cgroup_rules[i]);
      if (!rule.ok()) {
        return WithContext(rule.status(), fmt::format("HostConfig.DeviceCgroupRules[{}]", i));
      }
      out.rules.push_back(*rule);
    }
  }
  return out;
}

}  // namespace berth::engined::spec
