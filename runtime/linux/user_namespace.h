// User namespace id mappings.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// "containerID hostID size\n" lines, as /proc/<pid>/uid_map takes them.
std::string FormatIdMappings(const std::vector<spec::IdMapping>& mappings);

// Writes uid_map and gid_map of `pid` (a process in a fresh user namespace).
// Without CAP_SETGID over the parent namespace, setgroups is denied first, as
// the kernel requires for an unprivileged gid_map.
absl::Status WriteIdMappings(pid_t pid, const std::vector<spec::IdMapping>& uid_mappings,
                             const std::vector<spec::IdMapping>& gid_mappings);

// Makes a user namespace with these mappings and returns an fd for it (for
// idmapped mounts). The helper process that held it is gone on return.
absl::StatusOr<UniqueFd> MakeUserNamespace(const std::vector<spec::IdMapping>& uid_mappings,
                                           const std::vector<spec::IdMapping>& gid_mappings);

}  // namespace berth::runtime::linux
