#include "runtime/cgroups/layout.h"

#include <dirent.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"

namespace berth::runtime::cgroups {
namespace {

constexpr char kCgroupRoot[] = "/sys/fs/cgroup";

// Controllers a v1 cgroup mount's super options may name.
const std::set<std::string>& KnownV1Controllers() {
  static const auto* known = new std::set<std::string>{
      "blkio",  "cpu",  "cpuacct", "cpuset",   "debug",      "devices", "freezer", "hugetlb",
      "memory", "misc", "net_cls", "net_prio", "perf_event", "pids",    "rdma"};
  return *known;
}

struct MountEntry {
  std::string root;
  std::string mount_point;
  std::string fs_type;
  std::vector<std::string> super_options;
};

// Undoes mountinfo's octal escapes ("\040" for a space).
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      std::string_view digits = s.substr(i + 1, 3);
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out +=
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// One mountinfo line: "36 35 98:0 /root /mnt opts [optional...] - type source superopts".
std::optional<MountEntry> ParseMountLine(std::string_view line) {
  std::vector<std::string_view> fields = Split(line, ' ', true);
  auto sep = std::find(fields.begin(), fields.end(), "-");
  if (fields.size() < 7 || sep == fields.end() || sep - fields.begin() < 6 ||
      fields.end() - sep < 3) {
    return std::nullopt;
  }
  MountEntry entry;
  entry.root = Unescape(fields[3]);
  entry.mount_point = Unescape(fields[4]);
  entry.fs_type = std::string(*(sep + 1));
  if (fields.end() - sep >= 4) entry.super_options = SplitToStrings(*(sep + 3), ',', true);
  return entry;
}

// How much a mount point looks like the host's canonical cgroup mount:
// tests and nested runtimes bind-mount hierarchies elsewhere too, and those
// copies must not win over /sys/fs/cgroup.
int MountScore(const std::string& mount_point) {
  if (mount_point == kCgroupRoot) return 3;
  if (mount_point == "/sys/fs/cgroup/unified") return 2;
  if (mount_point.rfind(std::string(kCgroupRoot) + "/", 0) == 0) return 1;
  return 0;
}

// Controllers named in /proc/self/cgroup, so ones this file does not know
// about are still recognised in super options.
std::set<std::string> ControllersFromProcCgroup(const std::map<std::string, std::string>& own) {
  std::set<std::string> out;
  for (const auto& [name, path] : own) {
    if (!name.empty()) out.insert(name);
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseProcCgroup(std::string_view content) {
  std::map<std::string, std::string> own;
  for (std::string_view line : Split(content, '\n', true)) {
    auto [id, rest] = SplitOnce(line, ':');
    if (!rest) return InvalidArgumentf("parse /proc/self/cgroup: bad line \"{}\"", line);
    auto [controllers, path] = SplitOnce(*rest, ':');
    if (!path) return InvalidArgumentf("parse /proc/self/cgroup: bad line \"{}\"", line);
    if (controllers.empty()) {
      own[""] = std::string(*path);
      continue;
    }
    for (std::string_view controller : Split(controllers, ',', true)) {
      own[std::string(controller)] = std::string(*path);
    }
  }
  return own;
}

struct Candidate {
  std::string mount_point;
  std::string root;
};

// Keeps `candidate` for `key` unless an earlier one scores at least as high.
void Offer(std::map<std::string, Candidate>* chosen, const std::string& key,
           const Candidate& candidate) {
  auto it = chosen->find(key);
  if (it == chosen->end() ||
      MountScore(candidate.mount_point) > MountScore(it->second.mount_point)) {
    (*chosen)[key] = candidate;
  }
}

bool HasRealV1Controller(const std::map<std::string, Candidate>& v1) {
  return std::any_of(v1.begin(), v1.end(),
                     [](const auto& entry) { return entry.first.rfind("name=", 0) != 0; });
}

}  // namespace

std::string Layout::V1Mount(const std::string& controller) const {
  auto it = v1_mounts.find(controller);
  return it == v1_mounts.end() ? "" : it->second;
}

bool Layout::HasUnifiedController(const std::string& controller) const {
  return std::find(unified_controllers.begin(), unified_controllers.end(), controller) !=
         unified_controllers.end();
}

absl::StatusOr<Layout> ParseLayout(std::string_view mountinfo, std::string_view proc_self_cgroup,
                                   std::string_view unified_controllers) {
  Layout layout;
  BERTH_ASSIGN_OR_RETURN(layout.own_cgroups, ParseProcCgroup(proc_self_cgroup));
  std::set<std::string> known = ControllersFromProcCgroup(layout.own_cgroups);
  known.insert(KnownV1Controllers().begin(), KnownV1Controllers().end());

  std::map<std::string, Candidate> v1;
  std::optional<Candidate> unified;
  for (std::string_view line : Split(mountinfo, '\n', true)) {
    std::optional<MountEntry> entry = ParseMountLine(line);
    if (!entry) continue;
    Candidate candidate{entry->mount_point, entry->root};
    if (entry->fs_type == "cgroup2") {
      if (!unified || MountScore(candidate.mount_point) > MountScore(unified->mount_point)) {
        unified = candidate;
      }
      continue;
    }
    if (entry->fs_type != "cgroup") continue;
    for (const std::string& option : entry->super_options) {
      if (option.rfind("name=", 0) == 0 || known.count(option) > 0) Offer(&v1, option, candidate);
    }
  }

  for (const auto& [controller, candidate] : v1) {
    layout.v1_mounts[controller] = candidate.mount_point;
    layout.v1_roots[controller] = candidate.root;
  }
  if (unified) {
    layout.unified_mount = unified->mount_point;
    layout.unified_root = unified->root;
    layout.unified_controllers = SplitWords(unified_controllers);
  }

  if (unified && (unified->mount_point == kCgroupRoot || !HasRealV1Controller(v1))) {
    layout.mode = Mode::kUnified;
  } else if (HasRealV1Controller(v1)) {
    layout.mode = unified ? Mode::kHybrid : Mode::kLegacy;
  } else {
    return FailedPreconditionf(
        "no cgroup filesystem is mounted (found neither cgroup v1 controllers nor cgroup2 in "
        "/proc/self/mountinfo)");
  }
  return layout;
}

absl::StatusOr<Layout> DetectLayout() {
  BERTH_ASSIGN_OR_RETURN(std::string mountinfo, ReadFile("/proc/self/mountinfo"));
  BERTH_ASSIGN_OR_RETURN(std::string proc_cgroup, ReadFile("/proc/self/cgroup"));
  BERTH_ASSIGN_OR_RETURN(Layout layout, ParseLayout(mountinfo, proc_cgroup, ""));
  if (!layout.unified_mount.empty()) {
    absl::StatusOr<std::string> controllers =
        ReadCgroupFile(layout.unified_mount, "cgroup.controllers");
    if (controllers.ok()) {
      layout.unified_controllers = SplitWords(*controllers);
    } else if (layout.mode == Mode::kUnified) {
      return controllers.status();
    } else {
      log::Warnf("cgroup2 controllers unknown: {}", controllers.status());
    }
  }
  layout.hugepage_sizes = ReadHugePageSizes("/sys/kernel/mm/hugepages");
  return layout;
}

std::string HugePageSizeName(uint64_t size_kb) {
  constexpr uint64_t kMb = 1024;
  constexpr uint64_t kGb = 1024 * 1024;
  if (size_kb != 0 && size_kb % kGb == 0) return fmt::format("{}GB", size_kb / kGb);
  if (size_kb != 0 && size_kb % kMb == 0) return fmt::format("{}MB", size_kb / kMb);
  return fmt::format("{}KB", size_kb);
}

std::vector<std::string> ReadHugePageSizes(const std::string& sysfs_dir) {
  std::vector<uint64_t> sizes;
  DIR* d = ::opendir(sysfs_dir.c_str());
  if (d == nullptr) return {};
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    constexpr std::string_view kPrefix = "hugepages-";
    constexpr std::string_view kSuffix = "kB";
    if (name.size() <= kPrefix.size() + kSuffix.size() ||
        name.substr(0, kPrefix.size()) != kPrefix ||
        name.substr(name.size() - kSuffix.size()) != kSuffix) {
      continue;
    }
    std::optional<uint64_t> kb =
        ParseUint64(name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size()));
    if (kb) sizes.push_back(*kb);
  }
  ::closedir(d);
  std::sort(sizes.begin(), sizes.end());
  std::vector<std::string> out;
  for (uint64_t kb : sizes) out.push_back(HugePageSizeName(kb));
  return out;
}

}  // namespace berth::runtime::cgroups
