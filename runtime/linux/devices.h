// Device nodes inside the container's /dev.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// The nodes every container gets (runc's set): null, zero, full, tty,
// random, urandom. Entries of config.json with the same path win.
std::vector<spec::Device> DefaultDevices();

// config.json devices plus the defaults not overridden by path.
std::vector<spec::Device> DevicesWithDefaults(const std::vector<spec::Device>& configured);

// Creates each device inside the rootfs: mknod, or, in a user namespace
// where mknod is not allowed, a bind mount of the host's node.
absl::Status CreateDevices(int rootfs_fd, const std::vector<spec::Device>& devices,
                           bool bind_from_host);

// /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr (and /dev/core when the host
// has /proc/kcore), and /dev/ptmx pointing at the container's devpts.
absl::Status CreateDevSymlinks(int rootfs_fd);

}  // namespace berth::runtime::linux
