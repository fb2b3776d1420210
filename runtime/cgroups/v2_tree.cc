#include "runtime/cgroups/v2_tree.h"

#include <dirent.h>

#include <algorithm>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"

namespace berth::runtime::cgroups {
namespace {

// "2048kB" (sysfs) -> "2MB" (cgroup file names).
std::string PageSizeName(uint64_t kb) {
  if (kb % (1024 * 1024) == 0) return std::to_string(kb / (1024 * 1024)) + "GB";
  if (kb % 1024 == 0) return std::to_string(kb / 1024) + "MB";
  return std::to_string(kb) + "KB";
}

}  // namespace

absl::Status EnableControllers(const std::string& mount, const std::string& dir,
                               const std::vector<std::string>& controllers) {
  // Every level from the mount down to dir's parent delegates to its child.
  std::vector<std::string> levels = {mount};
  std::vector<std::string_view> parts = Split(std::string_view(dir).substr(mount.size()), '/', true);
  std::string current = mount;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    current += "/" + std::string(parts[i]);
    levels.push_back(current);
  }
  for (const std::string& level : levels) {
    BERTH_ASSIGN_OR_RETURN(std::string available, ReadCgroupFile(level, "cgroup.controllers"));
    absl::StatusOr<std::string> enabled = ReadCgroupFile(level, "cgroup.subtree_control");
    std::vector<std::string> have = SplitToStrings(TrimSpace(available), ' ', true);
    std::vector<std::string> on =
        enabled.ok() ? SplitToStrings(TrimSpace(*enabled), ' ', true) : std::vector<std::string>{};
    for (const std::string& c : controllers) {
      if (std::find(have.begin(), have.end(), c) == have.end()) continue;
      if (std::find(on.begin(), on.end(), c) != on.end()) continue;
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(level, "cgroup.subtree_control", "+" + c));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> HugePageSizes() {
  std::vector<std::string> sizes;
  DIR* d = ::opendir("/sys/kernel/mm/hugepages");
  if (d == nullptr) return sizes;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (!name.starts_with("hugepages-") || !name.ends_with("kB")) continue;
    name.remove_prefix(10);
    name.remove_suffix(2);
    if (std::optional<uint64_t> kb = ParseUint64(name)) sizes.push_back(PageSizeName(*kb));
  }
  ::closedir(d);
  return sizes;
}

absl::Status ApplyHugetlbLimits(const std::string& dir,
                                const std::vector<spec::HugepageLimit>& limits, bool v2) {
  std::vector<std::string> sizes = HugePageSizes();
  for (const spec::HugepageLimit& l : limits) {
    if (std::find(sizes.begin(), sizes.end(), l.page_size) == sizes.end()) {
      return InvalidArgumentf("linux.resources.hugepageLimits: page size {:?} is not one of this "
                              "host's ({})",
                              l.page_size, Join(sizes, ", "));
    }
    std::string base = "hugetlb." + l.page_size + (v2 ? ".max" : ".limit_in_bytes");
    std::string rsvd = "hugetlb." + l.page_size + (v2 ? ".rsvd.max" : ".rsvd.limit_in_bytes");
    std::string value = std::to_string(l.limit);
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, base, value));
    if (CgroupFileExists(dir, rsvd)) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, rsvd, value));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups
