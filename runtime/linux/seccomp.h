// Seccomp filters from linux.seccomp, built with libseccomp the way runc
// builds them (so a profile behaves the same under both), and the hand-off
// of a user-notification fd to linux.seccomp.listenerPath.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "common/unique_fd.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// Checks a profile without the kernel: actions, operators, architectures,
// flags, argument indexes, and the rules for SCMP_ACT_NOTIFY.
absl::Status ValidateSeccomp(const spec::Seccomp& seccomp);

bool UsesNotify(const spec::Seccomp& seccomp);

// Owns a libseccomp filter context.
class SeccompFilter {
 public:
  SeccompFilter() = default;
  explicit SeccompFilter(void* ctx) : ctx_(ctx) {}
  SeccompFilter(SeccompFilter&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
  SeccompFilter& operator=(SeccompFilter&& other) noexcept;
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  ~SeccompFilter();

  void* ctx() const { return ctx_; }
  // The filter as libseccomp's pseudo-code, for tests and debugging.
  std::string ExportPfc() const;

 private:
  void* ctx_ = nullptr;
};

absl::StatusOr<SeccompFilter> BuildSeccompFilter(const spec::Seccomp& seccomp);

// Loads the filter into this process; returns the notify fd when the
// filter has SCMP_ACT_NOTIFY rules, else an empty fd.
absl::StatusOr<UniqueFd> LoadSeccompFilter(SeccompFilter& filter);

// Connects to `listener_path` and sends the ContainerProcessState JSON with
// `seccomp_fd` attached (runtime-spec config-linux.md).
absl::Status SendSeccompListenerFd(const std::string& listener_path, int seccomp_fd, pid_t pid,
                                   const std::string& metadata, const json::Json& state);

// linux.seccomp of `features`.
json::Json SeccompFeatures();

}  // namespace berth::runtime::linux
