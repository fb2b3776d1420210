// cgroup v2 hierarchy chores shared by the v2 manager and hybrid hosts.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// Enables `controllers` (those each level offers) in cgroup.subtree_control
// of every directory from `mount` down to the parent of `dir`, so `dir`
// gets their interface files.
absl::Status EnableControllers(const std::string& mount, const std::string& dir,
                               const std::vector<std::string>& controllers);

// hugetlb.<size>.max (and .rsvd.max where present) on v2;
// hugetlb.<size>.limit_in_bytes (.rsvd.limit_in_bytes) on v1.
absl::Status ApplyHugetlbLimits(const std::string& dir, const std::vector<spec::HugepageLimit>& limits,
                                bool v2);

// Page sizes the kernel offers, as hugetlb files name them ("2MB", "1GB").
std::vector<std::string> HugePageSizes();

}  // namespace berth::runtime::cgroups
