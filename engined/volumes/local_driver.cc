#include "engined/volumes/local_driver.h"

#include <sys/mount.h>

#include <string_view>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::volumes {
namespace {

struct FlagDef {
  std::string_view name;
  bool clear;
  unsigned long flag;
};

constexpr FlagDef kFlags[] = {
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"defaults", true, 0},
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string UnescapeMountinfo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool octal = true;
      for (size_t j = 1; j <= 3; ++j) {
        char c = s[i + j];
        if (c < '0' || c > '7') octal = false;
        v = v * 8 + (c - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

absl::Status ValidateLocalOptions(const std::string& name,
                                  const std::map<std::string, std::string>& options) {
  for (const auto& [key, value] : options) {
    if (key != "type" && key != "device" && key != "o" && key != "size") {
      return InvalidArgumentf("create {}: invalid option: \"{}\"", name, key);
    }
  }
  if (options.count("size")) {
    // docker takes size only with an xfs project quota; there is none here.
    return InvalidArgumentf("create {}: quota size requested but no quota support", name);
  }
  static const std::pair<const char*, const char*> kNeeds[] = {
      {"type", "device"}, {"device", "type"}, {"o", "device"}};
  for (const auto& [opt, needs] : kNeeds) {
    if (options.count(opt) && !options.count(needs)) {
      return InvalidArgumentf("create {}: missing required option: \"{}\"", name, needs);
    }
  }
  return absl::OkStatus();
}

bool NeedsMount(const std::map<std::string, std::string>& options) {
  return options.count("device") != 0;
}

MountFlags ParseMountOptions(const std::string& o) {
  MountFlags out;
  std::vector<std::string> data;
  for (std::string_view opt : Split(o, ',', /*skip_empty=*/true)) {
    bool known = false;
    for (const FlagDef& f : kFlags) {
      if (f.name != opt) continue;
      known = true;
      if (f.clear) {
        out.flags &= ~f.flag;
      } else {
        out.flags |= f.flag;
      }
    }
    if (!known) data.emplace_back(opt);
  }
  out.data = Join(data, ",");
  return out;
}

absl::Status MountLocalVolume(const std::string& name,
                              const std::map<std::string, std::string>& options,
                              const std::string& target) {
  auto get = [&](const char* key) {
    auto it = options.find(key);
    return it == options.end() ? std::string() : it->second;
  };
  std::string type = get("type");
  std::string device = get("device");
  MountFlags mf = ParseMountOptions(get("o"));
  const char* fstype = type.empty() || type == "none" ? nullptr : type.c_str();
  const char* data = mf.data.empty() ? nullptr : mf.data.c_str();
  if (mf.flags & MS_BIND) {
    // A bind ignores the other flags on the first call; read-only and
    // friends take a remount, as mount(8) does.
    if (::mount(device.c_str(), target.c_str(), nullptr, mf.flags & (MS_BIND | MS_REC), nullptr) <
        0) {
      return ErrnoErrorf(errno, "mount volume {}: bind {} on {}", name, device, target);
    }
    unsigned long rest = mf.flags & ~(MS_BIND | MS_REC);
    if (rest != 0 &&
        ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | rest, nullptr) < 0) {
      int err = errno;
      ::umount2(target.c_str(), MNT_DETACH);
      return ErrnoErrorf(err, "mount volume {}: remount {} with {}", name, target, get("o"));
    }
    return absl::OkStatus();
  }
  if (::mount(device.c_str(), target.c_str(), fstype, mf.flags, data) < 0) {
    return ErrnoErrorf(errno, "mount volume {}: mount {} (type {}) on {}", name, device, type,
                       target);
  }
  return absl::OkStatus();
}

absl::Status UnmountLocalVolume(const std::string& name, const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(bool mounted, IsMountPoint(target));
  if (!mounted) return absl::OkStatus();
  if (::umount2(target.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
    return ErrnoErrorf(errno, "unmount volume {}: {}", name, target);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> IsMountPoint(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(std::string info, ReadFile("/proc/self/mountinfo"));
  std::string clean = CleanPath(path);
  for (std::string_view line : Split(info, '\n', /*skip_empty=*/true)) {
    std::vector<std::string_view> fields = Split(line, ' ');
    if (fields.size() > 4 && UnescapeMountinfo(fields[4]) == clean) return true;
  }
  return false;
}

}  // namespace berth::engined::volumes
