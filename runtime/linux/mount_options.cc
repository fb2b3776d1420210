#include "runtime/linux/mount_options.h"

#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>
#include <string_view>

#include "common/status.h"

namespace berth::runtime::linux {
namespace {

struct FlagOption {
  std::string_view name;
  bool clear;
  unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"acl", false, MS_POSIXACL},
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noacl", true, MS_POSIXACL},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

struct PropagationOption {
  std::string_view name;
  unsigned long flags;
};

constexpr PropagationOption kPropagationOptions[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct AttrOption {
  std::string_view name;
  bool clear;
  uint64_t attr;
};

// Recursive variants applied with mount_setattr(AT_RECURSIVE).
constexpr AttrOption kAttrOptions[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

}  // namespace

bool MountOptions::IsBind() const { return (flags & MS_BIND) != 0; }
bool MountOptions::IsRecursiveBind() const { return (flags & MS_BIND) && (flags & MS_REC); }

MountOptions ParseMountOptions(const std::vector<std::string>& options) {
  MountOptions out;
  std::vector<std::string> data;
  for (const std::string& option : options) {
    bool handled = false;
    for (const FlagOption& f : kFlagOptions) {
      if (f.name != option) continue;
      if (f.clear) {
        out.flags &= ~f.flag;
        out.cleared |= f.flag;
      } else {
        out.flags |= f.flag;
        out.cleared &= ~f.flag;
      }
      handled = true;
    }
    for (const PropagationOption& p : kPropagationOptions) {
      if (p.name != option) continue;
      out.propagation.push_back(p.flags);
      handled = true;
    }
    for (const AttrOption& a : kAttrOptions) {
      if (a.name != option) continue;
      if (a.clear) {
        out.attr_clr |= a.attr;
        out.attr_set &= ~a.attr;
      } else {
        out.attr_set |= a.attr;
        out.attr_clr &= ~a.attr;
      }
      // mount_setattr(2): an access-time mode is only taken with
      // MOUNT_ATTR__ATIME in attr_clr.
      if ((a.attr & MOUNT_ATTR__ATIME) == a.attr) out.attr_clr |= MOUNT_ATTR__ATIME;
      handled = true;
    }
    if (option == "tmpcopyup") {
      out.tmpcopyup = true;
      handled = true;
    } else if (option == "idmap" || option == "ridmap") {
      out.idmap = true;
      out.idmap_recursive = option == "ridmap";
      handled = true;
    }
    if (!handled) data.push_back(option);
  }
  for (size_t i = 0; i < data.size(); ++i) {
    if (i > 0) out.data += ',';
    out.data += data[i];
  }
  return out;
}

std::vector<std::string> KnownMountOptions() {
  std::vector<std::string> names;
  for (const FlagOption& f : kFlagOptions) names.emplace_back(f.name);
  for (const PropagationOption& p : kPropagationOptions) names.emplace_back(p.name);
  for (const AttrOption& a : kAttrOptions) names.emplace_back(a.name);
  names.emplace_back("tmpcopyup");
  names.emplace_back("idmap");
  names.emplace_back("ridmap");
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<unsigned long> ParsePropagation(const std::string& name) {
  for (const PropagationOption& p : kPropagationOptions) {
    if (p.name == name) return p.flags;
  }
  return InvalidArgumentf("linux.rootfsPropagation: unknown propagation {:?}", name);
}

}  // namespace berth::runtime::linux
