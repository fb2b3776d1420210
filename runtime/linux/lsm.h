// Linux security modules: AppArmor profiles and SELinux labels are applied
// only where the kernel runs that module; elsewhere asking for one is an
// error rather than a silent no-op.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace berth::runtime::linux {

bool AppArmorEnabled();
bool SelinuxEnabled();

absl::Status CheckAppArmorProfile(const std::string& profile);
absl::Status CheckSelinuxLabel(const std::string& label);

// Applies the profile / label for the next exec (/proc/self/attr/...).
absl::Status ApplyAppArmorProfile(const std::string& profile);
absl::Status ApplySelinuxExecLabel(const std::string& label);

}  // namespace berth::runtime::linux
