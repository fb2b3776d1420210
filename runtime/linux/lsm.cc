#include "runtime/linux/lsm.h"

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::linux {

bool AppArmorEnabled() {
  absl::StatusOr<std::string> enabled = ReadFile("/sys/module/apparmor/parameters/enabled");
  return enabled.ok() && TrimSpace(*enabled) == "Y" && PathExists("/sys/kernel/security/apparmor");
}

bool SelinuxEnabled() { return PathExists("/sys/fs/selinux/enforce"); }

absl::Status CheckAppArmorProfile(const std::string& profile) {
  if (!AppArmorEnabled()) {
    return FailedPreconditionf(
        "process.apparmorProfile {:?} requested but AppArmor is not enabled on this host", profile);
  }
  return absl::OkStatus();
}

absl::Status CheckSelinuxLabel(const std::string& label) {
  if (!SelinuxEnabled()) {
    return FailedPreconditionf("SELinux label {:?} requested but SELinux is not enabled on this host",
                               label);
  }
  return absl::OkStatus();
}

absl::Status ApplyAppArmorProfile(const std::string& profile) {
  // "exec <profile>" switches at the next execve, as runc does.
  std::string path = PathExists("/proc/self/attr/apparmor/exec") ? "/proc/self/attr/apparmor/exec"
                                                                 : "/proc/self/attr/exec";
  return WithContext(WriteExistingFile(path, "exec " + profile),
                     fmt::format("apply AppArmor profile {:?}", profile));
}

absl::Status ApplySelinuxExecLabel(const std::string& label) {
  return WithContext(WriteExistingFile("/proc/self/attr/exec", label),
                     fmt::format("apply SELinux label {:?}", label));
}

}  // namespace berth::runtime::linux
