// fstab-style mount options (config.json mounts[].options) -> mount(2)
// flags, propagation changes, mount_setattr(2) recursive attributes and the
// filesystem data string.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtime::linux {

struct MountOptions {
  unsigned long flags = 0;               // MS_* for mount(2)
  unsigned long cleared = 0;             // MS_* explicitly turned off (rw, dev, suid, ...)
  std::vector<unsigned long> propagation;  // MS_PRIVATE|MS_REC, ... in order
  uint64_t attr_set = 0;                 // MOUNT_ATTR_* (rro, rnosuid, ...), applied recursively
  uint64_t attr_clr = 0;
  std::string data;                      // options the kernel filesystem parses (mode=755,...)
  bool tmpcopyup = false;                // tmpfs starts with the content underneath
  bool idmap = false;                    // "idmap" / "ridmap"
  bool idmap_recursive = false;

  bool IsBind() const;
  bool IsRecursiveBind() const;
};

// Parses `options`; unknown names go to `data` for the filesystem.
MountOptions ParseMountOptions(const std::vector<std::string>& options);

// Every option name ParseMountOptions understands itself (for `features`).
std::vector<std::string> KnownMountOptions();

// Maps rootfsPropagation ("rslave", "private", ...) to MS_* flags.
absl::StatusOr<unsigned long> ParsePropagation(const std::string& name);

}  // namespace berth::runtime::linux
