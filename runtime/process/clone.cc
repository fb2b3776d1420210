#include "runtime/process/clone.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/status.h"

namespace berth::runtime::process {

absl::StatusOr<pid_t> CloneProcess(int namespace_flags) {
  struct clone_args args;
  std::memset(&args, 0, sizeof(args));
  args.flags = static_cast<uint64_t>(namespace_flags);
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid < 0) return ErrnoErrorf(errno, "clone3 (namespace flags {:#x})", namespace_flags);
  return static_cast<pid_t>(pid);
}

}  // namespace berth::runtime::process
