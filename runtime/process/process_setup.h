// The last steps before a container process (init or exec) runs the user's
// program: terminal, limits, security settings, credentials, working
// directory, and the exec itself. Shared by create/run and exec.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/linux/seccomp_program.h"
#include "runtime/process/channel.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::process {

struct ProcessPlan {
  spec::Process process;            // what to run, with exec's overrides applied
  const spec::Spec* spec = nullptr;  // the container's config (seccomp, personality)
  int console_socket_fd = -1;        // terminal mode: where the pty master goes
  uint32_t preserve_fds = 0;         // fds 3..3+N-1 pass into the program
  // linux.seccomp compiled by the runtime (PrepareSeccompProgram), loaded
  // as is; null: the filter is built here with libseccomp (notify rules).
  const linux::SeccompProgram* seccomp_program = nullptr;
};

// A loaded-late seccomp filter and the resolved program, between
// PrepareProcess and ExecProcess.
struct PreparedProcess {
  std::string program;               // absolute path inside the container
  std::vector<std::string> env;      // with HOME filled in when absent
  bool load_seccomp_late = false;
};

// Terminal, oom score, rlimits, scheduling, no_new_privs, seccomp (unless it
// must wait until just before exec), credentials and capabilities, umask,
// cwd, and the lookup of the program. Errors here are create / exec errors.
absl::StatusOr<PreparedProcess> PrepareProcess(const ProcessPlan& plan, Channel& channel);

// Loads a late seccomp filter, leaves exactly stdio and the preserved fds
// open across exec, and executes. Returns only on failure.
absl::Status ExecProcess(const ProcessPlan& plan, const PreparedProcess& prepared);

// Default dispositions and an empty mask: the runtime's signal handling
// must not leak into the container (masks and ignores survive exec).
void ResetSignals();

// Closes every fd except 0-2, the preserved ones and `keep`, so nothing of
// the runtime's reaches the container, even before exec (CVE-2024-21626).
absl::Status CloseInheritedFds(uint32_t preserve_fds, const std::vector<int>& keep);

}  // namespace berth::runtime::process
