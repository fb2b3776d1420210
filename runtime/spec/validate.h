// Checks on a parsed config.json that catch invalid or contradictory
// settings before anything is created, each naming the offending field.
#pragma once

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::spec {

struct ValidateOptions {
  bool rootless = false;   // running without root on the host
  bool systemd_cgroup = false;
};

absl::Status ValidateSpec(const Spec& spec, const ValidateOptions& options);

// For `exec`: a process about to join an existing container.
absl::Status ValidateProcess(const Process& process, const std::string& path);

}  // namespace berth::runtime::spec
