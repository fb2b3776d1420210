// The "cgroup" mount inside a container: a cgroup2 mount (or bind) on v2
// hosts, and on v1 / hybrid hosts a tmpfs holding one directory per
// hierarchy, as runc lays it out.
#pragma once

#include "absl/status/status.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/mounts.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

absl::Status MountCgroups(const spec::Mount& mount, const MountOptions& opts,
                          const MountContext& ctx);

}  // namespace berth::runtime::linux
