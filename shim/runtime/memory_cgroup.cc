#include "shim/runtime/memory_cgroup.h"

#include <algorithm>
#include <optional>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::shim {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      std::string_view oct = s.substr(i + 1, 3);
      if (std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The directory of `cgroup_path` under a mount of its hierarchy, or nullopt
// when the mount shows a different part of the hierarchy.
std::optional<std::string> UnderMount(const MountInfoEntry& m, const std::string& cgroup_path) {
  if (m.root == "/") return CleanPath(m.mount_point + "/" + cgroup_path);
  if (cgroup_path == m.root) return m.mount_point;
  if (cgroup_path.size() > m.root.size() && cgroup_path.compare(0, m.root.size(), m.root) == 0 &&
      cgroup_path[m.root.size()] == '/') {
    return CleanPath(m.mount_point + cgroup_path.substr(m.root.size()));
  }
  return std::nullopt;
}

bool Has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::vector<ProcCgroupEntry> ParseProcCgroup(std::string_view text) {
  std::vector<ProcCgroupEntry> out;
  for (std::string_view line : Split(text, '\n', /*skip_empty=*/true)) {
    auto [id, rest] = SplitOnce(line, ':');
    if (!rest) continue;
    auto [controllers, path] = SplitOnce(*rest, ':');
    std::optional<int64_t> n = ParseInt64(id);
    if (!n || !path) continue;
    ProcCgroupEntry e;
    e.hierarchy_id = static_cast<int>(*n);
    e.controllers = SplitToStrings(controllers, ',', /*skip_empty=*/true);
    e.path = std::string(*path);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<MountInfoEntry> ParseMountInfo(std::string_view text) {
  std::vector<MountInfoEntry> out;
  for (std::string_view line : Split(text, '\n', /*skip_empty=*/true)) {
    std::vector<std::string_view> f = Split(line, ' ', /*skip_empty=*/true);
    // id parent dev root mount_point options [optional...] - type source super
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 10 || dash == f.end() || f.end() - dash < 4 || dash - f.begin() < 6) continue;
    MountInfoEntry m;
    m.root = Unescape(f[3]);
    m.mount_point = Unescape(f[4]);
    m.fs_type = std::string(dash[1]);
    m.super_options = SplitToStrings(dash[3], ',', /*skip_empty=*/true);
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<MemoryCgroup> FindMemoryCgroup(std::string_view proc_cgroup,
                                              std::string_view mountinfo, const std::string& what) {
  std::vector<ProcCgroupEntry> cgroups = ParseProcCgroup(proc_cgroup);
  std::vector<MountInfoEntry> mounts = ParseMountInfo(mountinfo);

  for (const ProcCgroupEntry& c : cgroups) {
    if (!Has(c.controllers, "memory")) continue;
    for (const MountInfoEntry& m : mounts) {
      if (m.fs_type != "cgroup" || !Has(m.super_options, "memory")) continue;
      if (std::optional<std::string> dir = UnderMount(m, c.path)) return MemoryCgroup{1, *dir};
    }
    return NotFoundf("{}: memory cgroup {} is in a v1 hierarchy that is not mounted here", what,
                     c.path);
  }
  for (const ProcCgroupEntry& c : cgroups) {
    if (c.hierarchy_id != 0 || !c.controllers.empty()) continue;
    for (const MountInfoEntry& m : mounts) {
      if (m.fs_type != "cgroup2") continue;
      if (std::optional<std::string> dir = UnderMount(m, c.path)) return MemoryCgroup{2, *dir};
    }
    return NotFoundf("{}: cgroup2 {} is not mounted here", what, c.path);
  }
  return NotFoundf("{}: in no memory cgroup (no v1 memory hierarchy, no cgroup2)", what);
}

absl::StatusOr<MemoryCgroup> MemoryCgroupOf(pid_t pid) {
  std::string what = fmt::format("pid {}", pid);
  BERTH_ASSIGN_OR_RETURN(std::string proc_cgroup, ReadFile(fmt::format("/proc/{}/cgroup", pid)));
  BERTH_ASSIGN_OR_RETURN(std::string mountinfo, ReadFile("/proc/self/mountinfo"));
  return FindMemoryCgroup(proc_cgroup, mountinfo, what);
}

}  // namespace berth::shim
