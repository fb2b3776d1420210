#include "containerd/core/snapshots/mount.h"

#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

#include <map>
#include <string_view>

#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::snapshots {
namespace {

struct FlagWord {
  bool clear;
  unsigned long flag;
};

const std::map<std::string_view, FlagWord>& FlagWords() {
  static const auto* words = new std::map<std::string_view, FlagWord>{
      {"async", {true, MS_SYNCHRONOUS}},
      {"atime", {true, MS_NOATIME}},
      {"bind", {false, MS_BIND}},
      {"defaults", {false, 0}},
      {"dev", {true, MS_NODEV}},
      {"diratime", {true, MS_NODIRATIME}},
      {"dirsync", {false, MS_DIRSYNC}},
      {"exec", {true, MS_NOEXEC}},
      {"mand", {false, MS_MANDLOCK}},
      {"noatime", {false, MS_NOATIME}},
      {"nodev", {false, MS_NODEV}},
      {"nodiratime", {false, MS_NODIRATIME}},
      {"noexec", {false, MS_NOEXEC}},
      {"nomand", {true, MS_MANDLOCK}},
      {"norelatime", {true, MS_RELATIME}},
      {"nostrictatime", {true, MS_STRICTATIME}},
      {"nosuid", {false, MS_NOSUID}},
      {"rbind", {false, MS_BIND | MS_REC}},
      {"relatime", {false, MS_RELATIME}},
      {"remount", {false, MS_REMOUNT}},
      {"ro", {false, MS_RDONLY}},
      {"rw", {true, MS_RDONLY}},
      {"strictatime", {false, MS_STRICTATIME}},
      {"suid", {true, MS_NOSUID}},
      {"sync", {false, MS_SYNCHRONOUS}},
  };
  return *words;
}

}  // namespace

MountArgs ParseMountOptions(const std::vector<std::string>& options) {
  MountArgs args;
  std::vector<std::string> data;
  for (const std::string& o : options) {
    auto it = FlagWords().find(o);
    if (it == FlagWords().end()) {
      data.push_back(o);
    } else if (it->second.clear) {
      args.flags &= ~it->second.flag;
    } else {
      args.flags |= it->second.flag;
    }
  }
  args.data = Join(data, ",");
  return args;
}

absl::Status MountAt(const Mount& m, const std::string& target) {
  MountArgs args = ParseMountOptions(m.options);
  if (args.data.size() >= static_cast<size_t>(sysconf(_SC_PAGESIZE))) {
    return InvalidArgumentf("mount {} on {}: options are {} bytes, longer than a page", m.type,
                            target, args.data.size());
  }
  const char* data = args.data.empty() ? nullptr : args.data.c_str();
  if (::mount(m.source.c_str(), target.c_str(), m.type.c_str(), args.flags, data) != 0) {
    return ErrnoErrorf(errno, "mount {} {} on {} ({})", m.type, m.source, target,
                       Join(m.options, ","));
  }
  constexpr unsigned long kRemountFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if ((args.flags & MS_BIND) != 0 && (args.flags & kRemountFlags) != 0) {
    unsigned long flags = MS_REMOUNT | MS_BIND | (args.flags & (kRemountFlags | MS_REC));
    if (::mount("", target.c_str(), nullptr, flags, nullptr) != 0) {
      int err = errno;
      (void)::umount2(target.c_str(), MNT_DETACH);
      return ErrnoErrorf(err, "remount bind {} on {} ({})", m.source, target, Join(m.options, ","));
    }
  }
  return absl::OkStatus();
}

absl::Status MountAll(const std::vector<Mount>& mounts, const std::string& target) {
  for (size_t i = 0; i < mounts.size(); ++i) {
    absl::Status s = MountAt(mounts[i], target);
    if (!s.ok()) {
      for (size_t j = 0; j < i; ++j) (void)::umount2(target.c_str(), MNT_DETACH);
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status UnmountAll(const std::string& target) {
  for (;;) {
    if (::umount2(target.c_str(), MNT_DETACH) != 0) {
      if (errno == EINVAL) return absl::OkStatus();  // not a mount point (any more)
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "unmount {}", target);
    }
  }
}

}  // namespace berth::containerd::snapshots
