#include "engined/spec/mounts.h"

#include <algorithm>

#include "common/file_util.h"

namespace berth::engined::spec {
namespace {

constexpr int64_t kDefaultShmSize = 64 * 1024 * 1024;

size_t Depth(const std::string& destination) {
  std::string clean = CleanPath(destination);
  if (clean == "/") return 0;
  return static_cast<size_t>(std::count(clean.begin(), clean.end(), '/'));
}

}  // namespace

std::vector<Mount> DefaultMounts(const DefaultMountOptions& o) {
  const char* sys_mode = o.privileged ? "rw" : "ro";
  std::vector<Mount> m = {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts",
       "devpts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sys_mode}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {sys_mode, "nosuid", "noexec", "nodev"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
  };
  if (o.with_shm) {
    int64_t size = o.shm_size > 0 ? o.shm_size : kDefaultShmSize;
    m.push_back({"/dev/shm",
                 "tmpfs",
                 "shm",
                 {"nosuid", "noexec", "nodev", "mode=1777", "size=" + std::to_string(size)}});
  }
  return m;
}

std::vector<Mount> MergeMounts(const std::vector<Mount>& defaults,
                               const std::vector<Mount>& extra) {
  std::vector<Mount> out;
  for (const Mount& d : defaults) {
    bool replaced = std::any_of(extra.begin(), extra.end(), [&d](const Mount& e) {
      return CleanPath(e.destination) == CleanPath(d.destination);
    });
    if (!replaced) out.push_back(d);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  std::stable_sort(out.begin(), out.end(), [](const Mount& a, const Mount& b) {
    return Depth(a.destination) < Depth(b.destination);
  });
  return out;
}

nlohmann::json MountsToJson(const std::vector<Mount>& mounts) {
  nlohmann::json out = nlohmann::json::array();
  for (const Mount& m : mounts) {
    out.push_back({{"destination", m.destination},
                   {"type", m.type},
                   {"source", m.source},
                   {"options", m.options}});
  }
  return out;
}

}  // namespace berth::engined::spec
