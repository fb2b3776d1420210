// Checks and formatting shared by the v1 and v2 resource writers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// "2MB", "1GB", "64KB": digits then KB, MB, GB or TB, as the kernel names
// hugetlb files. When `host_sizes` is not empty the size must be one of them.
absl::Status ValidateHugepageSize(const std::string& page_size,
                                  const std::vector<std::string>& host_sizes);

// "mlx5_0 hca_handle=2 hca_object=2000" (only the limits present); "" when
// neither is set.
std::string RdmaMaxLine(const std::string& device, const spec::Rdma& rdma);

// A limit where -1 means unlimited and 0 means "not set" (runc's reading of
// memory and cpu fields): InvalidArgument below -1. `what` names the field.
absl::Status CheckLimit(std::optional<int64_t> value, std::string_view what);

// The value if present and not 0 (runc treats 0 as "leave alone").
std::optional<int64_t> NonZero(std::optional<int64_t> value);
std::optional<uint64_t> NonZero(std::optional<uint64_t> value);

// Whether `words` (a cgroup.controllers list) holds `word`.
bool Contains(const std::vector<std::string>& words, std::string_view word);

// The controller a cgroup file belongs to: "memory" for "memory.max".
std::string ControllerOfFile(std::string_view file);

}  // namespace berth::runtime::cgroups
