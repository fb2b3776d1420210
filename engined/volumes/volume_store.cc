#include "engined/volumes/volume_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <unordered_set>
#include <utility>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "common/unique_fd.h"
#include "engined/volumes/local_driver.h"
#include "engined/volumes/volume_json.h"
#include "engined/volumes/volume_name.h"

namespace berth::engined::volumes {
namespace {

constexpr char kMetadataFile[] = "volume.json";

absl::Status NoSuchVolume(const std::string& op, const std::string& name) {
  return NotFoundf("{} {}: no such volume", op, name);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") out.emplace_back(n);
  }
  ::closedir(d);
  return out;
}

struct InodeKey {
  dev_t dev;
  ino_t ino;
  bool operator==(const InodeKey& o) const { return dev == o.dev && ino == o.ino; }
};
struct InodeHash {
  size_t operator()(const InodeKey& k) const { return std::hash<ino_t>()(k.ino) ^ k.dev; }
};

absl::Status SizeAt(int dir_fd, const std::string& display, int64_t* total,
                    std::unordered_set<InodeKey, InodeHash>* seen) {
  int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return ErrnoErrorf(errno, "dup {}", display);
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    ::close(dup_fd);
    return ErrnoErrorf(errno, "opendir {}", display);
  }
  absl::Status status;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) continue;
      status = SizeAt(sub.get(), display + "/" + std::string(n), total, seen);
      if (!status.ok()) break;
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1 && !seen->insert({st.st_dev, st.st_ino}).second) continue;
      *total += st.st_size;
    }
  }
  ::closedir(d);
  return status;
}

}  // namespace

absl::StatusOr<int64_t> DirectorySize(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "open {}", path);
  int64_t total = 0;
  std::unordered_set<InodeKey, InodeHash> seen;
  BERTH_RETURN_IF_ERROR(SizeAt(fd.get(), path, &total, &seen));
  return total;
}

absl::StatusOr<std::unique_ptr<VolumeStore>> VolumeStore::Open(const std::string& data_root) {
  std::string root = JoinPath(data_root, "volumes");
  BERTH_RETURN_IF_ERROR(MkdirAll(root, 0701));
  std::unique_ptr<VolumeStore> store(new VolumeStore(root));
  BERTH_RETURN_IF_ERROR(store->Load());
  return store;
}

std::string VolumeStore::VolumeDir(const std::string& name) const { return JoinPath(root_, name); }

absl::Status VolumeStore::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& name : ListDir(root_)) {
    std::string meta_path = JoinPath(VolumeDir(name), kMetadataFile);
    absl::StatusOr<std::string> text = ReadFile(meta_path);
    if (!text.ok()) {
      // A create that crashed before its metadata landed: not a volume.
      log::Warnf("volumes: skipping {}: {}", VolumeDir(name), text.status());
      continue;
    }
    absl::StatusOr<Volume> volume = VolumeFromMetadata(*text, meta_path);
    if (!volume.ok()) {
      log::Warnf("volumes: skipping {}: {}", VolumeDir(name), volume.status());
      continue;
    }
    volume->name = name;
    volume->mountpoint = JoinPath(VolumeDir(name), "_data");
    Entry entry;
    entry.volume = std::move(*volume);
    // An option volume still mounted from before a restart stays mounted
    // for the containers that re-acquire it.
    if (NeedsMount(entry.volume.options)) {
      absl::StatusOr<bool> mounted = IsMountPoint(entry.volume.mountpoint);
      entry.mounted = mounted.ok() && *mounted;
    }
    volumes_.emplace(name, std::move(entry));
  }
  return absl::OkStatus();
}

absl::StatusOr<Volume> VolumeStore::Create(const VolumeCreateOptions& options) {
  std::string driver = options.driver.empty() ? kLocalDriver : options.driver;
  if (driver != kLocalDriver) {
    return NotFoundf("error looking up volume plugin {}: plugin \"{}\" not found", driver, driver);
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = options.name;
  std::map<std::string, std::string> labels = options.labels;
  if (name.empty()) {
    do {
      name = GenerateVolumeName();
    } while (volumes_.count(name));
    labels.emplace(kAnonymousLabel, "");
  } else {
    BERTH_RETURN_IF_ERROR(WithContext(ValidateVolumeName(name), "create " + name));
    auto it = volumes_.find(name);
    if (it != volumes_.end()) {
      if (it->second.volume.driver != driver) {
        return AlreadyExistsf("create {}: volume name must be unique", name);
      }
      return it->second.volume;
    }
  }
  BERTH_RETURN_IF_ERROR(ValidateLocalOptions(name, options.options));

  Volume volume;
  volume.name = name;
  volume.driver = driver;
  volume.mountpoint = JoinPath(VolumeDir(name), "_data");
  // Whole seconds, as docker's time.RFC3339.
  struct timespec now = RealtimeNow();
  now.tv_nsec = 0;
  volume.created_at = FormatRfc3339Nano(now);
  volume.labels = std::move(labels);
  volume.options = options.options;

  // _data first, metadata last: a crash in between leaves no half volume
  // that Load would take for a real one.
  std::string dir = VolumeDir(name);
  if (::mkdir(dir.c_str(), 0701) < 0 && errno != EEXIST) {
    return ErrnoErrorf(errno, "create {}: mkdir {}", name, dir);
  }
  if (::mkdir(volume.mountpoint.c_str(), 0755) < 0 && errno != EEXIST) {
    return ErrnoErrorf(errno, "create {}: mkdir {}", name, volume.mountpoint);
  }
  absl::Status written =
      WriteFileAtomic(JoinPath(dir, kMetadataFile), VolumeToMetadata(volume), 0600);
  if (!written.ok()) {
    (void)RemoveAll(dir);
    return WithContext(written, fmt::format("create {}", name));
  }
  Entry entry;
  entry.volume = volume;
  volumes_.emplace(name, std::move(entry));
  return volume;
}

absl::StatusOr<Volume> VolumeStore::Get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return NoSuchVolume("get", name);
  return it->second.volume;
}

absl::StatusOr<std::vector<Volume>> VolumeStore::List(const FilterArgs& filters) const {
  BERTH_RETURN_IF_ERROR(ValidateFilterKeys(filters, {"name", "driver", "label", "dangling"}));
  std::optional<bool> dangling;
  if (auto it = filters.find("dangling"); it != filters.end()) {
    for (const std::string& value : it->second) {
      BERTH_ASSIGN_OR_RETURN(bool b, FilterBool("dangling", value));
      dangling = b;
    }
  }
  auto values = [&](const char* key) {
    auto it = filters.find(key);
    return it == filters.end() ? std::vector<std::string>() : it->second;
  };
  std::vector<std::string> names = values("name");
  std::vector<std::string> drivers = values("driver");
  std::vector<std::string> labels = values("label");

  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Volume> out;
  for (const auto& [name, entry] : volumes_) {
    if (!NameMatches(name, names)) continue;
    if (!drivers.empty() &&
        std::find(drivers.begin(), drivers.end(), entry.volume.driver) == drivers.end()) {
      continue;
    }
    if (!LabelsMatch(entry.volume.labels, labels)) continue;
    if (dangling && *dangling != entry.refs.empty()) continue;
    out.push_back(entry.volume);
  }
  return out;
}

absl::Status VolumeStore::RemoveLocked(const std::string& name) {
  auto it = volumes_.find(name);
  const Entry& entry = it->second;
  if (NeedsMount(entry.volume.options)) {
    BERTH_RETURN_IF_ERROR(UnmountLocalVolume(name, entry.volume.mountpoint));
  }
  // Metadata first: once it is gone a crash mid-removal leaves no volume.
  std::string dir = VolumeDir(name);
  std::string meta = JoinPath(dir, kMetadataFile);
  if (::unlink(meta.c_str()) < 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "remove {}: unlink {}", name, meta);
  }
  volumes_.erase(it);
  return WithContext(RemoveAll(dir), fmt::format("remove {}", name));
}

absl::Status VolumeStore::Remove(const std::string& name, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return force ? absl::OkStatus() : NoSuchVolume("remove", name);
  if (!it->second.refs.empty()) {
    std::vector<std::string> refs(it->second.refs.begin(), it->second.refs.end());
    return FailedPreconditionf("remove {}: volume is in use - [{}]", name, Join(refs, ", "));
  }
  return RemoveLocked(name);
}

absl::StatusOr<PruneReport> VolumeStore::Prune(const FilterArgs& filters, bool anonymous_only) {
  BERTH_RETURN_IF_ERROR(ValidateFilterKeys(filters, {"label", "label!", "all"}));
  if (auto it = filters.find("all"); it != filters.end()) {
    for (const std::string& value : it->second) {
      BERTH_ASSIGN_OR_RETURN(bool all, FilterBool("all", value));
      if (all) anonymous_only = false;
    }
  }
  auto values = [&](const char* key) {
    auto it = filters.find(key);
    return it == filters.end() ? std::vector<std::string>() : it->second;
  };
  std::vector<std::string> labels = values("label");
  std::vector<std::string> not_labels = values("label!");

  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> victims;
  for (const auto& [name, entry] : volumes_) {
    if (!entry.refs.empty()) continue;
    if (anonymous_only && !entry.volume.labels.count(kAnonymousLabel)) continue;
    if (!LabelsMatch(entry.volume.labels, labels)) continue;
    if (!LabelsExclude(entry.volume.labels, not_labels)) continue;
    victims.push_back(name);
  }
  PruneReport report;
  for (const std::string& name : victims) {
    const Volume& v = volumes_.at(name).volume;
    // A mounted option volume (tmpfs, a bind of a host dir) frees nothing
    // of ours; count only plain directories.
    int64_t size = 0;
    if (!NeedsMount(v.options)) {
      absl::StatusOr<int64_t> s = DirectorySize(v.mountpoint);
      if (s.ok()) size = *s;
    }
    absl::Status removed = RemoveLocked(name);
    if (!removed.ok()) {
      log::Warnf("volumes: prune {}: {}", name, removed);
      continue;
    }
    report.deleted.push_back(name);
    report.space_reclaimed += static_cast<uint64_t>(size);
  }
  return report;
}

absl::StatusOr<std::vector<VolumeUsage>> VolumeStore::Usage() const {
  std::vector<VolumeUsage> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, entry] : volumes_) {
      VolumeUsage u;
      u.volume = entry.volume;
      u.ref_count = static_cast<int64_t>(entry.refs.size());
      out.push_back(std::move(u));
    }
  }
  // Sizes outside the lock: walking a big volume must not stall the store.
  for (VolumeUsage& u : out) {
    absl::StatusOr<int64_t> size = DirectorySize(u.volume.mountpoint);
    u.size = size.ok() ? *size : -1;
  }
  return out;
}

absl::StatusOr<std::string> VolumeStore::Acquire(const std::string& name,
                                                 const std::string& container_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return NoSuchVolume("get", name);
  Entry& entry = it->second;
  if (NeedsMount(entry.volume.options) && !entry.mounted) {
    BERTH_ASSIGN_OR_RETURN(bool already, IsMountPoint(entry.volume.mountpoint));
    if (!already) {
      BERTH_RETURN_IF_ERROR(MountLocalVolume(name, entry.volume.options, entry.volume.mountpoint));
    }
    entry.mounted = true;
  }
  entry.refs.insert(container_id);
  return entry.volume.mountpoint;
}

absl::Status VolumeStore::Release(const std::string& name, const std::string& container_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return absl::OkStatus();
  Entry& entry = it->second;
  entry.refs.erase(container_id);
  if (entry.refs.empty() && entry.mounted) {
    BERTH_RETURN_IF_ERROR(UnmountLocalVolume(name, entry.volume.mountpoint));
    entry.mounted = false;
  }
  return absl::OkStatus();
}

std::vector<std::string> VolumeStore::References(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return {};
  return {it->second.refs.begin(), it->second.refs.end()};
}

}  // namespace berth::engined::volumes
