// Identifier rules of the programs Berth stands in for.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace berth {

// runc's container id rule: [A-Za-z0-9_+.-]+, not "." or "..", at most 1024
// bytes, so the id is always one safe path component under --root.
absl::Status ValidateRuntimeId(std::string_view id);

// containerd's identifier rule (namespaces, containers, tasks, snapshots):
// alphanumerics separated by single '.', '_' or '-', at most 76 bytes.
absl::Status ValidateContainerdId(std::string_view id);

}  // namespace berth
