// The minimal busybox root filesystem every Berth test container runs in.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/testimage/fs_tree.h"

namespace berth::testimage {

// A host file copied into the rootfs (e.g. the probe to /bin/berth-probe).
struct ExtraFile {
  std::string host_path;
  std::string container_path;
  mode_t mode = 0755;
};

struct RootfsOptions {
  // A statically linked busybox; Debian's busybox-static installs it here.
  std::string busybox = "/bin/busybox";
  std::vector<ExtraFile> extra_files;
};

// Where RootfsOptions::extra_files usually puts the probe.
inline constexpr char kProbeContainerPath[] = "/bin/berth-probe";

// The rootfs as a tree: /bin/busybox, one symlink to it per applet at the
// applet's full path (from `busybox --list-full`), the usual top-level
// directories (/tmp 1777), /etc/passwd and /etc/group with root, a `berth`
// user (1000:1000) and nobody (65534), an empty /etc/hostname, /etc/hosts
// with localhost, then the extra files. Owners are left to the writer.
absl::StatusOr<FsTree> BuildRootfsTree(const RootfsOptions& opts);

// BuildRootfsTree written under `dir` (created if missing).
absl::Status CreateRootfs(const std::string& dir, const RootfsOptions& opts);

// The applets `busybox --list-full` names, as relative paths ("usr/bin/env").
absl::StatusOr<std::vector<std::string>> ListBusyboxApplets(const std::string& busybox);

}  // namespace berth::testimage
